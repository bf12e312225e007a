"""Demo suggestions: a few hundred across channels, states and warning levels, in Chinese."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign
from evaluation.core import clock
from suggestions import handling, routing, services, similar, tracking
from suggestions import selection as selections
from suggestions.models import (
    DEADLINE_WORKING_DAYS,
    Channel,
    RejectReason,
    ReplyCategory,
    RequestKind,
    Satisfaction,
    Status,
    Suggestion,
    Urgency,
)
from suggestions.selection_models import NomineeKind

DEMO_SUGGESTIONS = 320
DEMO_SEED = 20261122
# (unit short name, keywords for its routing rule, category index, what citizens write)
TOPICS = [
    (
        "交通运输局",
        "公交 线路 地铁",
        1,
        "{place}到市区的公交线路太少，早晚高峰要等二十多分钟，建议增开班次或开通社区接驳线。",
    ),
    (
        "交通运输局",
        "公交 线路 地铁",
        0,
        "建议明年加快{place}地铁站周边的公交换乘建设，方便群众出行。",
    ),
    (
        "交警支队",
        "红绿灯 停车 违停",
        1,
        "{place}学校门口上下学时段车辆乱停，建议增设临时停车位并加强疏导。",
    ),
    (
        "城市管理局",
        "垃圾 占道 环卫",
        2,
        "{place}菜市场周边占道经营严重，垃圾清运不及时，希望加强管理。",
    ),
    (
        "教育局",
        "学校 入学 幼儿园",
        0,
        "{place}新建小区多，幼儿园学位紧张，建议明年新建或扩建公办幼儿园。",
    ),
    ("教育局", "学校 入学 幼儿园", 1, "义务教育入学材料多次提交，建议{place}实行网上一次办理。"),
    (
        "卫生健康委",
        "医院 挂号 社区医疗",
        0,
        "建议在{place}增设社区卫生服务站，方便老年人就近看病。",
    ),
    ("卫生健康委", "医院 挂号 社区医疗", 1, "大医院挂号难，建议推广分时段预约，减少患者排队时间。"),
    ("民政局", "养老 老年 社区", 0, "{place}老龄人口多，建议建设社区养老服务中心，提供助餐服务。"),
    (
        "人力资源社会保障局",
        "就业 社保 培训",
        0,
        "建议明年多举办面向{place}高校毕业生和退役军人的招聘会和技能培训。",
    ),
    ("医疗保障局", "医保 报销 异地", 1, "异地就医报销手续繁琐，建议简化备案流程，实现直接结算。"),
    (
        "行政审批局",
        "审批 窗口 办事",
        1,
        "企业开办还要跑多个窗口，建议{place}政务大厅推行一窗受理、一次办好。",
    ),
    (
        "大数据局",
        "网上办 数据 APP",
        1,
        "各部门的手机应用太多，建议整合成一个入口，数据多跑路、群众少跑腿。",
    ),
    ("生态环境局", "污染 噪音 排放", 0, "{place}工地夜间施工噪音扰民，建议严格执行夜间施工审批。"),
    ("水务局", "供水 排水 积水", 0, "每逢大雨{place}路段积水严重，建议明年改造排水管网。"),
    (
        "住房城乡建设局",
        "老旧小区 电梯 物业",
        0,
        "建议加快{place}老旧小区改造，加装电梯，改善居住条件。",
    ),
    ("园林林业局", "公园 绿化", 0, "{place}缺少口袋公园和健身场地，建议利用边角地建设小游园。"),
    (
        "市场监管局",
        "食品 价格 投诉",
        2,
        "投诉{place}一家餐馆食品卫生问题后迟迟没有回复，希望提高办事效率。",
    ),
    ("公安局", "户籍 治安 身份证", 2, "办理户口迁移时窗口工作人员态度生硬，建议加强窗口服务培训。"),
    ("公积金中心", "公积金 贷款", 1, "公积金贷款审批时间太长，建议压缩办理时限并公开进度。"),
    ("发展改革委", "规划 项目 物价", 0, "建议明年的重点项目向{place}倾斜，补齐公共服务短板。"),
    (
        "发展改革委",
        "规划 项目 物价",
        2,
        "重大项目公示时间太短，建议延长公示期并召开听证会听取群众意见。",
    ),
    ("信访局", "信访 来信", 2, "反映的问题转了好几个部门，建议明确首问负责，不要让群众来回跑。"),
    ("文化和旅游局", "文化 旅游 景区", 0, "建议{place}多开展公益文化活动，图书馆延长开放时间。"),
    (
        "应急管理局",
        "安全 消防 应急",
        3,
        "{place}部分商场消防通道堆放杂物，存在安全隐患，请及时检查。",
    ),
]
PLACES = [
    "市南区",
    "市北区",
    "李沧区",
    "崂山区",
    "城阳区",
    "黄岛区",
    "即墨",
    "胶州",
    "平度",
    "莱西",
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴刚", "徐丽"]
REPLIES = [
    "感谢您的意见建议。我单位已进行实地调查，相关问题已纳入明年工作计划，将于{month}月底前完成整改，届时将在网站公开进展。",
    "您反映的问题属实。我们已责成相关科室立即整改，并建立长效机制，欢迎继续监督。",
    "经研究，您的建议具有很强的可行性，我们将在明年的工作中逐步推进，并及时向社会公布落实情况。",
]


# Questionnaire answers reach the office from the questionnaires' own demo, not from here.
DEMO_CHANNEL_WEIGHTS = {
    Channel.ONLINE: 60,
    Channel.PAPER: 20,
    Channel.VISIT: 10,
    Channel.BALLOT: 10,
}


def _categories(year: int) -> list[str]:
    return [f"{year + 1}年经济社会发展", "服务型政府建设", "部门工作作风", "其他"]


def build_demo_suggestions(session: Session, campaign: Campaign, actor: str) -> int:
    """Add the demo's suggestions once; running it again changes nothing."""
    have = session.execute(
        select(func.count()).select_from(Suggestion).where(Suggestion.campaign_id == campaign.id)
    ).scalar_one()
    if have:
        return 0
    rng = random.Random(DEMO_SEED)
    for name in _categories(campaign.year):
        routing.add_category(session, campaign, name, actor)
    categories = routing.categories_of(session, campaign)
    units = {d.short_name: d for d in campaign.departments}
    for short, keywords in dict((t[0], t[1]) for t in TOPICS).items():
        if short in units:
            routing.add_rule(session, campaign, None, keywords, units[short].id, actor)
    today = clock.beijing_today()
    calendar = routing.work_calendar(session)
    made: list[Suggestion] = []
    for _n in range(DEMO_SUGGESTIONS):
        short, _keywords, category, template = rng.choice(TOPICS)
        channel = rng.choices(list(DEMO_CHANNEL_WEIGHTS), list(DEMO_CHANNEL_WEIGHTS.values()))[0]
        real = channel != Channel.BALLOT and rng.random() < 0.5
        intake = services.Intake(
            channel=channel,
            text=template.format(place=rng.choice(PLACES)),
            category_id=categories[category].id if channel != Channel.BALLOT else None,
            target_unit_id=units[short].id if channel in (Channel.VISIT, Channel.BALLOT) else None,
            author_name=rng.choice(NAMES) if real else None,
            author_phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            if real
            else None,
            name_consent=real and rng.random() < 0.6,
            venue_id=rng.choice(campaign.venues).id if channel == Channel.PAPER else None,
            visited=rng.choice(["deputy", "cppcc"]) if channel == Channel.VISIT else "",
        )
        suggestion = services.receive(session, campaign, intake, actor)
        age = rng.randint(0, 18)  # days ago it arrived
        suggestion.created_at = clock.utcnow() - dt.timedelta(days=age, hours=rng.randint(0, 9))
        made.append(suggestion)
        _advance(session, suggestion, rng, today - dt.timedelta(days=age), today, calendar, actor)
    _plant_warnings(session, made, today, calendar)
    _nominate(session, campaign, made, actor)
    session.flush()
    return len(made)


def _plant_warnings(
    session: Session, made: list[Suggestion], today: dt.date, calendar: Any
) -> None:
    """Make sure the board shows every warning level today: one item due today, one soon."""
    open_items = [s for s in made if s.status == Status.ASSIGNED and not s.requests]
    targets = [calendar.add_working_days(today, 1)]
    if calendar.is_working_day(today):
        targets.append(today)
    targets = iter(targets)
    due = next(targets, None)
    for suggestion in open_items:
        if due is None:
            break
        days = DEADLINE_WORKING_DAYS[Urgency(suggestion.urgency)]
        # The assignment day that gives this deadline, not before the item arrived, so the
        # item's dates stay consistent.
        for back in range(1, 30):
            assigned = due - dt.timedelta(days=back)
            if assigned < clock.beijing_date(suggestion.created_at):
                break
            if calendar.add_working_days(assigned, days) == due:
                suggestion.assigned_on, suggestion.due_on = assigned, due
                due = next(targets, None)
                break


def _advance(
    session: Session,
    suggestion: Suggestion,
    rng: random.Random,
    arrived: dt.date,
    today: dt.date,
    calendar: Any,
    actor: str,
) -> None:
    """Move one suggestion as far as the office and its unit would have by now."""
    fate = rng.random()
    if arrived >= today - dt.timedelta(days=1) or fate < 0.10:
        return  # still waiting for triage
    if fate < 0.13:
        handling.reject(
            session, suggestion, rng.choice(list(RejectReason)), "与本次征集无关", actor
        )
        return
    unit = suggestion.proposed_unit or suggestion.campaign.departments[0]
    urgency = rng.choices(list(Urgency), weights=[15, 70, 15])[0]
    assigned = calendar.add_working_days(arrived, 1) if arrived < today else today
    assigned = min(assigned, today)
    handling.assign(session, suggestion, unit.id, [], urgency, actor, today=assigned)
    if fate < 0.16:
        # A duplicate is merged into the item most like it that its unit is handling.
        session.flush()
        hints = [
            h
            for h in similar.duplicate_hints(session, suggestion)
            if h.same_unit and h.status == Status.ASSIGNED
        ]
        if hints:
            survivor = session.get(Suggestion, hints[0].suggestion_id)
            handling.merge(session, suggestion, survivor, actor)
        return
    liaison = f"{unit.short_name}联络员"
    answer_by = calendar.add_working_days(assigned, rng.randint(1, 7))
    if fate < 0.55 or answer_by > today:  # still being handled; some late, some due soon
        if fate < 0.22:
            handling.ask(
                session,
                suggestion,
                unit,
                RequestKind.EXTENSION,
                "需要会同相关部门现场调查",
                liaison,
                3,
            )
        elif fate < 0.27:
            _submit_reply(session, suggestion, unit, rng, liaison)
        return
    reply = _submit_reply(session, suggestion, unit, rng, liaison)
    handling.approve_reply(session, reply, actor, today=answer_by)
    # Submitted and approved on the day it was answered, as the office would have.
    reply.submitted_at = _at(answer_by, 9)
    reply.approved_at = _at(answer_by, 15)
    rated = rng.random()
    if rated < 0.6:
        rating = rng.choices(list(Satisfaction), weights=[60, 28, 12])[0]
        rated_on = min(answer_by + dt.timedelta(days=1), today)
        tracking.give_feedback(
            session,
            suggestion,
            rating,
            today=rated_on,
            reason="答复没有说明什么时候能解决。" if rating == Satisfaction.DISSATISFIED else "",
        )
        reply.feedback_at = _at(rated_on, 20)


def _submit_reply(
    session: Session, suggestion: Suggestion, unit: Any, rng: random.Random, liaison: str
) -> Any:
    """The unit's reply, drafted and submitted to the office in one go."""
    return handling.save_reply(
        session,
        suggestion,
        unit,
        rng.choice(REPLIES).format(month=12),
        True,
        liaison,
        *_category(suggestion),
    )


def _at(day: dt.date, hour: int) -> dt.datetime:
    """A stored (naive UTC) time at `hour` o'clock Beijing time on `day`, never in the future."""
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=clock.BEIJING)
    return min(moment.astimezone(dt.UTC).replace(tzinfo=None), clock.utcnow())


def _category(suggestion: Suggestion) -> tuple[ReplyCategory, str]:
    """A reply's category, spread over the four by number (no draw from the demo's random
    sequence, so the rest of the demo stays as it was)."""
    category = list(ReplyCategory)[suggestion.id % len(ReplyCategory)]
    reason = (
        "该事项不属于本单位职责，已告知提出人向区政府反映。"
        if category == ReplyCategory.DECLINED
        else ""
    )
    return category, reason


def _nominate(session: Session, campaign: Campaign, made: list[Suggestion], actor: str) -> None:
    chosen = selections.selection_of(session, campaign, NomineeKind.SUGGESTION)
    candidates = [s for s in made if s.is_real_name and s.status == Status.ANSWERED][:6]
    for suggestion in candidates:
        selections.nominate(session, chosen, actor, suggestion=suggestion)
    units = selections.selection_of(session, campaign, NomineeKind.UNIT)
    for short in ("交通运输局", "教育局", "卫生健康委", "行政审批局"):
        unit = next((d for d in campaign.departments if d.short_name == short), None)
        if unit is not None:
            selections.nominate(session, units, actor, unit=unit)
