"""The demo's rectification tasks: one in every state, made through the services with the
dates they would have had (a plan drafted weeks ago, a milestone missed, a check passed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign
from rectification import discussion, notices, services
from rectification.models import CheckKind, InviteeKind, RectificationTask, TaskSource
from representatives.models import Representative
from suggestions.routing import work_calendar

Step = services.MilestoneInput

# department code, source, problem, commitment, how far it got
TASKS = [
    (
        "D01",
        TaskSource.SUPERVISION,
        "督查发现部分窗口午休时段无人值守。",
        "全部窗口实行午间轮岗，公布值班电话。",
        "red",
    ),
    (
        "D02",
        TaskSource.COMMENT,
        "工业园区道路破损，企业反映货车通行困难。",
        "三个月内完成园区主干道修复。",
        "reopened",
    ),
    (
        "D03",
        TaskSource.SUGGESTION,
        "老旧小区加装电梯审批慢，居民多次反映。",
        "推行加装电梯并联审批，办理时限压缩一半。",
        "reported",
    ),
    (
        "D04",
        TaskSource.RESULT,
        "企业开办材料多、跑腿多，评议中不满意比例偏高。",
        "年底前企业开办全程网办，材料压减三分之一。",
        "closed",
    ),
    (
        "D05",
        TaskSource.RESULT,
        "政策兑现周期长，企业对惠企资金到账时间不满意。",
        "建立惠企资金直达机制，到账时间不超过二十个工作日。",
        "yellow",
    ),
    (
        "D06",
        TaskSource.MANUAL,
        "公共停车场信息不公开，停车难问题突出。",
        "上线全市公共停车场实时车位信息。",
        "blue",
    ),
    (
        "D07",
        TaskSource.COMMENT,
        "问卷反映社区养老服务站开放时间短。",
        "社区养老服务站开放时间延长至晚八点。",
        "on_track",
    ),
    (
        "D08",
        TaskSource.SUGGESTION,
        "农贸市场周边占道经营影响通行。",
        "设置临时疏导点，建立长效管理机制。",
        "submitted",
    ),
    (
        "D09",
        TaskSource.RESULT,
        "12345热线转办件办结率偏低。",
        "转办件按期办结率提高到95%以上。",
        "pending",
    ),
    (
        "D10",
        TaskSource.SUPERVISION,
        "内部审批流程中存在重复签批环节。",
        "精简内部签批环节，形成流程清单。",
        "internal",
    ),
]


def build_demo_tasks(session: Session, campaign: Campaign, actor: str, today: dt.date) -> None:
    """Ten tasks, one in each state, a published notice and a talk, unless the demo has
    them already (the demo's department login, D01, has the overdue task)."""
    if session.execute(
        select(RectificationTask.id).where(RectificationTask.campaign_id == campaign.id)
    ).first():
        return
    calendar = work_calendar(session)
    units = {d.code: d for d in campaign.departments}
    start = today - dt.timedelta(days=40)
    for code, source, problem, commitment, stage in TASKS:
        unit = units[code]
        task = services.create_task(
            session,
            campaign,
            services.TaskInput(
                department_id=unit.id,
                official=f"{unit.short_name}分管负责人",
                leader="分管副市长",
                source=source,
                problem=problem,
                commitment=commitment,
                listed=stage != "internal",
            ),
            actor,
        )
        if stage == "pending":
            continue
        due = {
            "blue": calendar.add_working_days(today, 1),
            "yellow": today,
            "red": today - dt.timedelta(days=6),
        }.get(stage, today + dt.timedelta(days=25))
        services.submit_plan(
            session,
            task,
            unit,
            f"成立工作专班，按节点推进：{commitment}",
            [
                Step("摸清底数、制定细则", start + dt.timedelta(days=10), 1),
                Step("全面落实", due, 3),
            ],
            f"{code}-liaison",
            start,
        )
        if stage == "submitted":
            continue
        services.approve_plan(session, task, actor)
        first, second = task.milestones
        services.report_progress(
            session,
            task,
            unit,
            first.id,
            100,
            "底数已摸清，细则已印发。",
            "",
            "liaison",
            start + dt.timedelta(days=9),
        )
        if stage == "red":
            services.report_progress(
                session,
                task,
                unit,
                second.id,
                60,
                "已完成六成窗口的轮岗安排。",
                "部分窗口人员调整，需重新排班。",
                "liaison",
                today - dt.timedelta(days=1),
            )
        if stage in ("red", "yellow", "blue", "on_track"):
            continue
        services.report_progress(
            session,
            task,
            unit,
            second.id,
            100,
            "全部落实到位，群众反映良好。",
            "",
            "liaison",
            start + dt.timedelta(days=20),
        )
        reported = (
            today - dt.timedelta(days=2) if stage == "reported" else start + dt.timedelta(days=21)
        )
        services.report_completion(
            session,
            task,
            unit,
            "整改完成，附办理时限统计和群众回访记录。",
            "liaison",
            reported,
            calendar,
        )
        if stage == "reported":
            continue
        services.record_check(
            session,
            task,
            CheckKind.UNANNOUNCED,
            "暗访两次，整改措施落实到位。",
            True,
            "supervision",
            reported + dt.timedelta(days=5),
        )
        if stage == "reopened":
            looked = reported + dt.timedelta(days=8)
            services.schedule_look_back(
                session, task, looked + dt.timedelta(days=5), "supervision", looked
            )
            services.record_check(
                session,
                task,
                CheckKind.LOOK_BACK,
                "回头看发现部分路段再次破损。",
                False,
                "supervision",
                looked + dt.timedelta(days=1),
                Step("破损路段二次修复", today + dt.timedelta(days=20)),
            )
    notice = notices.compose_notice(
        session,
        campaign,
        f"关于{campaign.year}年度三民活动整改工作进展情况的通报",
        [units["D04"].id],
        [units["D01"].id],
        "各部门要对照问题清单逐项整改，按月报送进展；对节点逾期、月报未报的，监察局将跟踪督办，"
        "情节严重的约谈主要负责人。",
        "supervision",
        today,
        calendar,
    )
    notices.publish_notice(session, notice, "supervision", today)
    notices.record_talk(
        session,
        campaign,
        units["D01"].id,
        today - dt.timedelta(days=1),
        "分管副市长、监察局局长、发展改革委主要负责人",
        "窗口午间轮岗整改节点逾期。",
        "限五个工作日内完成全部窗口轮岗安排，逾期将在下期通报中点名批评。",
        "supervision",
        today,
    )


def build_demo_discussion(session: Session, campaign: Campaign, actor: str, today: dt.date) -> None:
    """A discussion meeting (恳谈会) a week ago: two departments, an expert and a representative
    who attended (by the code on their letter) invited, the minutes, and two follow-ups, one of
    them opened as a task already."""
    if discussion.meetings_of(session, campaign):
        return
    units = {d.code: d for d in campaign.departments}
    meeting = discussion.create_meeting(
        session,
        campaign,
        f"{campaign.year}年度三民活动恳谈会",
        today - dt.timedelta(days=7),
        "市民中心第一会议室",
        "一、通报评议结果和意见建议办理情况；二、部门负责人表态；三、专家学者和市民代表发言。",
        actor,
    )
    for code in ("D01", "D02"):
        discussion.add_invitee(
            session, meeting, InviteeKind.DEPARTMENT, units[code].id, "", "", "", actor
        )
    discussion.add_invitee(
        session, meeting, InviteeKind.EXPERT, None, "王立平", "", "市社会科学院研究员", actor
    )
    came = session.execute(
        select(Representative.invitation_code)
        .where(Representative.attended.is_(True), Representative.invitation_code.is_not(None))
        .order_by(Representative.id)
    ).scalar()
    if came:
        discussion.add_invitee(
            session, meeting, InviteeKind.REPRESENTATIVE, None, "", came, "", actor
        )
    discussion.record_minutes(
        session,
        meeting,
        "会议通报了评议结果。发展改革委、工业和信息化局负责人表态将逐项整改；"
        "王立平研究员建议公开整改时间表；市民代表反映园区夜间货车噪音问题。",
        actor,
    )
    first = discussion.add_follow_up(
        session,
        meeting,
        units["D02"].id,
        "市民代表反映工业园区夜间货车噪音扰民，请会同交警部门调整通行时段。",
        "市民代表",
        actor,
    )
    discussion.add_follow_up(
        session,
        meeting,
        units["D01"].id,
        "专家建议把整改时间表在政府网站公开，每月更新一次进度。",
        "王立平研究员",
        actor,
    )
    services.create_task(
        session,
        campaign,
        services.TaskInput(
            department_id=first.department_id,
            official=f"{units['D02'].short_name}分管负责人",
            leader="分管副市长",
            source=TaskSource.DISCUSSION,
            problem=first.text,
            commitment="一个月内会同交警部门调整夜间货车通行时段并公示。",
            source_note=first.source_note,
        ),
        actor,
    )
