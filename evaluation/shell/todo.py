"""What waits for each role (待办): the top of every back-office home page.

The shell is the one layer that sees every room, so it gathers here what each room holds for
a role: counts with a link to where the work is done, the most pressing first. Read only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.appeals import appeals_of
from analysis.models import AppealState, ResultRun, RunState
from assessment.models import PointsState
from assessment.services import runs_of
from ballots.boxes import box_name, boxes_of
from ballots.models import BallotBox, BoxMinutes, BoxState, MinutesKind, PaperEntry
from ballots.models import PaperEntryState as Entry
from evaluation.campaign.models import Campaign, Department, Venue
from evaluation.campaign.reports.models import ReportState, ReportVersion
from evaluation.campaign.reports.services import latest_version
from evaluation.campaign.services import meetings_of
from evaluation.core.clock import beijing_today
from evaluation.core.i18n import show_date
from evaluation.core.models import User
from rectification.board import with_standing
from rectification.models import TaskState
from rectification.services import tasks_of
from representatives.review import acceptance_of, invitees
from suggestions import board as boards
from suggestions import routing
from suggestions.board import WarningLevel
from suggestions.models import (
    HandlingRequest,
    ReplyState,
    RequestState,
    Status,
    Suggestion,
    SuggestionReply,
)
from suggestions.selection_models import Nominee, ReviewScore, Selection, SelectionState

# A district's list still unaccepted this close to its meeting holds up the invitations.
REVIEW_URGENT_DAYS = 7


@dataclass(frozen=True)
class Todo:
    text: str
    url: str
    count: int | None = None
    urgent: bool = False  # overdue, or holding others up


def _count(session: Session, statement: object) -> int:
    return session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()


def _run_waiting(session: Session, campaign: Campaign, state: RunState) -> ResultRun | None:
    return session.execute(
        select(ResultRun).where(ResultRun.campaign_id == campaign.id, ResultRun.state == state)
    ).scalar()


def department(session: Session, unit: Department) -> list[Todo]:
    todos = []
    latest = latest_version(session, unit)
    report = url_for("reports_office.edit")
    if latest is None:
        todos.append(Todo(_("年度报告尚未开始填写"), report))
    elif latest.state == ReportState.RETURNED:
        todos.append(Todo(_("年度报告被退回，请按审核意见修改后重新提交"), report, urgent=True))
    elif latest.state == ReportState.DRAFT:
        todos.append(Todo(_("年度报告草稿尚未提交审核"), report))
    levels: dict[WarningLevel | None, int] = {}
    for item, level in boards.unit_queue(session, unit, boards.warning_bounds(session)):
        if item.status in boards.OPEN_STATUSES and item.lead_unit_id == unit.id:
            levels[level] = levels.get(level, 0) + 1
    handling = url_for("suggestions_office.overview")
    for level, text, urgent in (
        (WarningLevel.RED, _("意见建议已超期未答复"), True),
        (WarningLevel.YELLOW, _("意见建议今天到期"), True),
        (WarningLevel.BLUE, _("意见建议两个工作日内到期"), False),
    ):
        if levels.get(level):
            todos.append(Todo(text, handling, levels[level], urgent))
    others = sum(n for level, n in levels.items() if level is None)
    if others:
        todos.append(Todo(_("主办中的其他意见建议"), handling, others))
    returned = _count(
        session,
        select(SuggestionReply.id).where(
            SuggestionReply.unit_id == unit.id, SuggestionReply.state == ReplyState.RETURNED
        ),
    )
    if returned:
        todos.append(Todo(_("答复被退回，待修改"), handling, returned, True))
    return todos + _own_tasks(session, unit)


def _own_tasks(session: Session, unit: Department) -> list[Todo]:
    """The department's rectification tasks that wait for it."""
    rows = with_standing(session, unit.campaign, beijing_today(), unit)
    mine = url_for("rectification_office.mine")
    counts = {
        (_("整改方案待报送"), False): sum(t.state == TaskState.PLAN_PENDING for t, _s in rows),
        (_("整改节点已逾期"), True): sum(s.warning == WarningLevel.RED for _t, s in rows),
        (_("整改节点两个工作日内到期"), False): sum(
            s.warning in (WarningLevel.YELLOW, WarningLevel.BLUE) for _t, s in rows
        ),
        (_("本月整改进展未报"), True): sum(s.report_missing for _t, s in rows),
    }
    return [Todo(text, mine, n, urgent) for (text, urgent), n in counts.items() if n]


def venue(session: Session, place: Venue, user: User) -> list[Todo]:
    todos = []
    for box in boxes_of(session, place.campaign, place.id):
        url = url_for("ballots_office.box", box_id=box.id)
        name = box_name(box)
        if box.current_state == BoxState.OPEN:
            todos.append(Todo(_("%(box)s：投票进行中，结束后关箱", box=name), url))
        waiting = _count(
            session,
            select(PaperEntry.id).where(
                PaperEntry.box_id == box.id,
                PaperEntry.state == Entry.PENDING,
                PaperEntry.first_by != user.id,
            ),
        )
        if waiting:
            paper = url_for("ballots_office.paper", box_id=box.id)
            todos.append(Todo(_("%(box)s：纸质票待第二人录入", box=name), paper, waiting, True))
        minutes = session.execute(
            select(BoxMinutes.kind).where(
                BoxMinutes.box_id == box.id, BoxMinutes.staff_confirmed_by.is_(None)
            )
        ).scalars()
        for kind in minutes:
            what = _("零票报告") if kind == MinutesKind.ZERO else _("封箱记录")
            todos.append(Todo(_("%(box)s：%(what)s待会场确认", box=name, what=what), url))
    return todos


def district(session: Session, place: Venue) -> list[Todo]:
    """Each meeting's drawn list of the organiser's venue that waits for acceptance."""
    todos = []
    review = url_for("representatives_office.review")
    for meeting in meetings_of(session, place.campaign):
        people = len(invitees(session, meeting.id, place.id))
        if people and acceptance_of(session, meeting.id, place.id) is None:
            todos.append(
                Todo(
                    _(
                        "第%(n)s组（%(day)s）代表名单待审核确认",
                        n=meeting.group.number,
                        day=show_date(meeting.date),
                    ),
                    review,
                    people,
                    urgent=meeting.date <= beijing_today() + dt.timedelta(days=REVIEW_URGENT_DAYS),
                )
            )
    return todos


def supervision(session: Session, campaign: Campaign) -> list[Todo]:
    rows = with_standing(session, campaign, beijing_today())
    todos = [
        Todo(
            _("整改任务 No.%(n)s：%(d)s前核查", n=t.id, d=show_date(s.check_due)),
            url_for("rectification_office.task", task_id=t.id),
            urgent=s.check_late,
        )
        for t, s in rows
        if s.check_due is not None
    ]
    for box in boxes_of(session, campaign):
        url = url_for("ballots_office.box", box_id=box.id)
        name = box_name(box)
        if box.current_state == BoxState.CLOSED:
            todos.append(Todo(_("%(box)s：已关箱，待核验封箱", box=name), url, urgent=True))
        conflicts = _count(
            session,
            select(PaperEntry.id).where(
                PaperEntry.box_id == box.id, PaperEntry.state == Entry.CONFLICT
            ),
        )
        if conflicts:
            check = url_for("ballots_office.paper_conflicts", box_id=box.id)
            todos.append(Todo(_("%(box)s：纸质票两次录入不一致", box=name), check, conflicts))
        if box.withdrawal_requested_by and box.current_state != BoxState.WITHDRAWN:
            todos.append(Todo(_("%(box)s：撤销申请待会签", box=name), url))
    unconfirmed = _count(
        session,
        select(BoxMinutes.box_id)
        .join(BallotBox, BallotBox.id == BoxMinutes.box_id)
        .where(BallotBox.campaign_id == campaign.id, BoxMinutes.supervision_confirmed_by.is_(None)),
    )
    if unconfirmed:
        todos.append(
            Todo(
                _("零票报告或封箱记录待监察局确认"), url_for("ballots_office.turnout"), unconfirmed
            )
        )
    signed = _run_waiting(session, campaign, RunState.SIGNED)
    if signed is not None:
        todos.append(
            Todo(
                _("评议结果已由统计局签发，待会签"),
                url_for("results_office.countersign_run", run_id=signed.id),
                urgent=True,
            )
        )
    todos += _appeals(session, campaign, AppealState.PROPOSED, _("申诉复核意见待确认"))
    return todos + _points(session, campaign, PointsState.SIGNED, _("考核得分已签发，待会签"))


def _appeals(session: Session, campaign: Campaign, state: AppealState, text: str) -> list[Todo]:
    """Appeals against the results waiting in `state` for this role, oldest first."""
    return [
        Todo(f"{text}：{a.department.short_name}", url_for("results_office.appeal", appeal_id=a.id))
        for a in appeals_of(session, campaign)
        if a.state == state
    ]


def _points(session: Session, campaign: Campaign, state: PointsState, text: str) -> list[Todo]:
    """The assessment points run waiting in `state` for this role, if any."""
    run = next((r for r in runs_of(session, campaign) if r.state == state), None)
    url = url_for("assessment_office.run", run_id=run.id) if run else ""
    return [Todo(text, url)] if run else []


def statistics(session: Session, campaign: Campaign) -> list[Todo]:
    todos = []
    results = url_for("results_office.overview")
    waiting = [
        b
        for b in boxes_of(session, campaign)
        if b.current_state in (BoxState.OPEN, BoxState.CLOSED)
    ]
    if waiting:
        todos.append(Todo(_("尚未封箱的投票箱"), results, len(waiting)))
    elif _count(session, select(ResultRun.id).where(ResultRun.campaign_id == campaign.id)) == 0:
        todos.append(Todo(_("投票箱已全部封箱，待计票"), results, urgent=True))
    draft = _run_waiting(session, campaign, RunState.DRAFT)
    if draft is not None:
        todos.append(
            Todo(
                _("计票结果待核对签发"),
                url_for("results_office.preview", run_id=draft.id),
                urgent=not waiting,
            )
        )
    released = _run_waiting(session, campaign, RunState.RELEASED)
    if released is not None and not runs_of(session, campaign):
        todos.append(
            Todo(_("评议结果已发布，待计算考核得分"), url_for("assessment_office.overview"))
        )
    todos += _appeals(session, campaign, AppealState.FILED, _("部门申诉待复核"))
    if any(a.state == AppealState.UPHELD for a in appeals_of(session, campaign)):
        todos.append(Todo(_("申诉成立，待重新计票并发布更正结果"), results, urgent=True))
    return todos + _points(session, campaign, PointsState.DRAFT, _("考核得分待核对签发"))


def admin(session: Session, campaign: Campaign) -> list[Todo]:
    todos = []
    plans = sum(t.state == TaskState.PLAN_SUBMITTED for t in tasks_of(session, campaign))
    if plans:
        todos.append(Todo(_("整改方案待审核"), url_for("rectification_office.index"), plans))
    office = url_for("suggestions_office.overview")
    received = session.execute(
        select(func.count(), func.min(Suggestion.created_at)).where(
            Suggestion.campaign_id == campaign.id, Suggestion.status == Status.RECEIVED
        )
    ).one()
    if received[0]:
        oldest = show_date(received[1])
        todos.append(
            Todo(
                _("意见建议待分办（最早收到于 %(d)s）", d=oldest),
                office + "#triage",
                received[0],
                True,
            )
        )
    for model, waiting, text, section in (
        (SuggestionReply, ReplyState.SUBMITTED, _("答复待审核"), "#replies"),
        (HandlingRequest, RequestState.PENDING, _("延期或改派申请待决定"), "#requests"),
    ):
        n = _count(
            session,
            select(model.id)
            .join(Suggestion, Suggestion.id == model.suggestion_id)
            .where(Suggestion.campaign_id == campaign.id, model.state == waiting),
        )
        if n:
            todos.append(Todo(text, office + section, n))
    reports = url_for("reports_office.overview")
    for state, text in (
        (ReportState.SUBMITTED, _("部门报告待审核")),
        (ReportState.APPROVED, _("审核通过的报告待发布")),
    ):
        n = _count(
            session,
            select(ReportVersion.id)
            .join(Department, Department.id == ReportVersion.department_id)
            .where(Department.campaign_id == campaign.id, ReportVersion.state == state),
        )
        if n:
            todos.append(Todo(text, reports, n))
    countersigned = _run_waiting(session, campaign, RunState.COUNTERSIGNED)
    if countersigned is not None:
        release = url_for("results_office.release_run", run_id=countersigned.id)
        todos.append(Todo(_("评议结果已会签，待发布"), release, urgent=True))
    unknown = routing.calendar_warning()
    if unknown:
        text = _(
            "节假日数据缺少 %(y)s 年：国务院公布放假安排后请信息中心升级 chinesecalendar"
            "（sanmin doctor 会检查），在此之前工作日只跳过周末",
            y="、".join(str(year) for year in unknown),
        )
        todos.append(Todo(text, url_for("suggestions_office.settings")))
    return todos


def reviewer(session: Session, campaign: Campaign, user: User) -> list[Todo]:
    todos = []
    for selection in session.execute(
        select(Selection).where(
            Selection.campaign_id == campaign.id, Selection.state == SelectionState.SCORING
        )
    ).scalars():
        scored = select(ReviewScore.nominee_id).where(ReviewScore.reviewer_id == user.id)
        left = _count(
            session,
            select(Nominee.id).where(
                Nominee.selection_id == selection.id, Nominee.id.not_in(scored)
            ),
        )
        if left:
            url = url_for("suggestions_office.selection", kind=selection.kind)
            todos.append(Todo(_("提名待您评分"), url, left))
    return todos
