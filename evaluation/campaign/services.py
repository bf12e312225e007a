"""The campaign's rules: phases, groups, departments and their order, venues, meetings, users."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import (
    Campaign,
    Department,
    EvaluationMode,
    Group,
    Meeting,
    Phase,
    Venue,
    VenueKind,
)
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused

# ---------------------------------------------------------------- campaign and phases


def current_campaign(session: Session) -> Campaign | None:
    """The campaign the platform is running: the one of the latest year."""
    return session.execute(select(Campaign).order_by(Campaign.year.desc()).limit(1)).scalar()


def require_campaign(session: Session) -> Campaign:
    campaign = current_campaign(session)
    if campaign is None:
        raise NotFound(_("尚未创建活动，请先由管理员创建本年度活动。"))
    return campaign


def require_phase(campaign: Campaign, *phases: Phase) -> None:
    """Refuse an action that the campaign's current phase does not allow."""
    if campaign.current_phase not in phases:
        raise Conflict(_("当前阶段不允许此操作。"))


def require_count_open(campaign: Campaign) -> None:
    """Refuse what would add to the count once the statistics bureau has signed it."""
    if campaign.tally_signed_at is not None:
        raise Conflict(_("计票结果已签发，本次活动不能再增加投票箱、会场、会议、评议卡或选票。"))


def _check_phase_dates(values: dict[str, Any]) -> None:
    dates = [
        values.get(k)
        for k in ("preparation_starts", "reporting_starts", "handling_starts", "closes_on")
    ]
    known = [d for d in dates if d is not None]
    if known != sorted(known):
        raise Refused(_("各阶段日期应按先后顺序填写。"))


def save_campaign(
    session: Session, actor: str, values: dict[str, Any], campaign: Campaign | None = None
) -> Campaign:
    """Create a campaign or change its settings (year, title, phase dates, slot length)."""
    _check_phase_dates(values)
    other = session.execute(select(Campaign).where(Campaign.year == values["year"])).scalar()
    if other is not None and other is not campaign:
        raise Conflict(_("该年度的活动已经存在。"))
    created = campaign is None
    if campaign is None:
        campaign = Campaign(phase=Phase.PREPARATION.value)
        session.add(campaign)
    for key in (
        "year",
        "title",
        "preparation_starts",
        "reporting_starts",
        "handling_starts",
        "closes_on",
        "slot_minutes",
        "progress_report_day",
        "appeal_working_days",
    ):
        setattr(campaign, key, values[key])
    session.flush()
    audit.record(
        session,
        actor,
        "campaign.create" if created else "campaign.update",
        f"campaign:{campaign.year}",
        **jsonable(values),
    )
    return campaign


def move_phase(
    session: Session, campaign: Campaign, target: Phase, actor: str, reason: str | None = None
) -> None:
    """Move the campaign one phase forward, or back to an earlier phase with a reason (reopen)."""
    current = campaign.current_phase
    if target == current:
        raise Conflict(_("活动已处于该阶段。"), field="target")
    if target.index > current.index:
        if target.index != current.index + 1:
            raise Conflict(_("阶段只能逐一向前推进，不能跳过。"), field="target")
        action = "campaign.phase"
    else:
        if not (reason and reason.strip()):
            raise Refused(_("退回到之前的阶段必须填写原因。"), field="reason")
        action = "campaign.reopen"
    campaign.phase = target.value
    audit.record(
        session,
        actor,
        action,
        f"campaign:{campaign.year}",
        **{"from": current.value, "to": target.value, "reason": (reason or "").strip()},
    )


# ---------------------------------------------------------------- groups


def save_group(
    session: Session,
    campaign: Campaign,
    actor: str,
    number: int,
    name: str,
    group: Group | None = None,
) -> Group:
    clash = session.execute(
        select(Group).where(Group.campaign_id == campaign.id, Group.number == number)
    ).scalar()
    if clash is not None and clash is not group:
        raise Conflict(_("第 %(n)s 组已经存在。", n=number))
    created = group is None
    if group is None:
        group = Group(campaign=campaign)
        session.add(group)
    group.number, group.name = number, name.strip()
    session.flush()
    audit.record(
        session,
        actor,
        "group.create" if created else "group.update",
        f"group:{group.number}",
        name=group.name,
    )
    return group


def get_in_campaign(session: Session, model: type, campaign: Campaign, obj_id: int) -> Any:
    """Load a row that must belong to the campaign (a group, department or venue)."""
    obj = session.get(model, obj_id)
    if obj is None or obj.campaign_id != campaign.id:
        raise NotFound(_("找不到该记录。"))
    return obj


# ---------------------------------------------------------------- departments


def _renumber(group: Group, ordered: list[Department]) -> None:
    for position, department in enumerate(ordered, start=1):
        department.order_in_group = position


def place_department(
    department: Department, group: Group | None, position: int | None = None
) -> None:
    """Put a department at a position of a group (or none), renumbering both groups 1..n."""
    old_group = department.group
    if old_group is not None:
        rest = [d for d in old_group.departments if d is not department]
        _renumber(old_group, sorted(rest, key=lambda d: d.order_in_group or 0))
    if group is None:
        department.group = None
        department.order_in_group = None
        return
    members = [d for d in group.departments if d is not department]
    members.sort(key=lambda d: d.order_in_group or 0)
    index = len(members) if position is None else max(0, min(position - 1, len(members)))
    members.insert(index, department)
    department.group = group
    _renumber(group, members)


def save_department(
    session: Session,
    campaign: Campaign,
    actor: str,
    values: dict[str, Any],
    department: Department | None = None,
) -> Department:
    """Create or edit a department; a public one is placed in its group's reporting order."""
    code = values["code"].strip()
    clash = session.execute(
        select(Department).where(Department.campaign_id == campaign.id, Department.code == code)
    ).scalar()
    if clash is not None and clash is not department:
        raise Conflict(_("部门代码 %(code)s 已被使用。", code=code))
    mode = EvaluationMode(values["evaluation_mode"])
    group = None
    if mode == EvaluationMode.PUBLIC:
        if not values.get("group_id"):
            raise Refused(_("公开述职评议的部门必须选择述职组。"))
        group = get_in_campaign(session, Group, campaign, values["group_id"])
    created = department is None
    # The row is only valid once it has its place in the group: no flush until then.
    with session.no_autoflush:
        if department is None:
            department = Department(campaign=campaign)
            session.add(department)
        department.code = code
        department.name = values["name"].strip()
        department.short_name = values["short_name"].strip()
        department.evaluation_mode = mode.value
        department.duties = values.get("duties") or ""
        department.annual_goals = values.get("annual_goals") or ""
        position = values.get("order_in_group")
        if created or group is not department.group or position:
            place_department(department, group, position)
    session.flush()
    audit.record(
        session,
        actor,
        "department.create" if created else "department.update",
        f"department:{department.code}",
        name=department.name,
        mode=mode.value,
        group=group.number if group else None,
        order=department.order_in_group,
    )
    return department


def shift_department(session: Session, department: Department, step: int, actor: str) -> None:
    """Move a department one place earlier (-1) or later (+1) in its group's reporting order."""
    if department.group is None or step not in (-1, 1):
        raise Refused(_("该部门不在任何述职组中。"))
    target = (department.order_in_group or 1) + step
    if not 1 <= target <= len(department.group.departments):
        raise Refused(_("已经是第一个或最后一个，无法再移动。"))
    place_department(department, department.group, target)
    session.flush()
    audit.record(
        session,
        actor,
        "department.reorder",
        f"department:{department.code}",
        group=department.group.number,
        order=target,
    )


# ---------------------------------------------------------------- venues and meetings


def save_venue(
    session: Session,
    campaign: Campaign,
    actor: str,
    values: dict[str, Any],
    venue: Venue | None = None,
) -> Venue:
    require_count_open(campaign)
    name = values["name"].strip()
    clash = session.execute(
        select(Venue).where(Venue.campaign_id == campaign.id, Venue.name == name)
    ).scalar()
    if clash is not None and clash is not venue:
        raise Conflict(_("会场 %(name)s 已经存在。", name=name))
    kind = VenueKind(values["kind"])
    if kind == VenueKind.MAIN:
        main = session.execute(
            select(Venue).where(Venue.campaign_id == campaign.id, Venue.kind == kind.value)
        ).scalar()
        if main is not None and main is not venue:
            raise Conflict(_("每次活动只能有一个市级主会场。"))
    created = venue is None
    if venue is None:
        venue = Venue(campaign=campaign)
        session.add(venue)
    venue.kind = kind.value
    venue.name = name
    venue.district = (values.get("district") or "").strip()
    venue.address = (values.get("address") or "").strip()
    venue.capacity = values["capacity"]
    session.flush()
    audit.record(
        session,
        actor,
        "venue.create" if created else "venue.update",
        f"venue:{venue.name}",
        kind=kind.value,
        capacity=venue.capacity,
    )
    return venue


def save_meeting(
    session: Session,
    campaign: Campaign,
    actor: str,
    group_id: int,
    date: dt.date,
    starts_at: dt.time,
    meeting: Meeting | None = None,
    stream_url: str | None = None,
) -> Meeting:
    require_count_open(campaign)
    if stream_url and urlsplit(stream_url).scheme not in ("https", "http"):
        raise Refused(_("直播地址应以 https:// 或 http:// 开头。"), field="stream_url")
    if stream_url and not urlsplit(stream_url).netloc:
        raise Refused(_("直播地址缺少主机名。"), field="stream_url")
    group = get_in_campaign(session, Group, campaign, group_id)
    if group.meeting is not None and group.meeting is not meeting:
        raise Conflict(_("第 %(n)s 组已经安排了述职评议会。", n=group.number))
    created = meeting is None
    if meeting is None:
        meeting = Meeting()
        session.add(meeting)
    meeting.group, meeting.date, meeting.starts_at = group, date, starts_at
    meeting.stream_url = stream_url or None
    session.flush()
    audit.record(
        session,
        actor,
        "meeting.create" if created else "meeting.update",
        f"group:{group.number}",
        date=date.isoformat(),
        starts_at=starts_at.strftime("%H:%M"),
        stream_url=meeting.stream_url,
    )
    return meeting


def meetings_of(session: Session, campaign: Campaign) -> list[Meeting]:
    query = (
        select(Meeting)
        .join(Group)
        .where(Group.campaign_id == campaign.id)
        .order_by(Meeting.date, Meeting.starts_at)
    )
    return list(session.execute(query).scalars())


# ---------------------------------------------------------------- users


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date | dt.time) else v) for k, v in values.items()
    }
