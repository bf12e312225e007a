"""Rectification tasks: each move and each refusal, working-day deadlines and warnings across
the National Day holiday, the weighted roll-up, closing off only after a passed check, a look
back that reopens, and a public board that shows listed tasks and never internal notes."""

import datetime as dt
import io

import pytest
from sqlalchemy import select

from evaluation.campaign.models import Phase
from evaluation.core.clock import beijing_today
from evaluation.core.errors import Conflict, Forbidden, Refused
from evaluation.core.models import AuditEvent, Role
from rectification import services
from rectification.models import CheckKind, RectificationTask, TaskState
from suggestions.board import WarningLevel
from tests.rectification.conftest import BEFORE_HOLIDAY, CALENDAR, _completed, _planned, _task
from tests.reports.test_reports import _publish_directly


def test_a_task_goes_from_the_office_to_the_department_to_supervision_and_is_closed_off(
    client, login_as, db, units
):
    campaign, lead, _other = units
    login_as(Role.ADMIN)
    created = client.post(
        "/office/rectification/new",
        data={
            "department_id": lead.id,
            "official": "张主任",
            "leader": "李副市长",
            "source": "result",
            "problem": "窗口办事排队时间长，群众反映等候超过一小时。",
            "commitment": "年底前实现全部事项网上预约，平均等候不超过二十分钟。",
            "listed": "y",
        },
    )
    assert created.status_code == 302
    task = db.session.execute(select(RectificationTask)).scalar_one()
    login_as(Role.DEPARTMENT, department=lead)
    assert "窗口办事排队" in client.get("/office/rectification/mine").get_data(as_text=True)
    tomorrow = beijing_today() + dt.timedelta(days=2)
    later = tomorrow + dt.timedelta(days=30)
    plan = client.post(
        f"/office/rectification/mine/{task.id}/plan",
        data={
            "plan": "分两步：梳理事项、上线预约。",
            "milestones-0-title": "梳理全部事项",
            "milestones-0-due_on": tomorrow.isoformat(),
            "milestones-0-weight": "1",
            "milestones-1-title": "上线网上预约",
            "milestones-1-due_on": later.isoformat(),
            "milestones-1-weight": "3",
        },
    )
    assert plan.status_code == 302
    login_as(Role.ADMIN)
    assert client.post(f"/office/rectification/{task.id}/approve").status_code == 302
    login_as(Role.DEPARTMENT, department=lead)
    db.session.expire_all()
    for milestone in db.session.get(RectificationTask, task.id).milestones:
        done = client.post(
            f"/office/rectification/mine/{task.id}/progress",
            data={
                "milestone_id": milestone.id,
                "progress": "100",
                "text": "已完成，材料已归档备查。",
            },
        )
        assert done.status_code == 302
    completed = client.post(
        f"/office/rectification/mine/{task.id}/complete",
        data={"evidence": "全部事项已上线预约，附等候时间统计表。"},
    )
    assert completed.status_code == 302
    login_as(Role.SUPERVISION)
    page = client.get(f"/office/rectification/{task.id}").get_data(as_text=True)
    assert "监察局应于" in page and "记录核查结果" in page
    checked = client.post(
        f"/office/rectification/{task.id}/check",
        data={
            "kind": "unannounced",
            "finding": "暗访三个窗口，等候均在二十分钟内。",
            "passed": "yes",
        },
    )
    assert checked.status_code == 302
    db.session.expire_all()
    task = db.session.get(RectificationTask, task.id)
    assert task.state == TaskState.CLOSED and task.closed_on is not None and task.progress == 100
    board = client.get("/rectification/").get_data(as_text=True)
    assert "窗口办事排队" in board and "已销号" in board
    public = client.get(f"/rectification/{task.id}").get_data(as_text=True)
    steps = public.split("办理经过")[1]
    for step in ("新建整改任务", "批准整改方案", "记录整改核查结果"):
        assert step in steps
    assert "暗访三个窗口" not in public and "supervision" not in steps  # no notes, no names
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {
        "rectification.create",
        "rectification.plan",
        "rectification.approve",
        "rectification.progress",
        "rectification.complete",
        "rectification.check",
    } <= actions


def test_refusals_change_nothing_wrong_role_wrong_state_missing_reason_dates_out_of_order(
    client, login_as, db, units
):
    campaign, lead, other = units
    task = _task(db, campaign, lead)
    today = beijing_today()
    # Another department cannot see or plan this task; venue staff have no rectification pages.
    login_as(Role.DEPARTMENT, department=other)
    assert client.get(f"/office/rectification/mine/{task.id}").status_code == 404
    assert client.post(f"/office/rectification/mine/{task.id}/plan", data={}).status_code == 404
    login_as(Role.VENUE_STAFF)
    assert client.get("/office/rectification/").status_code == 403
    # Dates out of order, or in the past: refused in Chinese, nothing stored.
    login_as(Role.DEPARTMENT, department=lead)
    out_of_order = client.post(
        f"/office/rectification/mine/{task.id}/plan",
        data={
            "plan": "分两步：梳理事项、上线预约。",
            "milestones-0-title": "上线网上预约",
            "milestones-0-due_on": (today + dt.timedelta(days=30)).isoformat(),
            "milestones-1-title": "梳理全部事项",
            "milestones-1-due_on": (today + dt.timedelta(days=5)).isoformat(),
        },
    )
    assert out_of_order.status_code == 400
    assert "按日期先后" in out_of_order.get_data(as_text=True)
    past = client.post(
        f"/office/rectification/mine/{task.id}/plan",
        data={
            "plan": "分两步：梳理事项、上线预约。",
            "milestones-0-title": "梳理全部事项",
            "milestones-0-due_on": today.isoformat(),
        },
    )
    assert past.status_code == 400 and "今天之后" in past.get_data(as_text=True)
    db.session.expire_all()
    task = db.session.get(RectificationTask, task.id)
    assert task.state == TaskState.PLAN_PENDING and not task.milestones
    # Wrong state: nothing to approve yet.
    login_as(Role.ADMIN)
    early = client.post(f"/office/rectification/{task.id}/approve")
    assert early.status_code == 409
    # A service refuses the department that does not lead the task.
    with pytest.raises(Forbidden):
        services.submit_plan(db.session, task, other, "计划" * 10, [], "x", today)


def test_a_late_milestone_needs_a_written_reason_and_progress_never_goes_back(db, units):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead)
    first = task.milestones[0]
    after_due = dt.date(2026, 10, 9)
    with pytest.raises(Refused) as refused:
        services.report_progress(
            db.session, task, lead, first.id, 60, "正在梳理，已完成六成。", "", "liaison", after_due
        )
    assert refused.value.field == "delay_reason"
    services.report_progress(
        db.session,
        task,
        lead,
        first.id,
        60,
        "正在梳理，已完成六成。",
        "国庆假期窗口调整，部分事项需重新确认。",
        "liaison",
        after_due,
    )
    with pytest.raises(Refused):
        services.report_progress(
            db.session, task, lead, first.id, 40, "重新统计后的进度。", "同上", "liaison", after_due
        )
    with pytest.raises(Conflict):  # not every milestone is done
        services.report_completion(
            db.session, task, lead, "已经完成全部整改。", "liaison", after_due, CALENDAR
        )


def test_the_roll_up_weighs_each_milestone(db, units):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead, weights=(1, 3))
    first, second = task.milestones
    services.report_progress(
        db.session, task, lead, first.id, 100, "梳理完成。", "", "liaison", BEFORE_HOLIDAY
    )
    assert task.progress == 25  # (1 × 100 + 3 × 0) / 4
    services.report_progress(
        db.session, task, lead, second.id, 50, "预约系统上线一半。", "", "liaison", BEFORE_HOLIDAY
    )
    assert task.progress == round((100 + 3 * 50) / 4)


def test_warnings_and_the_check_deadline_count_working_days_across_national_day(db, units):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead)  # first milestone due 8 October

    def warning(today):
        return services.standing(task, today, CALENDAR, 3).warning

    assert warning(dt.date(2026, 9, 25)) is None
    # Eight calendar days ahead, but only one working day: blue.
    assert warning(BEFORE_HOLIDAY) == WarningLevel.BLUE
    assert warning(dt.date(2026, 10, 8)) == WarningLevel.YELLOW
    assert warning(dt.date(2026, 10, 9)) == WarningLevel.RED
    check = _completed(db, task, lead)
    # 8, 9, 10 (a Saturday worked), 12–16, 19, 20 October: the tenth working day.
    assert check.due_on == dt.date(2026, 10, 20)
    assert services.standing(task, dt.date(2026, 10, 21), CALENDAR, 3).check_late


def test_only_a_passed_check_closes_off_and_a_failed_one_sends_it_back(db, units):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead)
    _completed(db, task, lead)
    day = dt.date(2026, 10, 12)
    with pytest.raises(Refused):  # failed without a new milestone
        services.record_check(
            db.session, task, CheckKind.SPOT, "抽查两个窗口仍排长队。", False, "supervision", day
        )
    services.record_check(
        db.session,
        task,
        CheckKind.SPOT,
        "抽查两个窗口仍排长队。",
        False,
        "supervision",
        day,
        services.MilestoneInput("增开两个窗口", dt.date(2026, 11, 30)),
    )
    assert task.state == TaskState.IN_PROGRESS and task.closed_on is None
    assert task.milestones[-1].title == "增开两个窗口" and task.progress < 100
    with pytest.raises(Conflict):  # nothing waits for a check now
        services.record_check(
            db.session, task, CheckKind.SPOT, "再次抽查情况良好。", True, "supervision", day
        )


def test_a_look_back_months_later_can_reopen_a_closed_task(db, units):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead)
    _completed(db, task, lead)
    services.record_check(
        db.session,
        task,
        CheckKind.RECHECK,
        "复查合格。",
        True,
        "supervision",
        dt.date(2026, 10, 12),
    )
    assert task.state == TaskState.CLOSED
    later = dt.date(2027, 3, 1)
    with pytest.raises(Refused):
        services.schedule_look_back(db.session, task, later, "supervision", later)
    services.schedule_look_back(db.session, task, dt.date(2027, 3, 15), "supervision", later)
    with pytest.raises(Refused):  # a look back is recorded as one
        services.record_check(
            db.session, task, CheckKind.SPOT, "问题反弹。", False, "supervision", later
        )
    services.record_check(
        db.session,
        task,
        CheckKind.LOOK_BACK,
        "回头看发现排队问题反弹。",
        False,
        "supervision",
        dt.date(2027, 3, 10),
        services.MilestoneInput("恢复预约分流", dt.date(2027, 4, 30)),
    )
    assert task.state == TaskState.IN_PROGRESS and task.closed_on is None


def test_this_month_s_report_is_missing_after_the_campaign_s_report_day(db, units):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead)
    assert not services.standing(task, dt.date(2026, 10, 3), CALENDAR, 3).report_missing
    assert services.standing(task, dt.date(2026, 10, 4), CALENDAR, 3).report_missing
    services.report_progress(
        db.session,
        task,
        lead,
        task.milestones[0].id,
        30,
        "十月进展。",
        "",
        "liaison",
        dt.date(2026, 10, 2),
    )
    assert not services.standing(task, dt.date(2026, 10, 20), CALENDAR, 3).report_missing


def test_the_public_board_lists_only_listed_tasks_and_never_internal_notes(client, db, units):
    campaign, lead, _other = units
    listed = _planned(db, campaign, lead)
    hidden = _task(db, campaign, lead, listed=False)
    hidden.problem = "内部掌握的问题，不对外公开。"
    _completed(db, listed, lead)
    services.record_check(
        db.session,
        listed,
        CheckKind.UNANNOUNCED,
        "暗访记录：窗口人员甲某态度较差。",
        True,
        "supervision",
        dt.date(2026, 10, 12),
    )
    db.session.commit()
    board = client.get("/rectification/").get_data(as_text=True)
    page = client.get(f"/rectification/{listed.id}").get_data(as_text=True)
    api = client.get("/api/v1/rectification")
    text = api.get_data(as_text=True)
    assert "窗口办事排队" in board and "窗口办事排队" in page
    assert [t["id"] for t in api.get_json()["tasks"]] == [listed.id]
    for public in (board, page, text):
        assert "内部掌握的问题" not in public
        assert "甲某" not in public  # supervision's finding stays internal
    assert client.get(f"/rectification/{hidden.id}").status_code == 404
    assert "/api/v1/rectification" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_next_year_s_report_editor_starts_from_last_year_s_tasks_and_the_page_links_them(
    client, login_as, db, factory, units
):
    campaign, lead, _other = units
    closed = _planned(db, campaign, lead)
    open_ = _task(db, campaign, lead)
    hidden = _task(db, campaign, lead, listed=False)
    _completed(db, closed, lead)
    services.record_check(
        db.session, closed, CheckKind.SPOT, "抽查合格。", True, "supervision", dt.date(2026, 10, 12)
    )
    db.session.commit()
    next_year = factory.campaign(year=2027, phase=Phase.PREPARATION)
    again = factory.department(next_year, "FGW", factory.group(next_year, 1))
    db.session.commit()
    login_as(Role.DEPARTMENT, department=again)
    editor = client.get("/office/reports/mine").get_data(as_text=True)
    assert "上年度整改任务" in editor and f"No.{closed.id}" in editor and "已销号" in editor
    # The first draft's section on last year's suggestions and problems starts from them.
    assert "上年度本单位牵头整改任务 3 项，已销号 1 项，正在整改 2 项。" in editor
    assert "年底前实现全部事项网上预约" in editor
    _publish_directly(db, again)
    page = client.get("/departments/FGW").get_data(as_text=True)
    assert f"/rectification/{closed.id}" in page and f"/rectification/{open_.id}" in page
    assert f"/rectification/{hidden.id}" not in page


PDF = b"%PDF-1.4\n% the waiting-time statistics of October\n%%EOF\n"


def test_progress_carries_evidence_public_with_a_listed_task_and_bad_files_are_refused(
    client, login_as, db, units
):
    campaign, lead, _other = units
    task = _planned(db, campaign, lead)
    hidden = _planned(db, campaign, lead)
    hidden.listed = False
    db.session.commit()
    login_as(Role.DEPARTMENT, department=lead)
    fields = {"progress": "50", "text": "已梳理一半事项。", "delay_reason": "假期影响进度。"}
    bad = client.post(
        f"/office/rectification/mine/{task.id}/progress",
        data={
            **fields,
            "milestone_id": task.milestones[0].id,
            "evidence": (io.BytesIO(b"not a document"), "notes.txt"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 415 and "PDF、JPEG 或 PNG" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(RectificationTask, task.id).reports
    for target in (task, hidden):
        done = client.post(
            f"/office/rectification/mine/{target.id}/progress",
            data={
                **fields,
                "milestone_id": target.milestones[0].id,
                "evidence": (io.BytesIO(PDF), "十月统计.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert done.status_code == 302
    db.session.expire_all()
    shown, kept = (
        db.session.get(RectificationTask, t.id).reports[0].evidence[0] for t in (task, hidden)
    )
    page = client.get(f"/rectification/{task.id}").get_data(as_text=True)
    assert f"/rectification/evidence/{shown.id}" in page and "十月统计.pdf" in page
    assert client.get(f"/rectification/evidence/{shown.id}").data == PDF
    assert client.get(f"/rectification/evidence/{kept.id}").status_code == 404
