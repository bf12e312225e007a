"""The rules of questionnaires: building them, answer links, answering, and the free text.

An answer link (答卷链接) is made on the ballot's receipt page and stores nothing: it is the
box and a random nonce, signed with the app's secret. When it is used for a questionnaire,
only the nonce's hash is kept, so a link answers each questionnaire once and nothing stored
joins a response to the ballot, the card or the person.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Phase
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from questionnaires.models import (
    MAX_ITEMS,
    MAX_OPTIONS,
    SCALE_POINTS,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireResponse,
    QuestionnaireSection,
    QuestionnaireState,
)
from questionnaires.presets import Preset, QuestionSpec, conduct_preset, social_preset

PASS_SALT = "sanmin-questionnaire-pass"
NONCE_BYTES = 16
QUESTION_TEXT_MAX = 300
TITLE_MAX = 100
QUESTIONNAIRE_PHASES = (Phase.PREPARATION, Phase.REPORTING)  # made and opened before the votes

# ---------------------------------------------------------------- building


def questionnaires_of(session: Session, campaign: Campaign) -> list[Questionnaire]:
    return list(
        session.execute(
            select(Questionnaire)
            .where(Questionnaire.campaign_id == campaign.id)
            .order_by(Questionnaire.id)
        ).scalars()
    )


def get_questionnaire(session: Session, campaign: Campaign, questionnaire_id: int) -> Questionnaire:
    found = session.get(Questionnaire, questionnaire_id)
    if found is None or found.campaign_id != campaign.id:
        raise NotFound(_("找不到该问卷。"))
    return found


def response_count(session: Session, questionnaire: Questionnaire) -> int:
    return session.execute(
        select(func.count()).where(QuestionnaireResponse.questionnaire_id == questionnaire.id)
    ).scalar_one()


def _require_editable(session: Session, questionnaire: Questionnaire) -> None:
    if response_count(session, questionnaire):
        raise Conflict(_("该问卷已有答卷，题目不能再修改；如需调整，请新建一个版本。"))
    if questionnaire.current_state == QuestionnaireState.CLOSED:
        raise Conflict(_("问卷已结束，不能修改。"))


def _clean_title(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Refused(_("请填写%(what)s。", what=what))
    if len(text) > TITLE_MAX:
        raise Refused(_("%(what)s不能超过 %(n)s 字。", what=what, n=TITLE_MAX))
    return text


def preset_of(kind: QuestionnaireKind, campaign: Campaign) -> Preset | None:
    """The ready template of a kind; other questionnaires start empty."""
    if kind == QuestionnaireKind.SOCIAL:
        return social_preset()
    if kind == QuestionnaireKind.CONDUCT:
        return conduct_preset(list(campaign.departments))
    return None


def create_questionnaire(
    session: Session,
    campaign: Campaign,
    kind: QuestionnaireKind,
    title: str,
    actor: str,
    use_preset: bool = False,
) -> Questionnaire:
    """A new draft: empty, or filled from the ready template of its kind."""
    if campaign.current_phase not in QUESTIONNAIRE_PHASES:
        raise Conflict(_("当前阶段不能再新建问卷。"))
    preset = preset_of(kind, campaign) if use_preset else None
    title = _clean_title(title or (preset.title if preset else ""), _("问卷标题"))
    questionnaire = Questionnaire(
        campaign=campaign,
        kind=kind.value,
        title=title,
        intro=preset.intro if preset else "",
        version=_next_version(session, campaign, title),
    )
    session.add(questionnaire)
    session.flush()
    if preset:
        for section_title, specs in preset.sections:
            section = add_section(session, questionnaire, section_title, actor, audited=False)
            for spec in specs:
                add_question(session, section, spec, actor, audited=False)
    audit.record(
        session,
        actor,
        "questionnaire.create",
        f"questionnaire:{questionnaire.id}",
        title=title,
        preset=bool(preset),
    )
    return questionnaire


def _next_version(session: Session, campaign: Campaign, title: str) -> int:
    latest = session.execute(
        select(func.max(Questionnaire.version)).where(
            Questionnaire.campaign_id == campaign.id, Questionnaire.title == title
        )
    ).scalar()
    return (latest or 0) + 1


def update_intro(
    session: Session, questionnaire: Questionnaire, title: str, intro: str, actor: str
) -> None:
    _require_editable(session, questionnaire)
    title = _clean_title(title, _("问卷标题"))
    if title != questionnaire.title:
        questionnaire.version = _next_version(session, questionnaire.campaign, title)
    questionnaire.title = title
    questionnaire.intro = (intro or "").strip()[:2000]
    session.flush()
    audit.record(session, actor, "questionnaire.edit", f"questionnaire:{questionnaire.id}")


def add_section(
    session: Session, questionnaire: Questionnaire, title: str, actor: str, audited: bool = True
) -> QuestionnaireSection:
    _require_editable(session, questionnaire)
    section = QuestionnaireSection(
        questionnaire=questionnaire,
        position=len(questionnaire.sections) + 1,
        title=_clean_title(title, _("部分标题")),
    )
    session.add(section)
    session.flush()
    if audited:
        audit.record(session, actor, "questionnaire.section", f"questionnaire:{questionnaire.id}")
    return section


def check_spec(spec: QuestionSpec) -> QuestionSpec:
    """Refuse a question that could not be answered sensibly."""
    text = (spec.text or "").strip()
    if not text:
        raise Refused(_("请填写题目。"))
    if len(text) > QUESTION_TEXT_MAX:
        raise Refused(_("题目不能超过 %(n)s 字。", n=QUESTION_TEXT_MAX))
    options = [o.strip() for o in spec.options if o.strip()]
    items = [i.strip() for i in spec.items if i.strip()]
    kind = spec.kind
    if len(set(options)) != len(options) or len(set(items)) != len(items):
        raise Refused(_("选项或小项不能重复。"))
    if any(len(o) > TITLE_MAX for o in options + items):
        raise Refused(_("每个选项不能超过 %(n)s 字。", n=TITLE_MAX))
    max_choices = None
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise Refused(_("选择题需要 2 到 %(n)s 个选项，每行一个。", n=MAX_OPTIONS))
        items = []
    if kind == QuestionKind.MULTIPLE:
        max_choices = spec.max_choices or len(options)
        if not 1 <= max_choices <= len(options):
            raise Refused(_("最多可选项数须在 1 到选项个数之间。"))
    if kind in (QuestionKind.SCALE, QuestionKind.MATRIX) and len(options) != SCALE_POINTS:
        raise Refused(_("量表题需要从低到高的 %(n)s 个等级说明，每行一个。", n=SCALE_POINTS))
    if kind == QuestionKind.SCALE:
        items = []
    if kind == QuestionKind.MATRIX and not 1 <= len(items) <= MAX_ITEMS:
        raise Refused(_("矩阵题需要 1 到 %(n)s 个小项，每行一个。", n=MAX_ITEMS))
    if kind == QuestionKind.TEXT:
        options, items = [], []
    return QuestionSpec(kind, text, options, items, spec.required, max_choices)


def add_question(
    session: Session,
    section: QuestionnaireSection,
    spec: QuestionSpec,
    actor: str,
    audited: bool = True,
) -> Question:
    _require_editable(session, section.questionnaire)
    spec = check_spec(spec)
    question = Question(section=section, position=len(section.questions) + 1)
    _fill(question, spec)
    session.add(question)
    session.flush()
    if audited:
        audit.record(
            session, actor, "questionnaire.question", f"questionnaire:{section.questionnaire_id}"
        )
    return question


def _fill(question: Question, spec: QuestionSpec) -> None:
    question.kind = spec.kind.value
    question.text = spec.text
    question.required = spec.required
    question.max_choices = spec.max_choices
    question.options_json = json.dumps(spec.options, ensure_ascii=False)
    question.items_json = json.dumps(spec.items, ensure_ascii=False)


def get_question(session: Session, questionnaire: Questionnaire, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.section.questionnaire_id != questionnaire.id:
        raise NotFound(_("找不到该题目。"))
    return question


def update_question(session: Session, question: Question, spec: QuestionSpec, actor: str) -> None:
    questionnaire = question.section.questionnaire
    _require_editable(session, questionnaire)
    _fill(question, check_spec(spec))
    session.flush()
    audit.record(session, actor, "questionnaire.question", f"questionnaire:{questionnaire.id}")


def remove_question(session: Session, question: Question, actor: str) -> None:
    section = question.section
    _require_editable(session, section.questionnaire)
    section.questions.remove(question)
    for position, q in enumerate(section.questions, start=1):
        q.position = position
    session.flush()
    audit.record(
        session, actor, "questionnaire.question_remove", f"questionnaire:{section.questionnaire_id}"
    )


def move_question(session: Session, question: Question, step: int, actor: str) -> None:
    """Move a question up (-1) or down (+1) within its section."""
    section = question.section
    _require_editable(session, section.questionnaire)
    questions = list(section.questions)
    index = questions.index(question)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(questions):
        raise Refused(_("题目已在最前或最后。"))
    questions[index].position, questions[other].position = (
        questions[other].position,
        questions[index].position,
    )
    session.flush()
    session.refresh(section)
    audit.record(
        session, actor, "questionnaire.question_move", f"questionnaire:{section.questionnaire_id}"
    )


def new_version(session: Session, questionnaire: Questionnaire, actor: str) -> Questionnaire:
    """A draft copy with every question, to change what an answered questionnaire asks."""
    copy = Questionnaire(
        campaign=questionnaire.campaign,
        kind=questionnaire.kind,
        title=questionnaire.title,
        intro=questionnaire.intro,
        version=_next_version(session, questionnaire.campaign, questionnaire.title),
    )
    copy.sections = [
        QuestionnaireSection(
            position=section.position,
            title=section.title,
            questions=[
                Question(
                    position=q.position,
                    kind=q.kind,
                    text=q.text,
                    required=q.required,
                    max_choices=q.max_choices,
                    options_json=q.options_json,
                    items_json=q.items_json,
                )
                for q in section.questions
            ],
        )
        for section in questionnaire.sections
    ]
    session.add(copy)
    session.flush()
    audit.record(
        session,
        actor,
        "questionnaire.new_version",
        f"questionnaire:{copy.id}",
        source=questionnaire.id,
        version=copy.version,
    )
    return copy


# Which state changes the admin may make.
STATE_MOVES = {
    (QuestionnaireState.DRAFT, QuestionnaireState.OPEN),
    (QuestionnaireState.OPEN, QuestionnaireState.CLOSED),
}


def move_questionnaire(
    session: Session, questionnaire: Questionnaire, target: QuestionnaireState, actor: str
) -> None:
    if (questionnaire.current_state, target) not in STATE_MOVES:
        raise Conflict(_("问卷当前状态不能进行此操作。"))
    if target == QuestionnaireState.OPEN:
        if not questionnaire.questions:
            raise Conflict(_("问卷还没有题目，不能开放。"))
        if questionnaire.campaign.current_phase not in QUESTIONNAIRE_PHASES:
            raise Conflict(_("当前阶段不能开放问卷。"))
    else:
        questionnaire.online = False
    questionnaire.state = target.value
    session.flush()
    audit.record(
        session, actor, f"questionnaire.{target.value}", f"questionnaire:{questionnaire.id}"
    )


def set_online(session: Session, questionnaire: Questionnaire, online: bool, actor: str) -> None:
    """Open (or stop) the public online form beside the venue links."""
    if online and questionnaire.current_state != QuestionnaireState.OPEN:
        raise Conflict(_("问卷开放后才能向公众网上开放。"))
    questionnaire.online = online
    session.flush()
    audit.record(
        session,
        actor,
        "questionnaire.online",
        f"questionnaire:{questionnaire.id}",
        online=online,
    )


def still_collecting_online(session: Session, campaign: Campaign) -> list[Questionnaire]:
    """Questionnaires still taking online answers: the tally waits until they stop."""
    return [q for q in questionnaires_of(session, campaign) if q.online]


# ---------------------------------------------------------------- answer links


# ---------------------------------------------------------------- answering


Kept = dict[int, Any]  # question id -> the answer as the form shows it again


# ---------------------------------------------------------------- counts and free text
