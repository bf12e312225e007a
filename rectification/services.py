"""The rules of a rectification task (整改): created by the office or supervision, planned by
its department and approved by the office, reported on milestone by milestone, checked by
supervision within 10 working days of the completion report, closed off (销号) only after a
passed check, and looked back at (回头看) later, which can reopen it. Every step audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from evaluation.campaign.models import Campaign, Department
from evaluation.core import audit
from evaluation.core.clock import utcnow
from evaluation.core.errors import Conflict, Forbidden, NotFound, Refused
from evaluation.core.files import store
from evaluation.core.models import AuditEvent
from rectification.models import (
    CHECK_WORKING_DAYS,
    CheckKind,
    Evidence,
    Milestone,
    ProgressReport,
    RectificationTask,
    SupervisionCheck,
    TaskSource,
    TaskState,
)
from suggestions.board import WarningLevel
from suggestions.workdays import WorkCalendar

TEXT_MIN, TEXT_MAX = 10, 2000
NAME_MAX = 50
REASON_MIN = 4
MAX_MILESTONES = 12
BLUE_WORKING_DAYS = 2  # a milestone due this soon is shown blue, as a suggestion's deadline is


@dataclass(frozen=True)
class TaskInput:
    department_id: int
    official: str
    leader: str
    source: TaskSource
    problem: str
    commitment: str
    co_units: str = ""
    source_note: str = ""
    listed: bool = True


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_on: dt.date
    weight: int = 1


def checked_text(value: str, field: str, minimum: int = TEXT_MIN, maximum: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not minimum <= len(value) <= maximum:
        raise Refused(_("请填写 %(a)s–%(b)s 个字。", a=minimum, b=maximum), field=field)
    return value


def get_task(session: Session, campaign: Campaign, task_id: int) -> RectificationTask:
    task = session.get(RectificationTask, task_id)
    if task is None or task.campaign_id != campaign.id:
        raise NotFound(_("找不到该整改任务。"))
    return task


def tasks_of(
    session: Session,
    campaign: Campaign,
    department: Department | None = None,
    listed_only: bool = False,
) -> list[RectificationTask]:
    query = select(RectificationTask).where(RectificationTask.campaign_id == campaign.id)
    if department is not None:
        query = query.where(RectificationTask.department_id == department.id)
    if listed_only:
        query = query.where(RectificationTask.listed.is_(True))
    # One query per collection for the whole list, not per task (the board shows them all).
    query = query.options(
        selectinload(RectificationTask.department),
        selectinload(RectificationTask.milestones),
        selectinload(RectificationTask.reports),
        selectinload(RectificationTask.checks),
    )
    return list(
        session.execute(
            query.order_by(RectificationTask.department_id, RectificationTask.id)
        ).scalars()
    )


def _record(session: Session, actor: str, action: str, task: RectificationTask, **detail) -> None:
    session.flush()
    audit.record(session, actor, action, f"task:{task.id}", **detail)


def create_task(
    session: Session, campaign: Campaign, values: TaskInput, actor: str
) -> RectificationTask:
    department = session.get(Department, values.department_id)
    if department is None or department.campaign_id != campaign.id:
        raise Refused(_("所选部门不存在。"), field="department_id")
    task = RectificationTask(
        campaign_id=campaign.id,
        department=department,
        co_units=values.co_units.strip()[:300],
        official=checked_text(values.official, "official", 2, NAME_MAX),
        leader=checked_text(values.leader, "leader", 2, NAME_MAX),
        source=values.source,
        source_note=values.source_note.strip()[:200],
        problem=checked_text(values.problem, "problem"),
        commitment=checked_text(values.commitment, "commitment"),
        listed=values.listed,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(task)
    _record(
        session,
        actor,
        "rectification.create",
        task,
        department=department.code,
        source=values.source.value,
        listed=values.listed,
    )
    return task


def _require(task: RectificationTask, *states: TaskState) -> None:
    if task.state not in states:
        raise Conflict(_("整改任务当前的状态不能进行这一步。"))


def _require_lead(task: RectificationTask, unit: Department | None) -> None:
    if unit is None or task.department_id != unit.id:
        raise Forbidden(_("只有牵头部门可以办理这项整改任务。"))


def _milestones(items: list[MilestoneInput], today: dt.date) -> list[MilestoneInput]:
    if not 1 <= len(items) <= MAX_MILESTONES:
        raise Refused(_("整改方案须有 1–%(n)s 个时间节点。", n=MAX_MILESTONES), field="milestones")
    for item in items:
        checked_text(item.title, "milestones", 2, 200)
        if not 1 <= item.weight <= 100:
            raise Refused(_("节点权重应为 1–100。"), field="milestones")
        if item.due_on <= today:
            raise Refused(_("节点日期应在今天之后。"), field="milestones")
    if any(b.due_on < a.due_on for a, b in zip(items, items[1:], strict=False)):
        raise Refused(_("节点应按日期先后排列。"), field="milestones")
    return items


def submit_plan(
    session: Session,
    task: RectificationTask,
    unit: Department | None,
    plan: str,
    items: list[MilestoneInput],
    actor: str,
    today: dt.date,
) -> None:
    """The department's plan (整改方案) and its dated, weighted milestones, for approval."""
    _require_lead(task, unit)
    _require(task, TaskState.PLAN_PENDING)
    plan = checked_text(plan, "plan")
    items = _milestones(items, today)
    task.plan = plan
    task.milestones = [
        Milestone(position=i, title=m.title.strip(), due_on=m.due_on, weight=m.weight)
        for i, m in enumerate(items, start=1)
    ]
    task.state = TaskState.PLAN_SUBMITTED
    _record(session, actor, "rectification.plan", task, milestones=len(items))


def approve_plan(session: Session, task: RectificationTask, actor: str) -> None:
    _require(task, TaskState.PLAN_SUBMITTED)
    task.state, task.plan_comment = TaskState.IN_PROGRESS, ""
    _record(session, actor, "rectification.approve", task)


def return_plan(session: Session, task: RectificationTask, comment: str, actor: str) -> None:
    _require(task, TaskState.PLAN_SUBMITTED)
    task.plan_comment = checked_text(comment, "comment", REASON_MIN, TEXT_MAX)
    task.state = TaskState.PLAN_PENDING
    _record(session, actor, "rectification.return", task, comment=task.plan_comment)


def report_progress(
    session: Session,
    task: RectificationTask,
    unit: Department | None,
    milestone_id: int,
    progress: int,
    text: str,
    delay_reason: str,
    actor: str,
    today: dt.date,
    evidence: tuple[str | None, bytes, Path] | None = None,
) -> ProgressReport:
    """A milestone's progress (monthly at least); a late milestone needs a written reason.
    `evidence` is an uploaded file (its name, its bytes, the storage folder), if any."""
    _require_lead(task, unit)
    _require(task, TaskState.IN_PROGRESS)
    milestone = next((m for m in task.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise Refused(_("请选择本任务的一个节点。"), field="milestone_id")
    if not 0 <= progress <= 100:
        raise Refused(_("进度应为 0–100。"), field="progress")
    if progress < milestone.progress:
        raise Refused(_("进度不能低于上次报告的 %(p)s%%。", p=milestone.progress), field="progress")
    delay_reason = (delay_reason or "").strip()
    late = milestone.due_on < today and progress < 100
    if late and len(delay_reason) < REASON_MIN:
        raise Refused(_("这个节点已经逾期，请书面说明原因。"), field="delay_reason")
    report = ProgressReport(
        milestone=milestone,
        reported_on=today,
        progress=progress,
        text=checked_text(text, "text", REASON_MIN),
        delay_reason=delay_reason[:TEXT_MAX],
        reported_by=actor,
    )
    if evidence is not None:
        filename, data, folder = evidence
        kept = Evidence()
        kept.keep(store(data, folder), filename)
        report.evidence.append(kept)
    task.reports.append(report)
    milestone.progress = progress
    milestone.done_on = today if progress == 100 else None
    _record(
        session,
        actor,
        "rectification.progress",
        task,
        milestone=milestone.position,
        progress=progress,
        late=late,
    )
    return report


def report_completion(
    session: Session,
    task: RectificationTask,
    unit: Department | None,
    evidence: str,
    actor: str,
    today: dt.date,
    calendar: WorkCalendar,
) -> SupervisionCheck:
    """Every milestone done: the department reports completion with its evidence, and
    supervision's check falls due within 10 working days."""
    _require_lead(task, unit)
    _require(task, TaskState.IN_PROGRESS)
    if any(m.progress < 100 for m in task.milestones):
        raise Conflict(_("还有节点没有完成，不能报告整改完成。"))
    task.evidence = checked_text(evidence, "evidence")
    task.state = TaskState.REPORTED
    check = SupervisionCheck(
        opened_on=today, due_on=calendar.add_working_days(today, CHECK_WORKING_DAYS)
    )
    task.checks.append(check)
    _record(session, actor, "rectification.complete", task, check_due=check.due_on.isoformat())
    return check


def open_check(task: RectificationTask) -> SupervisionCheck | None:
    return next((c for c in task.checks if c.passed is None), None)


def record_check(
    session: Session,
    task: RectificationTask,
    kind: CheckKind,
    finding: str,
    passed: bool,
    actor: str,
    today: dt.date,
    again: MilestoneInput | None = None,
) -> None:
    """Supervision's finding. A completion check that passes closes the task off (销号); one
    that fails, or a look back that fails, sends it back with a new milestone."""
    check = open_check(task)
    if check is None:
        raise Conflict(_("这项整改任务没有待核查的事项。"))
    looking_back = check.kind == CheckKind.LOOK_BACK
    if looking_back != (kind == CheckKind.LOOK_BACK):
        raise Refused(_("核查方式与待核查的事项不符。"), field="kind")
    finding = checked_text(finding, "finding", REASON_MIN)
    if not passed and again is None:
        raise Refused(_("核查未通过时，请给出新的整改节点和日期。"), field="again_title")
    if not passed:
        (item,) = _milestones([again], today)
    check.kind, check.finding = kind, finding
    check.passed, check.checked_by, check.checked_on = passed, actor, today
    if passed and not looking_back:
        task.state, task.closed_on = TaskState.CLOSED, today
    elif not passed:
        task.milestones.append(
            Milestone(
                position=len(task.milestones) + 1,
                title=item.title.strip(),
                due_on=item.due_on,
                weight=item.weight,
            )
        )
        task.state, task.closed_on = TaskState.IN_PROGRESS, None
    _record(
        session,
        actor,
        "rectification.check",
        task,
        kind=kind.value,
        passed=passed,
        reopened=looking_back and not passed,
    )


def schedule_look_back(
    session: Session, task: RectificationTask, due_on: dt.date, actor: str, today: dt.date
) -> SupervisionCheck:
    """A later look (回头看) at a closed task, due by `due_on`."""
    _require(task, TaskState.CLOSED)
    if open_check(task) is not None:
        raise Conflict(_("已经安排了回头看。"))
    if due_on <= today:
        raise Refused(_("回头看的日期应在今天之后。"), field="due_on")
    check = SupervisionCheck(kind=CheckKind.LOOK_BACK, opened_on=today, due_on=due_on)
    task.checks.append(check)
    _record(session, actor, "rectification.look_back", task, due=due_on.isoformat())
    return check


def history(session: Session, task: RectificationTask) -> list[tuple[dt.datetime, str]]:
    """Every step of the task as the audit log holds it: when, and which step (never who or
    the details: a returned plan's comment or a check's finding stay in the office)."""
    return [
        (at, action)
        for at, action in session.execute(
            select(AuditEvent.at, AuditEvent.action)
            .where(AuditEvent.subject == f"task:{task.id}")
            .order_by(AuditEvent.id)
        )
    ]


@dataclass(frozen=True)
class Standing:
    """Where a task stands today: its warning, its next milestone, its check's deadline and
    whether this month's progress report is missing."""

    warning: WarningLevel | None
    next_milestone: Milestone | None
    check_due: dt.date | None
    check_late: bool
    report_missing: bool


def standing(
    task: RectificationTask, today: dt.date, calendar: WorkCalendar, report_day: int
) -> Standing:
    upcoming = next((m for m in task.milestones if m.progress < 100), None)
    warning = None
    if task.state == TaskState.IN_PROGRESS and upcoming is not None:
        if upcoming.due_on < today:
            warning = WarningLevel.RED
        elif upcoming.due_on == today:
            warning = WarningLevel.YELLOW
        elif upcoming.due_on <= calendar.add_working_days(today, BLUE_WORKING_DAYS):
            warning = WarningLevel.BLUE
    check = open_check(task)
    first = today.replace(day=1)
    missing = (
        task.state == TaskState.IN_PROGRESS
        and today.day > report_day
        and not any(r.reported_on >= first for r in task.reports)
    )
    return Standing(
        warning=warning,
        next_milestone=upcoming if task.state == TaskState.IN_PROGRESS else None,
        check_due=check.due_on if check else None,
        check_late=check is not None and check.due_on < today,
        report_missing=missing,
    )
