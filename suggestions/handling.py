"""Handling a suggestion: triage (assign, merge, reject), replies and their review, requests
for more time or another unit, tracking and the citizen's rating."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department
from evaluation.core import audit
from evaluation.core.clock import beijing_today, utcnow
from evaluation.core.errors import Conflict, Forbidden, NotFound, Refused
from suggestions.models import (
    DEADLINE_WORKING_DAYS,
    OPEN_STATUSES,
    REPLY_MAX_CHARS,
    TEXT_MIN_CHARS,
    HandlingRequest,
    RejectReason,
    ReplyCategory,
    ReplyState,
    RequestKind,
    RequestState,
    Status,
    Suggestion,
    SuggestionReply,
    Urgency,
)
from suggestions.routing import campaign_unit, work_calendar
from suggestions.services import clean_text

MAX_EXTENSION_DAYS = 10


REASON_MAX_CHARS = 1000


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
    lead = campaign_unit(session, suggestion.campaign, lead_unit_id)
    if lead is None:
        raise Refused(_("请选择主办单位。"), field="lead_unit")
    co_units = [campaign_unit(session, suggestion.campaign, i) for i in co_unit_ids]
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


def check_merge(duplicate: Suggestion, survivor: Suggestion) -> None:
    """Whether `duplicate` may be merged into `survivor`; refused with the reason if not."""
    if duplicate.id == survivor.id:
        raise Refused(_("不能与自身合并。"), field="survivor")
    if survivor.campaign_id != duplicate.campaign_id:
        raise NotFound(_("找不到该意见建议。"))
    if survivor.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(_("不能合并到已合并或不予受理的意见建议。"))
    if duplicate.status not in (Status.RECEIVED, Status.ASSIGNED) or duplicate.public_reply:
        raise Conflict(_("已答复、已合并或不予受理的意见建议不能再合并。"))


def merge(session: Session, duplicate: Suggestion, survivor: Suggestion, actor: str) -> None:
    """A duplicate follows its survivor's status from now on (and so do its own duplicates)."""
    check_merge(duplicate, survivor)
    for follower in session.execute(
        select(Suggestion).where(Suggestion.merged_into_id == duplicate.id)
    ).scalars():
        follower.merged_into = survivor
    duplicate.status = Status.MERGED.value
    duplicate.merged_into = survivor
    duplicate.replies.clear()
    session.flush()
    audit.record(session, actor, "suggestion.merge", f"suggestion:{duplicate.id}", into=survivor.id)


def check_reject(suggestion: Suggestion, reason: RejectReason, note: str) -> str:
    """Whether the suggestion may be rejected for this reason; the note as it will be kept."""
    if suggestion.status != Status.RECEIVED:
        raise Conflict(_("只有待分办的意见建议可以不予受理。"))
    note = (note or "").strip()
    if reason == RejectReason.OTHER and not note:
        raise Refused(_("请写明不予受理的理由。"), field="note")
    return note


def reject(
    session: Session, suggestion: Suggestion, reason: RejectReason, note: str, actor: str
) -> None:
    """Not taken up (spam, out of scope…): kept and counted, never shown on the board."""
    note = check_reject(suggestion, reason, note)
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


def check_unit_access(suggestion: Suggestion, unit: Department) -> None:
    """A unit sees the items it leads or co-handles, nothing else."""
    if suggestion.lead_unit_id != unit.id and unit not in suggestion.co_units:
        raise Forbidden(_("这条意见建议不是交给您单位办理的。"))


def check_lead(suggestion: Suggestion, unit: Department) -> None:
    check_unit_access(suggestion, unit)
    if suggestion.lead_unit_id != unit.id:
        raise Forbidden(_("只有主办单位可以答复或提出申请，协办单位请与主办单位联系。"))
    if suggestion.status not in OPEN_STATUSES:
        raise Conflict(_("这条意见建议当前不在办理中。"))


def reveal_contact(
    session: Session, suggestion: Suggestion, unit: Department, actor: str
) -> tuple[str, str]:
    """先沟通后答复: the lead unit may call a real-name author before replying. It sees the
    name and phone on request, each time recorded in the audit log; never otherwise."""
    check_lead(suggestion, unit)
    if not (suggestion.author_name and suggestion.author_phone):
        raise Conflict(_("提出人没有留下姓名和联系电话，请直接书面答复。"))
    audit.record(session, actor, "suggestion.contact", f"suggestion:{suggestion.id}")
    return suggestion.author_name, suggestion.author_phone


def save_reply(
    session: Session,
    suggestion: Suggestion,
    unit: Department,
    text: str,
    submit: bool,
    actor: str,
    category: ReplyCategory | None = None,
    reason: str = "",
) -> SuggestionReply:
    """The lead unit drafts its answer and, when ready, submits it to the office. A submitted
    answer says what the unit does with the suggestion (`category`); 不予采纳 says why."""
    check_lead(suggestion, unit)
    text = clean_text(text, TEXT_MIN_CHARS, REPLY_MAX_CHARS)
    reason = (reason or "").strip()
    if submit and category is None:
        raise Refused(_("请选择答复类别（采纳、列入计划、留作参考或不予采纳）。"), field="category")
    if category == ReplyCategory.DECLINED and not reason:
        raise Refused(_("不予采纳时请写明理由。"), field="reason")
    if len(reason) > REASON_MAX_CHARS:
        raise Refused(_("理由最多 %(n)s 字。", n=REASON_MAX_CHARS), field="reason")
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
    reply.category = category
    reply.decline_reason = reason if category == ReplyCategory.DECLINED else None
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
    check_lead(suggestion, unit)
    reason = clean_text(reason, 4, REASON_MAX_CHARS, field="reason")
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
        proposed = campaign_unit(session, suggestion.campaign, proposed_unit_id)
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
