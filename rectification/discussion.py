"""The discussion meeting (恳谈会): the office invites departments, experts and representatives
(from the year's roster, by invitation code), sets the agenda, records the minutes and the
follow-ups; each follow-up is offered as a draft rectification task (`sources.drafts`)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department, Group, Meeting
from evaluation.core import audit
from evaluation.core.clock import utcnow
from evaluation.core.errors import NotFound, Refused
from rectification.models import (
    DiscussionInvitee,
    DiscussionMeeting,
    FollowUp,
    InviteeKind,
    RectificationTask,
)
from rectification.services import TEXT_MAX, checked_text
from representatives.models import Representative

TITLE_MAX = 200


def meetings_of(session: Session, campaign: Campaign) -> list[DiscussionMeeting]:
    return list(
        session.execute(
            select(DiscussionMeeting)
            .where(DiscussionMeeting.campaign_id == campaign.id)
            .order_by(DiscussionMeeting.held_on.desc(), DiscussionMeeting.id.desc())
        ).scalars()
    )


def get_meeting(session: Session, campaign: Campaign, meeting_id: int) -> DiscussionMeeting:
    meeting = session.get(DiscussionMeeting, meeting_id)
    if meeting is None or meeting.campaign_id != campaign.id:
        raise NotFound(_("找不到该恳谈会。"))
    return meeting


def create_meeting(
    session: Session,
    campaign: Campaign,
    title: str,
    held_on: dt.date,
    place: str,
    agenda: str,
    actor: str,
) -> DiscussionMeeting:
    meeting = DiscussionMeeting(
        campaign_id=campaign.id,
        title=checked_text(title, "title", 4, TITLE_MAX),
        held_on=held_on,
        place=checked_text(place, "place", 2, TITLE_MAX),
        agenda=checked_text(agenda, "agenda", 4, TEXT_MAX),
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "discussion.create", f"discussion:{meeting.id}")
    return meeting


def _unit(session: Session, meeting: DiscussionMeeting, department_id: int | None) -> Department:
    unit = session.get(Department, department_id) if department_id else None
    if unit is None or unit.campaign_id != meeting.campaign_id:
        raise Refused(_("请选择一个部门。"), field="department_id")
    return unit


def _roster_person(session: Session, meeting: DiscussionMeeting, code: str) -> Representative:
    """A representative invited this year, found by the code on their invitation letter."""
    person = session.execute(
        select(Representative)
        .join(Meeting, Meeting.id == Representative.meeting_id)
        .join(Group, Group.id == Meeting.group_id)
        .where(
            Group.campaign_id == meeting.campaign_id,
            Representative.invitation_code == code.strip().upper(),
        )
    ).scalar()
    if person is None:
        raise Refused(_("本年度代表名单中没有这个邀请码。"), field="code")
    return person


def add_invitee(
    session: Session,
    meeting: DiscussionMeeting,
    kind: InviteeKind,
    department_id: int | None,
    name: str,
    code: str,
    note: str,
    actor: str,
) -> DiscussionInvitee:
    invitee = DiscussionInvitee(kind=kind.value, note=(note or "").strip()[:100])
    if kind == InviteeKind.DEPARTMENT:
        unit = _unit(session, meeting, department_id)
        invitee.department, invitee.name = unit, unit.name
    elif kind == InviteeKind.REPRESENTATIVE:
        person = _roster_person(session, meeting, code or "")
        invitee.name, invitee.note = person.name, invitee.note or person.category
    else:
        invitee.name = checked_text(name, "name", 2, 100)
    meeting.invitees.append(invitee)
    session.flush()
    audit.record(session, actor, "discussion.invite", f"discussion:{meeting.id}", kind=kind.value)
    return invitee


def record_minutes(session: Session, meeting: DiscussionMeeting, minutes: str, actor: str) -> None:
    meeting.minutes = checked_text(minutes, "minutes", 10, TEXT_MAX)
    meeting.minutes_by, meeting.minutes_at = actor, utcnow()
    session.flush()
    audit.record(session, actor, "discussion.minutes", f"discussion:{meeting.id}")


def add_follow_up(
    session: Session,
    meeting: DiscussionMeeting,
    department_id: int | None,
    text: str,
    raised_by: str,
    actor: str,
) -> FollowUp:
    follow_up = FollowUp(
        department=_unit(session, meeting, department_id),
        text=checked_text(text, "text", 10, TEXT_MAX),
        raised_by=(raised_by or "").strip()[:100],
        created_at=utcnow(),
    )
    meeting.follow_ups.append(follow_up)
    session.flush()
    audit.record(
        session,
        actor,
        "discussion.follow_up",
        f"discussion:{meeting.id}",
        unit=follow_up.department.code,
    )
    return follow_up


def tasks_from(session: Session, meeting: DiscussionMeeting) -> dict[int, RectificationTask]:
    """Follow-up id → the task opened from it, where one was."""
    notes = {f.source_note: f.id for f in meeting.follow_ups}
    tasks = session.execute(
        select(RectificationTask).where(RectificationTask.source_note.in_(notes))
    ).scalars()
    return {notes[t.source_note]: t for t in tasks}
