"""Answering a questionnaire: the one-time answer link from the receipt, parsing and storing a
response, and the office's reading of free-text answers."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ballots.models import BallotBox, BoxState
from evaluation.campaign.models import Venue
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from questionnaires.models import (
    SCALE_POINTS,
    TEXT_MAX_LENGTH,
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireState,
    ResponseSource,
    TextAnswer,
    UsedPass,
)
from questionnaires.services import (
    NONCE_BYTES,
    PASS_SALT,
    Kept,
)
from suggestions.models import Channel
from suggestions.services import Intake, receive


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=PASS_SALT)


def make_pass(secret_key: str, box_id: int) -> str:
    """A fresh answer link's secret for one voter at this box. Nothing is stored."""
    return _serializer(secret_key).dumps([box_id, secrets.token_urlsafe(NONCE_BYTES)])


@dataclass(frozen=True)
class AnswerPass:
    box_id: int
    nonce_hash: str


def _invalid_link() -> NotFound:
    return NotFound(_("问卷链接无效。请从投票成功页面上的链接进入。"))


def read_pass(secret_key: str, raw: str) -> AnswerPass:
    try:
        box_id, nonce = _serializer(secret_key).loads(raw)
    except (BadSignature, ValueError, TypeError) as error:
        raise _invalid_link() from error
    if not isinstance(box_id, int) or not isinstance(nonce, str):
        raise _invalid_link()
    return AnswerPass(box_id, hashlib.sha256(nonce.encode()).hexdigest())


def pass_box(session: Session, answer_pass: AnswerPass) -> BallotBox:
    """The link's box, which must still be open for answers to be kept."""
    box = session.get(BallotBox, answer_pass.box_id)
    if box is None:
        raise _invalid_link()
    if box.current_state != BoxState.OPEN:
        raise Conflict(_("本会场的投票箱已关闭，问卷也随之结束，感谢您的关注。"))
    return box


def open_questionnaires(session: Session, campaign_id: int) -> list[Questionnaire]:
    return list(
        session.execute(
            select(Questionnaire)
            .where(
                Questionnaire.campaign_id == campaign_id,
                Questionnaire.state == QuestionnaireState.OPEN.value,
            )
            .order_by(Questionnaire.id)
        ).scalars()
    )


def answered_with(session: Session, answer_pass: AnswerPass) -> set[int]:
    """The questionnaires this link has already answered."""
    return set(
        session.execute(
            select(UsedPass.questionnaire_id).where(UsedPass.nonce_hash == answer_pass.nonce_hash)
        ).scalars()
    )


def check_answerable(
    session: Session, questionnaire: Questionnaire, answer_pass: AnswerPass | None
) -> BallotBox | None:
    """Refuse what cannot be answered now; the link's box (None for the online form)."""
    if answer_pass is None:
        if not questionnaire.online:
            raise NotFound(_("该问卷未向公众开放网上填写。"))
    else:
        box = pass_box(session, answer_pass)
        if box.campaign_id != questionnaire.campaign_id:
            raise NotFound(_("此链接不能填写该问卷。"))
    if questionnaire.current_state != QuestionnaireState.OPEN:
        raise Conflict(_("该问卷目前不接受填写。"))
    if answer_pass is None:
        return None
    if questionnaire.id in answered_with(session, answer_pass):
        raise Conflict(_("这个链接已经填写过该问卷，每人只能填写一次。"))
    return box


@dataclass
class ParsedAnswers:
    """What a submitted form says, and what is wrong with it, question by question."""

    kept: Kept = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)


class IncompleteResponse(Refused):
    """Some answers are missing or not allowed: the form is shown again with them marked."""

    def __init__(self, parsed: ParsedAnswers) -> None:
        super().__init__(
            _("还有 %(n)s 道题需要修改或补答，请看标出的题目。", n=len(parsed.errors)), 400
        )
        self.parsed = parsed


def _index(value: str, low: int, high: int) -> int | None:
    """An integer in [low, high], or None for anything else."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 3:
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_answers(questionnaire: Questionnaire, form: Mapping[str, Any]) -> ParsedAnswers:
    """Read the form (fields q<id>, and q<id>_<item> for a matrix) and check every answer."""
    parsed = ParsedAnswers()
    outside = _("答案不在该题的选项之内。")
    for q in questionnaire.questions:
        name = f"q{q.id}"
        kind = q.current_kind
        if kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
            raw = form.get(name, "")
            low, high = (
                (0, len(q.options) - 1) if kind == QuestionKind.SINGLE else (1, SCALE_POINTS)
            )
            if raw:
                value = _index(raw, low, high)
                if value is None:
                    parsed.errors[q.id] = outside
                else:
                    parsed.kept[q.id] = value
        elif kind == QuestionKind.MULTIPLE:
            raws = [r for r in _getlist(form, name) if r]
            values = {_index(r, 0, len(q.options) - 1) for r in raws}
            if None in values:
                parsed.errors[q.id] = outside
                values.discard(None)
            if values:
                parsed.kept[q.id] = values
            if len(values) > (q.max_choices or len(q.options)):
                parsed.errors[q.id] = _("本题最多选择 %(n)s 项。", n=q.max_choices)
        elif kind == QuestionKind.MATRIX:
            rows: dict[int, int] = {}
            for i in range(len(q.items)):
                raw = form.get(f"{name}_{i}", "")
                if raw:
                    value = _index(raw, 1, SCALE_POINTS)
                    if value is None:
                        parsed.errors[q.id] = outside
                    else:
                        rows[i] = value
            if rows:
                parsed.kept[q.id] = rows
            if q.required and len(rows) < len(q.items) and q.id not in parsed.errors:
                parsed.errors[q.id] = _("请为每一小项选择一个等级。")
                continue
        else:
            text = (form.get(name, "") or "").strip()
            if text:
                parsed.kept[q.id] = text
            if len(text) > TEXT_MAX_LENGTH:
                parsed.errors[q.id] = _("回答不能超过 %(n)s 字。", n=TEXT_MAX_LENGTH)
        if q.required and q.id not in parsed.kept and q.id not in parsed.errors:
            parsed.errors[q.id] = _("这是必答题。")
    return parsed


def _getlist(form: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = form.get(name)
    return list(value) if isinstance(value, list | tuple | set) else ([value] if value else [])


def _answer_rows(questionnaire: Questionnaire, kept: Kept) -> tuple[list[dict], list[dict]]:
    rows, texts = [], []
    for q in questionnaire.questions:
        if q.id not in kept:
            continue
        value = kept[q.id]
        kind = q.current_kind
        if kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
            rows.append({"question_id": q.id, "item": 0, "choice": value})
        elif kind == QuestionKind.MULTIPLE:
            rows.extend({"question_id": q.id, "item": 0, "choice": v} for v in sorted(value))
        elif kind == QuestionKind.MATRIX:
            rows.extend(
                {"question_id": q.id, "item": i, "choice": v} for i, v in sorted(value.items())
            )
        else:
            texts.append({"question_id": q.id, "text": value})
    return rows, texts


def _claim_pass(session: Session, answer_pass: AnswerPass, questionnaire_id: int) -> bool:
    """Remember that the link answered this questionnaire; False when it already had."""
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        make(UsedPass)
        .values(nonce_hash=answer_pass.nonce_hash, questionnaire_id=questionnaire_id)
        .on_conflict_do_nothing()
        .returning(UsedPass.nonce_hash)  # rowcount is not reliable here on every driver
    )
    return session.execute(statement).first() is not None


def submit_response(
    session: Session,
    questionnaire: Questionnaire,
    form: Mapping[str, Any],
    answer_pass: AnswerPass | None,
) -> None:
    """Check the answers and store them as one anonymous response; the caller commits.

    With a link, the link is spent for this questionnaire in the same transaction and the
    response is kept at the link's box; without one it is an online response.
    """
    box = check_answerable(session, questionnaire, answer_pass)
    box_id = box.id if box else None
    parsed = parse_answers(questionnaire, form)
    if parsed.errors:
        raise IncompleteResponse(parsed)
    if not parsed.kept:
        raise Refused(_("问卷是空白的，请至少回答一道题。"))
    if answer_pass is not None:
        if session.get_bind().dialect.name == "postgresql":
            # Keep the box open until this response is stored, as a ballot does.
            session.execute(
                select(BallotBox.id).where(BallotBox.id == box_id).with_for_update(read=True)
            )
            session.refresh(box)
            if box.current_state != BoxState.OPEN:
                raise Conflict(_("本会场的投票箱已关闭，问卷也随之结束，感谢您的关注。"))
        if not _claim_pass(session, answer_pass, questionnaire.id):  # a post that lost a race
            raise Conflict(_("这个链接已经填写过该问卷，每人只能填写一次。"))
    response_id = secrets.token_hex(16)
    session.execute(
        insert(QuestionnaireResponse).values(
            id=response_id,
            questionnaire_id=questionnaire.id,
            box_id=box_id,
            source=(ResponseSource.VENUE if box_id else ResponseSource.ONLINE).value,
        )
    )
    rows, texts = _answer_rows(questionnaire, parsed.kept)
    if rows:
        session.execute(insert(Answer), [{"response_id": response_id, **r} for r in rows])
    if texts:
        session.execute(
            insert(TextAnswer),
            [{"id": secrets.token_hex(16), "response_id": response_id, **t} for t in texts],
        )


def response_counts(session: Session, questionnaire: Questionnaire) -> dict[str, int]:
    """Responses by source: counts only, at any time."""
    return dict(
        session.execute(
            select(QuestionnaireResponse.source, func.count())
            .where(QuestionnaireResponse.questionnaire_id == questionnaire.id)
            .group_by(QuestionnaireResponse.source)
        ).all()
    )


def readable_text_answers(
    session: Session, questionnaire: Questionnaire, search: str = ""
) -> list[tuple[TextAnswer, Question, str]]:
    """Free-text answers the office may read: online ones, and those of closed boxes only.

    (While a box is open nothing of what its voters wrote is shown: invariant 7.)
    Each comes with its question and where it was answered; ordered by their random ids.
    """
    query = (
        select(TextAnswer, Question, Venue.name, QuestionnaireResponse.source)
        .join(QuestionnaireResponse, QuestionnaireResponse.id == TextAnswer.response_id)
        .join(Question, Question.id == TextAnswer.question_id)
        .outerjoin(BallotBox, BallotBox.id == QuestionnaireResponse.box_id)
        .outerjoin(Venue, Venue.id == BallotBox.venue_id)
        .where(
            QuestionnaireResponse.questionnaire_id == questionnaire.id,
            or_(
                QuestionnaireResponse.box_id.is_(None),
                BallotBox.state.in_([BoxState.CLOSED.value, BoxState.SEALED.value]),
            ),
        )
        .order_by(TextAnswer.id)
    )
    if search.strip():
        query = query.where(TextAnswer.text.contains(search.strip(), autoescape=True))
    return [
        (text, question, venue or (_("网上填写") if source == ResponseSource.ONLINE else _("内部")))
        for text, question, venue, source in session.execute(query)
    ]


def route_text_answer(
    session: Session, questionnaire: Questionnaire, text_id: str, actor: str
) -> int:
    """Send a free-text answer to the suggestions office (channel 问卷); returns its id."""
    readable = {t.id: t for t, _q, _v in readable_text_answers(session, questionnaire)}
    answer = readable.get(text_id)
    if answer is None:
        raise NotFound(_("找不到这条文字回答。"))
    if answer.suggestion_id is not None:
        raise Conflict(_("这条回答已经转为意见建议。"))
    response = session.get(QuestionnaireResponse, answer.response_id)
    box = session.get(BallotBox, response.box_id) if response.box_id else None
    suggestion = receive(
        session,
        questionnaire.campaign,
        Intake(
            channel=Channel.SURVEY,
            text=answer.text,
            venue_id=box.venue_id if box else None,
        ),
        actor,
    )
    answer.suggestion_id = suggestion.id
    session.flush()
    audit.record(
        session,
        actor,
        "questionnaire.route_text",
        f"questionnaire:{questionnaire.id}",
        suggestion=suggestion.id,
    )
    return suggestion.id
