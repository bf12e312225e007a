"""Fixtures of the rectification room's tests: a campaign with two departments, a task, a
planned task."""

import datetime as dt

import pytest

from evaluation.campaign.models import Phase
from rectification import services
from rectification.models import RectificationTask, TaskSource
from suggestions.workdays import WorkCalendar

CALENDAR = WorkCalendar()
BEFORE_HOLIDAY = dt.date(2026, 9, 30)  # 1–7 October off, Saturday 10 October worked


@pytest.fixture
def units(factory, db):
    campaign = factory.campaign(phase=Phase.HANDLING)
    group = factory.group(campaign, 1)
    lead = factory.department(campaign, "FGW", group)
    other = factory.department(campaign, "GXJ", group)
    db.session.commit()
    return campaign, lead, other


def _task(db, campaign, lead, listed=True) -> RectificationTask:
    task = services.create_task(
        db.session,
        campaign,
        services.TaskInput(
            department_id=lead.id,
            official="张主任",
            leader="李副市长",
            source=TaskSource.RESULT,
            problem="窗口办事排队时间长，群众反映等候超过一小时。",
            commitment="年底前实现全部事项网上预约，平均等候不超过二十分钟。",
            source_note="满意率低于本组区间",
            listed=listed,
        ),
        "admin",
    )
    db.session.commit()
    return task


def _planned(db, campaign, lead, today=BEFORE_HOLIDAY, weights=(1, 3)) -> RectificationTask:
    task = _task(db, campaign, lead)
    services.submit_plan(
        db.session,
        task,
        lead,
        "分三步：梳理事项、上线预约、评估等候时间。",
        [
            services.MilestoneInput("梳理全部事项", dt.date(2026, 10, 8), weights[0]),
            services.MilestoneInput("上线网上预约", dt.date(2026, 11, 30), weights[1]),
        ],
        "liaison",
        today,
    )
    services.approve_plan(db.session, task, "admin")
    db.session.commit()
    return task


def _completed(db, task, lead):
    """Every milestone done on 30 September and the completion reported: the check is due."""
    for milestone in task.milestones:
        services.report_progress(
            db.session, task, lead, milestone.id, 100, "按期完成。", "", "liaison", BEFORE_HOLIDAY
        )
    return services.report_completion(
        db.session, task, lead, "全部完成，附统计表。", "liaison", BEFORE_HOLIDAY, CALENDAR
    )
