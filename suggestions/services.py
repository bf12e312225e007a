"""The rules of suggestions: intake from every channel, routing, triage, handling and feedback."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.models import BallotBox, BallotComment, BoxState
from evaluation.campaign.models import Campaign, Department, Phase
from evaluation.core import audit
from evaluation.core.errors import Conflict, Forbidden, NotFound, Refused
from suggestions.models import (
    DEADLINE_WORKING_DAYS,
    OPEN_STATUSES,
    REPLY_MAX_CHARS,
    TEXT_MAX_CHARS,
    TEXT_MIN_CHARS,
    Channel,
    HandlingRequest,
    LocalDayOff,
    RejectReason,
    ReplyState,
    RequestKind,
    RequestState,
    RoutingRule,
    Satisfaction,
    Status,
    Suggestion,
    SuggestionCategory,
    SuggestionReply,
    Urgency,
)
from suggestions.workdays import WorkCalendar

BEIJING = ZoneInfo("Asia/Shanghai")
# Suggestions are taken from the start of preparation until handling ends.
INTAKE_PHASES = (Phase.PREPARATION, Phase.REPORTING, Phase.HANDLING)
MOBILE_PHONE = re.compile(r"^1[3-9]\d{9}$")
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
TRACKING_LENGTH = 10
MAX_EXTENSION_DAYS = 10
REASON_MAX_CHARS = 1000
NAME_MAX_CHARS = 50


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def work_calendar(session: Session) -> WorkCalendar:
    """The official calendar with the city's local days off."""
    return WorkCalendar.with_days_off(session.execute(select(LocalDayOff.day)).scalars())


# ---------------------------------------------------------------- personal data


def normalise_phone(raw: str) -> str:
    """An 11-digit mainland mobile number, or a refusal (spaces, dashes and +86 are allowed)."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not MOBILE_PHONE.match(digits):
        raise Refused(_("请填写正确的手机号码（11 位数字，以 1 开头）。"))
    return digits


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""


# Digits and separators as a citizen may type them, full-width or not: each character maps
# to one character, so a match in the normalised text is the same span in the original.
_NORMALISE = str.maketrans("０１２３４５６７８９Ｘｘ　－—–‐‑＠．", "0123456789Xx -----@.")
_SEP = r"[ \-]?"
PERSONAL_PATTERNS = [
    # 身份证: 18 characters (the last may be X) or the old 15 digits.
    re.compile(r"(?<![0-9Xx])(?:\d{17}[0-9Xx]|\d{15})(?![0-9Xx])"),
    # Bank cards: 16 to 19 digits, often in groups of four.
    re.compile(r"(?<!\d)\d(?:" + _SEP + r"\d){15,18}(?!\d)"),
    # Mainland mobiles, with spaces or dashes anywhere and an optional +86.
    re.compile(r"(?<!\d)(?:\+?86" + _SEP + r")?1" + _SEP + r"[3-9](?:" + _SEP + r"\d){9}(?!\d)"),
    # Landlines with their area code: 0532-8888 8888.
    re.compile(r"(?<!\d)0\d{2,3}" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}(?!\d)"),
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"),
]


def _masked(found: str) -> str:
    if "@" in found:
        name, domain = found.split("@", 1)
        return f"{name[:1]}***@{domain}"
    digits = re.sub(r"[^0-9Xx]", "", found)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 and a mobile number
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_personal_data(text: str | None) -> str:
    """The text as anyone but its author and the office may see it: phone, ID card and
    bank card numbers and e-mail addresses masked, however they were typed."""
    text = text or ""
    normal = text.translate(_NORMALISE)
    spans: list[tuple[int, int, str]] = []
    for pattern in PERSONAL_PATTERNS:
        for match in pattern.finditer(normal):
            start, end = match.span()
            if not any(start < e and s < end for s, e, _m in spans):
                spans.append((start, end, _masked(match.group())))
    for start, end, masked in sorted(spans, reverse=True):
        text = text[:start] + masked + text[end:]
    return text


def mask_name(name: str | None) -> str:
    return name[0] + "*" * max(1, len(name) - 1) if name else ""


# ---------------------------------------------------------------- intake


@dataclass
class Intake:
    """What arrives on one channel; the service checks it whatever the form did."""

    channel: Channel
    text: str
    category_id: int | None = None
    target_unit_id: int | None = None
    author_name: str | None = None
    author_phone: str | None = None
    name_consent: bool = False
    venue_id: int | None = None
    visited: str = ""
    ballot_comment_id: str | None = None


def _clean_text(text: str, minimum: int, maximum: int, field: str = "text") -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise Refused(_("内容太短，请至少写 %(n)s 个字。", n=minimum), field=field)
    if len(text) > maximum:
        raise Refused(_("内容太长，请不要超过 %(n)s 个字。", n=maximum), field=field)
    return text


def _campaign_unit(session: Session, campaign: Campaign, unit_id: int | None) -> Department | None:
    if unit_id is None:
        return None
    unit = session.get(Department, unit_id)
    if unit is None or unit.campaign_id != campaign.id:
        raise Refused(_("所选部门不存在。"))
    return unit


def _campaign_category(
    session: Session, campaign: Campaign, category_id: int | None
) -> SuggestionCategory | None:
    if category_id is None:
        return None
    category = session.get(SuggestionCategory, category_id)
    if category is None or category.campaign_id != campaign.id:
        raise Refused(_("所选类别不存在。"))
    return category


def _new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def receive(session: Session, campaign: Campaign, intake: Intake, actor: str) -> Suggestion:
    """Accept a suggestion from any channel; it waits for triage with a proposed unit."""
    if campaign.current_phase not in INTAKE_PHASES:
        raise Conflict(_("本年度活动已结束，暂不接收意见建议。"))
    text = _clean_text(intake.text, TEXT_MIN_CHARS, TEXT_MAX_CHARS)
    category = _campaign_category(session, campaign, intake.category_id)
    target = _campaign_unit(session, campaign, intake.target_unit_id)
    name = (intake.author_name or "").strip() or None
    phone = normalise_phone(intake.author_phone) if (intake.author_phone or "").strip() else None
    if intake.channel in (Channel.BALLOT, Channel.SURVEY) and (name or phone):
        raise Refused(_("选票附言不能带有个人信息。"))
    if intake.channel == Channel.ONLINE and bool(name) != bool(phone):
        raise Refused(_("实名提交请同时填写姓名和手机号码；匿名提交请两项都不填。"))
    if name and len(name) > NAME_MAX_CHARS:
        raise Refused(_("姓名太长。"))
    if intake.channel == Channel.VISIT and not intake.visited.strip():
        raise Refused(_("请填写走访的对象（如市人大代表、市政协委员）。"))
    suggestion = Suggestion(
        campaign=campaign,
        tracking_code=_new_tracking_code(),
        channel=intake.channel.value,
        category=category,
        target_unit=target,
        text=text,
        author_name=name,
        author_phone=phone,
        name_consent=bool(intake.name_consent and name and phone),
        venue_id=intake.venue_id,
        visited=intake.visited.strip()[:100],
        ballot_comment_id=intake.ballot_comment_id,
        entered_by="" if intake.channel == Channel.ONLINE else actor,
        created_at=utcnow(),
        status=Status.RECEIVED.value,
        urgency=Urgency.NORMAL.value,
        proposed_unit=propose_unit(session, campaign, category, text, target),
    )
    session.add(suggestion)
    session.flush()
    audit.record(
        session, actor, "suggestion.receive", f"suggestion:{suggestion.id}", channel=intake.channel
    )
    return suggestion


def propose_unit(
    session: Session,
    campaign: Campaign,
    category: SuggestionCategory | None,
    text: str,
    target: Department | None,
) -> Department | None:
    """The unit the office is likely to choose: the one named, else the best routing rule.

    A rule matches when its category is the suggestion's (or it has none) and, if it lists
    keywords, at least one appears in the text; more keyword hits win, then a category match,
    then the older rule.
    """
    if target is not None:
        return target
    best: tuple[int, int, int] | None = None
    chosen = None
    for rule in rules_of(session, campaign):
        if rule.category_id is not None and (category is None or rule.category_id != category.id):
            continue
        keywords = rule.keyword_list
        hits = sum(1 for k in keywords if k in text)
        if keywords and not hits:
            continue
        key = (hits, int(rule.category_id is not None), -rule.id)
        if best is None or key > best:
            best, chosen = key, rule.unit
    return chosen


def rules_of(session: Session, campaign: Campaign) -> list[RoutingRule]:
    return list(
        session.execute(
            select(RoutingRule)
            .where(RoutingRule.campaign_id == campaign.id)
            .order_by(RoutingRule.id)
        ).scalars()
    )


def import_ballot_comments(session: Session, campaign: Campaign, actor: str) -> int:
    """Turn the comments written on ballots of sealed boxes into suggestions (channel 'ballot').

    Only sealed boxes: importing while a box is open would stamp each comment with the moment
    its ballot was cast. Comments are taken in the order of their random ids.
    """
    imported = select(Suggestion.ballot_comment_id).where(Suggestion.ballot_comment_id.is_not(None))
    comments = session.execute(
        select(BallotComment, BallotBox.venue_id)
        .join(BallotBox, BallotBox.id == BallotComment.box_id)
        .where(
            BallotBox.campaign_id == campaign.id,
            BallotBox.state == BoxState.SEALED.value,
            BallotComment.id.not_in(imported),
        )
        .order_by(BallotComment.id)
    ).all()
    count = 0
    for comment, venue_id in comments:
        text = comment.text.strip()
        if len(text) < 2:  # a stray character is not a suggestion
            continue
        session.add(
            Suggestion(
                campaign=campaign,
                tracking_code=_new_tracking_code(),
                channel=Channel.BALLOT.value,
                target_unit_id=comment.department_id,
                proposed_unit_id=comment.department_id,
                text=text[:TEXT_MAX_CHARS],
                venue_id=venue_id,
                ballot_comment_id=comment.id,
                entered_by=actor,
                created_at=utcnow(),
            )
        )
        count += 1
    session.flush()
    audit.record(session, actor, "suggestion.import_ballot_comments", "", count=count)
    return count


# ---------------------------------------------------------------- triage


def get_suggestion(session: Session, campaign: Campaign, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.campaign_id != campaign.id:
        raise NotFound(_("找不到该意见建议。"))
    return suggestion


def assign(
    session: Session,
    suggestion: Suggestion,
    lead_unit_id: int,
    co_unit_ids: list[int],
    urgency: Urgency,
    actor: str,
    today: dt.date | None = None,
) -> None:
    """Confirm or change who handles it; the deadline counts from today's assignment."""
    if suggestion.status not in (Status.RECEIVED, *OPEN_STATUSES):
        raise Conflict(_("这条意见建议当前不能分办。"))
    lead = _campaign_unit(session, suggestion.campaign, lead_unit_id)
    if lead is None:
        raise Refused(_("请选择主办单位。"), field="lead_unit")
    co_units = [_campaign_unit(session, suggestion.campaign, i) for i in co_unit_ids]
    today = today or beijing_today()
    due = work_calendar(session).add_working_days(today, DEADLINE_WORKING_DAYS[urgency])
    previous = suggestion.lead_unit_id
    # A draft by a unit that no longer leads would be answered by the wrong unit.
    for reply in list(suggestion.replies):
        if reply.state != ReplyState.APPROVED and reply.unit_id != lead.id:
            suggestion.replies.remove(reply)
    suggestion.lead_unit = lead
    suggestion.co_units = [u for u in co_units if u is not None and u.id != lead.id]
    suggestion.urgency = urgency.value
    if suggestion.status == Status.RECEIVED:
        suggestion.status = Status.ASSIGNED.value
    suggestion.assigned_on, suggestion.due_on = today, due
    session.flush()
    audit.record(
        session,
        actor,
        "suggestion.reassign" if previous else "suggestion.assign",
        f"suggestion:{suggestion.id}",
        lead=lead.code,
        co=[u.code for u in suggestion.co_units],
        urgency=urgency.value,
        due=suggestion.due_on.isoformat(),
    )


def merge(session: Session, duplicate: Suggestion, survivor: Suggestion, actor: str) -> None:
    """A duplicate follows its survivor's status from now on (and so do its own duplicates)."""
    if duplicate.id == survivor.id:
        raise Refused(_("不能与自身合并。"), field="survivor")
    if survivor.campaign_id != duplicate.campaign_id:
        raise NotFound(_("找不到该意见建议。"))
    if survivor.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(_("不能合并到已合并或不予受理的意见建议。"))
    if duplicate.status not in (Status.RECEIVED, Status.ASSIGNED) or duplicate.public_reply:
        raise Conflict(_("已答复、已合并或不予受理的意见建议不能再合并。"))
    for follower in session.execute(
        select(Suggestion).where(Suggestion.merged_into_id == duplicate.id)
    ).scalars():
        follower.merged_into = survivor
    duplicate.status = Status.MERGED.value
    duplicate.merged_into = survivor
    duplicate.replies.clear()
    session.flush()
    audit.record(session, actor, "suggestion.merge", f"suggestion:{duplicate.id}", into=survivor.id)


def reject(
    session: Session, suggestion: Suggestion, reason: RejectReason, note: str, actor: str
) -> None:
    """Not taken up (spam, out of scope…): kept and counted, never shown on the board."""
    if suggestion.status != Status.RECEIVED:
        raise Conflict(_("只有待分办的意见建议可以不予受理。"))
    note = (note or "").strip()
    if reason == RejectReason.OTHER and not note:
        raise Refused(_("请写明不予受理的理由。"), field="note")
    suggestion.status = Status.REJECTED.value
    suggestion.reject_reason = reason.value
    suggestion.reject_note = note[:500]
    session.flush()
    audit.record(
        session, actor, "suggestion.reject", f"suggestion:{suggestion.id}", reason=reason.value
    )


def effective(suggestion: Suggestion) -> Suggestion:
    """The suggestion whose handling this one follows: its survivor if it was merged."""
    seen = set()
    while suggestion.merged_into is not None and suggestion.id not in seen:
        seen.add(suggestion.id)
        suggestion = suggestion.merged_into
    return suggestion


# ---------------------------------------------------------------- handling by the unit


def check_unit_access(suggestion: Suggestion, unit: Department) -> None:
    """A unit sees the items it leads or co-handles, nothing else."""
    if suggestion.lead_unit_id != unit.id and unit not in suggestion.co_units:
        raise Forbidden(_("这条意见建议不是交给您单位办理的。"))


def _check_lead(suggestion: Suggestion, unit: Department) -> None:
    check_unit_access(suggestion, unit)
    if suggestion.lead_unit_id != unit.id:
        raise Forbidden(_("只有主办单位可以答复或提出申请，协办单位请与主办单位联系。"))
    if suggestion.status not in OPEN_STATUSES:
        raise Conflict(_("这条意见建议当前不在办理中。"))


def save_reply(
    session: Session, suggestion: Suggestion, unit: Department, text: str, submit: bool, actor: str
) -> SuggestionReply:
    """The lead unit drafts its answer and, when ready, submits it to the office."""
    _check_lead(suggestion, unit)
    text = _clean_text(text, TEXT_MIN_CHARS, REPLY_MAX_CHARS)
    reply = suggestion.draft_reply
    if reply is not None and reply.state == ReplyState.SUBMITTED:
        raise Conflict(_("答复已提交，正在等待审核，暂不能修改。"))
    if reply is None:
        reply = SuggestionReply(
            unit=unit,
            text=text,
            written_by=actor,
            follow_up=suggestion.status == Status.REVIEWING,
        )
        suggestion.replies.append(reply)
    reply.text, reply.written_by = text, actor
    reply.state = (ReplyState.SUBMITTED if submit else ReplyState.DRAFT).value
    reply.submitted_at = utcnow() if submit else None
    session.flush()
    if submit:
        audit.record(session, actor, "suggestion.reply_submit", f"suggestion:{suggestion.id}")
    return reply


def get_reply(session: Session, reply_id: int) -> SuggestionReply:
    reply = session.get(SuggestionReply, reply_id)
    if reply is None:
        raise NotFound(_("找不到该答复。"))
    return reply


def approve_reply(
    session: Session, reply: SuggestionReply, actor: str, today: dt.date | None = None
) -> None:
    """The office approves: the reply becomes public and the item counts as answered."""
    if reply.state != ReplyState.SUBMITTED:
        raise Conflict(_("只有已提交的答复可以审核。"))
    suggestion = reply.suggestion
    today = today or beijing_today()
    calendar = work_calendar(session)
    reply.state = ReplyState.APPROVED.value
    reply.approved_at = utcnow()
    suggestion.status = Status.ANSWERED.value
    suggestion.feedback = None
    if not reply.follow_up:  # the statistics measure the first answer
        suggestion.answered_on = today
        suggestion.working_days_taken = calendar.working_days_between(suggestion.assigned_on, today)
        suggestion.on_time = today <= suggestion.due_on
    session.flush()
    audit.record(session, actor, "suggestion.reply_approve", f"suggestion:{suggestion.id}")


def return_reply(session: Session, reply: SuggestionReply, comment: str, actor: str) -> None:
    if reply.state != ReplyState.SUBMITTED:
        raise Conflict(_("只有已提交的答复可以审核。"))
    comment = (comment or "").strip()
    if not comment:
        raise Refused(_("退回时请写明修改意见。"), field="comment")
    reply.state = ReplyState.RETURNED.value
    reply.office_comment = comment[:1000]
    session.flush()
    audit.record(session, actor, "suggestion.reply_return", f"suggestion:{reply.suggestion_id}")


def ask(
    session: Session,
    suggestion: Suggestion,
    unit: Department,
    kind: RequestKind,
    reason: str,
    actor: str,
    extra_days: int | None = None,
    proposed_unit_id: int | None = None,
) -> HandlingRequest:
    """The lead unit asks for more working days or for the item to go to another unit."""
    _check_lead(suggestion, unit)
    reason = _clean_text(reason, 4, REASON_MAX_CHARS, field="reason")
    if any(r.state == RequestState.PENDING for r in suggestion.requests):
        raise Conflict(_("已有一项申请正在等待决定。"))
    if kind == RequestKind.EXTENSION:
        if extra_days is None or not 1 <= extra_days <= MAX_EXTENSION_DAYS:
            raise Refused(
                _("延期天数应为 1 到 %(n)s 个工作日。", n=MAX_EXTENSION_DAYS), field="extra_days"
            )
        proposed_unit_id = None
    else:
        extra_days = None
        proposed = _campaign_unit(session, suggestion.campaign, proposed_unit_id)
        if proposed is not None and proposed.id == unit.id:
            raise Refused(_("建议改派的单位不能是本单位。"), field="proposed_unit")
    request = HandlingRequest(
        unit=unit,
        kind=kind.value,
        reason=reason,
        extra_days=extra_days,
        proposed_unit_id=proposed_unit_id,
        asked_by=actor,
        asked_at=utcnow(),
    )
    suggestion.requests.append(request)
    session.flush()
    audit.record(
        session, actor, f"suggestion.ask_{kind.value}", f"suggestion:{suggestion.id}", reason=reason
    )
    return request


def get_request(session: Session, request_id: int) -> HandlingRequest:
    request = session.get(HandlingRequest, request_id)
    if request is None:
        raise NotFound(_("找不到该申请。"))
    return request


def decide(
    session: Session,
    request: HandlingRequest,
    grant: bool,
    note: str,
    actor: str,
    new_unit_id: int | None = None,
    today: dt.date | None = None,
) -> None:
    """The office grants or refuses a unit's request; a refusal needs a reason."""
    if request.state != RequestState.PENDING:
        raise Conflict(_("该申请已经处理过了。"))
    suggestion = request.suggestion
    note = (note or "").strip()
    if not grant and not note:
        raise Refused(_("不同意时请写明理由。"), field="note")
    if grant and suggestion.status not in OPEN_STATUSES:
        raise Conflict(_("这条意见建议当前不在办理中。"))
    if grant and request.kind == RequestKind.EXTENSION:
        suggestion.due_on = work_calendar(session).add_working_days(
            suggestion.due_on, request.extra_days
        )
    elif grant:
        unit_id = new_unit_id or request.proposed_unit_id
        if unit_id is None or unit_id == request.unit_id:
            raise Refused(_("请选择改派的单位。"), field="new_unit")
        assign(session, suggestion, unit_id, [], Urgency(suggestion.urgency), actor, today)
    request.state = (RequestState.GRANTED if grant else RequestState.REFUSED).value
    request.decided_by, request.decided_at, request.decision_note = actor, utcnow(), note[:500]
    session.flush()
    audit.record(
        session,
        actor,
        f"suggestion.{'grant' if grant else 'refuse'}_{request.kind}",
        f"suggestion:{suggestion.id}",
        due=suggestion.due_on.isoformat() if suggestion.due_on else None,
    )


# ---------------------------------------------------------------- the citizen


def track(session: Session, code: str, phone: str | None) -> Suggestion:
    """The submitter's own view: the tracking code, plus the phone number for real-name items."""
    wrong = NotFound(_("跟踪码或手机号码不正确，请核对后重试。"))
    code = re.sub(r"[\s\-]", "", code or "").upper()
    if len(code) != TRACKING_LENGTH:
        raise wrong
    suggestion = session.execute(
        select(Suggestion).where(Suggestion.tracking_code == code)
    ).scalar_one_or_none()
    if suggestion is None:
        raise wrong
    if suggestion.author_phone:
        try:
            given = normalise_phone(phone or "")
        except Refused:
            raise wrong from None
        if not secrets.compare_digest(given, suggestion.author_phone):
            raise wrong
    return suggestion


def give_feedback(
    session: Session, suggestion: Suggestion, rating: Satisfaction, today: dt.date | None = None
) -> None:
    """The citizen rates the public reply once; 不满意 reopens the item once for 回访复核."""
    if suggestion.status == Status.MERGED:
        raise Conflict(_("这条意见建议已与其他意见合并办理，请查看合并后的答复。"))
    reply = suggestion.public_reply
    if reply is None or suggestion.status != Status.ANSWERED:
        raise Conflict(_("答复发布后才能评价。"))
    if reply.feedback is not None:
        raise Conflict(_("您已经评价过这条答复，每条答复只能评价一次。"))
    calendar = work_calendar(session)
    reply.feedback, reply.feedback_at = rating.value, utcnow()
    suggestion.feedback = rating.value
    reopens = rating == Satisfaction.DISSATISFIED and not suggestion.reopened
    if reopens:
        today = today or beijing_today()
        suggestion.status = Status.REVIEWING.value
        suggestion.reopened = True
        suggestion.due_on = calendar.add_working_days(
            today, DEADLINE_WORKING_DAYS[Urgency(suggestion.urgency)]
        )
    session.flush()
    audit.record(
        session,
        "citizen",
        "suggestion.feedback",
        f"suggestion:{suggestion.id}",
        rating=rating.value,
        reopened=reopens,
    )


def previous_campaign_suggestions(session: Session, department: Department) -> list[Suggestion]:
    """What this department led in last year's campaign, for its report's section on them."""
    previous = session.execute(
        select(Department)
        .join(Campaign, Campaign.id == Department.campaign_id)
        .where(Campaign.year == department.campaign.year - 1, Department.code == department.code)
    ).scalar()
    if previous is None:
        return []
    return list(
        session.execute(
            select(Suggestion)
            .where(
                Suggestion.lead_unit_id == previous.id,
                Suggestion.status.not_in([Status.MERGED.value, Status.REJECTED.value]),
            )
            .order_by(Suggestion.id)
        ).scalars()
    )


# ---------------------------------------------------------------- settings


def add_category(session: Session, campaign: Campaign, name: str, actor: str) -> None:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise Refused(_("类别名称应为 1 到 50 个字。"))
    exists = session.execute(
        select(SuggestionCategory).where(
            SuggestionCategory.campaign_id == campaign.id, SuggestionCategory.name == name
        )
    ).scalar()
    if exists:
        raise Conflict(_("该类别已经存在。"))
    position = len(categories_of(session, campaign)) + 1
    session.add(SuggestionCategory(campaign_id=campaign.id, name=name, position=position))
    session.flush()
    audit.record(session, actor, "suggestion.category_add", name)


def categories_of(session: Session, campaign: Campaign) -> list[SuggestionCategory]:
    return list(
        session.execute(
            select(SuggestionCategory)
            .where(SuggestionCategory.campaign_id == campaign.id)
            .order_by(SuggestionCategory.position, SuggestionCategory.id)
        ).scalars()
    )


def add_rule(
    session: Session,
    campaign: Campaign,
    category_id: int | None,
    keywords: str,
    unit_id: int,
    actor: str,
) -> None:
    category = _campaign_category(session, campaign, category_id)
    unit = _campaign_unit(session, campaign, unit_id)
    keywords = " ".join((keywords or "").replace("，", " ").replace(",", " ").split())
    if unit is None:
        raise Refused(_("请选择承办单位。"))
    if category is None and not keywords:
        raise Refused(_("规则至少要有类别或关键词之一。"))
    session.add(
        RoutingRule(campaign_id=campaign.id, category=category, keywords=keywords, unit=unit)
    )
    session.flush()
    audit.record(session, actor, "suggestion.rule_add", unit.code, keywords=keywords)


def remove_rule(session: Session, campaign: Campaign, rule_id: int, actor: str) -> None:
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.campaign_id != campaign.id:
        raise NotFound(_("找不到该规则。"))
    session.delete(rule)
    session.flush()
    audit.record(session, actor, "suggestion.rule_remove", str(rule_id))


def add_day_off(session: Session, day: dt.date, reason: str, actor: str) -> None:
    if session.get(LocalDayOff, day) is not None:
        raise Conflict(_("这一天已经是本地休息日。"))
    session.add(LocalDayOff(day=day, reason=(reason or "").strip()[:100]))
    session.flush()
    audit.record(session, actor, "suggestion.day_off_add", day.isoformat(), reason=reason)


def remove_day_off(session: Session, day: dt.date, actor: str) -> None:
    found = session.get(LocalDayOff, day)
    if found is None:
        raise NotFound(_("找不到该休息日。"))
    session.delete(found)
    session.flush()
    audit.record(session, actor, "suggestion.day_off_remove", day.isoformat())


def calendar_warning(today: dt.date | None = None) -> list[int]:
    """Years around now for which only weekends are counted (the package does not know them)."""
    today = today or beijing_today()
    return WorkCalendar.unknown_years(today, today + dt.timedelta(days=60))
