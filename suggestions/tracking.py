"""The citizen's side of handling: following a suggestion with its tracking code and rating
the reply once (不满意 says why and reopens the item once for 回访复核)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.core import audit
from evaluation.core.clock import beijing_today, utcnow
from evaluation.core.errors import Conflict, NotFound, Refused
from suggestions.handling import REASON_MAX_CHARS
from suggestions.models import DEADLINE_WORKING_DAYS, Satisfaction, Status, Suggestion, Urgency
from suggestions.routing import work_calendar
from suggestions.services import TRACKING_LENGTH, normalise_phone


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
    session: Session,
    suggestion: Suggestion,
    rating: Satisfaction,
    today: dt.date | None = None,
    reason: str = "",
) -> None:
    """The citizen rates the public reply once; 不满意 says why, and reopens the item once for
    回访复核 (the unit reads the reason)."""
    reason = (reason or "").strip()
    if rating == Satisfaction.DISSATISFIED and not reason:
        raise Refused(_("请说明不满意的原因，承办单位会据此再次办理。"), field="reason")
    if len(reason) > REASON_MAX_CHARS:
        raise Refused(_("原因最多 %(n)s 字。", n=REASON_MAX_CHARS), field="reason")
    if suggestion.status == Status.MERGED:
        raise Conflict(_("这条意见建议已与其他意见合并办理，请查看合并后的答复。"))
    reply = suggestion.public_reply
    if reply is None or suggestion.status != Status.ANSWERED:
        raise Conflict(_("答复发布后才能评价。"))
    if reply.feedback is not None:
        raise Conflict(_("您已经评价过这条答复，每条答复只能评价一次。"))
    calendar = work_calendar(session)
    reply.feedback, reply.feedback_at = rating.value, utcnow()
    reply.feedback_reason = reason if rating == Satisfaction.DISSATISFIED else None
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
