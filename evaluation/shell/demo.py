"""The demo campaign: 57 departments, 4 groups + internal, 13 venues, meetings, a user per role."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.demo import build_demo_appeal, build_demo_results_at_work
from ballots.boxes import boxes_of, ensure_boxes
from ballots.cards import Card, hash_secret, issue_cards
from ballots.demo import simulate_ballots
from ballots.keys import demo_ceremony, prepare_box_key
from ballots.lifecycle import move_box
from ballots.models import BallotBox, BoxState, VotingToken
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
from evaluation.campaign.reports.demo import build_demo_reports
from evaluation.campaign.services import move_phase
from evaluation.core import audit
from evaluation.core.clock import beijing_today
from evaluation.core.models import Role, User
from questionnaires.demo import build_demo_questionnaires, demo_respondents, route_demo_texts
from rectification.demo import build_demo_discussion, build_demo_tasks
from representatives.demo import REVIEWING_DISTRICT, build_demo_representatives
from suggestions.demo import build_demo_suggestions

DEMO_PASSWORD = "sanmin-demo"
MAIN_VENUE_CAPACITY = 100
DISTRICT_VENUE_CAPACITY = 200
MEETING_START = dt.time(8, 30)
DEMO_CARDS = 20
DEMO_LIAISON_DEPARTMENT = "D01"  # the demo department user's department
DEMO_STAFF_VENUE = "市级主会场"  # the demo venue staff's venue

# (full name, short name, field of work) in reporting order, group by group.
PUBLIC_GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "经济发展组",
        [
            ("市发展和改革委员会", "发展改革委", "国民经济和社会发展规划、重大项目建设"),
            ("市工业和信息化局", "工业和信息化局", "工业经济运行、信息化与产业升级"),
            ("市财政局", "财政局", "财政预算管理、财政资金绩效评价"),
            ("市商务局", "商务局", "内外贸易、消费促进和对外开放"),
            ("市地方金融监督管理局", "金融监管局", "地方金融监管、企业融资服务"),
            ("市国有资产监督管理委员会", "国资委", "市属国有企业监管和国资改革"),
            ("市审计局", "审计局", "政府投资和财政收支审计监督"),
            ("市市场监督管理局", "市场监管局", "市场主体登记、食品药品安全监管"),
            ("市科学技术局", "科技局", "科技创新、高新技术企业培育"),
            ("市投资促进局", "投资促进局", "招商引资和重点项目落地服务"),
            ("市农业农村局", "农业农村局", "乡村振兴、农业生产和农村改革"),
            ("市海洋发展局", "海洋发展局", "海洋经济、渔业和海域管理"),
            ("市大数据发展管理局", "大数据局", "政务数据共享和数字政府建设"),
            ("市民营经济发展局", "民营经济局", "民营企业和中小企业服务"),
        ],
    ),
    (
        "城市建设组",
        [
            ("市自然资源和规划局", "自然资源规划局", "国土空间规划和自然资源管理"),
            ("市住房和城乡建设局", "住房城乡建设局", "城市建设、住房保障和建筑市场管理"),
            ("市城市管理局", "城市管理局", "市容环境、环卫和城市综合执法"),
            ("市交通运输局", "交通运输局", "公共交通、道路运输和交通基础设施"),
            ("市水务管理局", "水务局", "供水、排水和防汛抗旱"),
            ("市生态环境局", "生态环境局", "大气、水和土壤污染防治"),
            ("市园林和林业局", "园林林业局", "城市绿化、公园和林业资源保护"),
            ("市应急管理局", "应急管理局", "安全生产监管和应急救援"),
            ("市行政审批服务局", "行政审批局", "行政审批制度改革和政务服务"),
            ("市住房公积金管理中心", "公积金中心", "住房公积金归集和贷款服务"),
            ("市消防救援支队", "消防救援支队", "火灾防控和应急救援"),
            ("市公安局交通警察支队", "交警支队", "道路交通秩序和交通安全管理"),
            ("市气象局", "气象局", "气象预报预警和防灾减灾服务"),
            ("市港口发展局", "港口发展局", "港口规划建设和航运服务"),
        ],
    ),
    (
        "社会事业组",
        [
            ("市教育局", "教育局", "学前教育、义务教育和职业教育"),
            ("市人力资源和社会保障局", "人力资源社会保障局", "就业创业、社会保险和劳动关系"),
            ("市卫生健康委员会", "卫生健康委", "医疗卫生服务和公共卫生"),
            ("市民政局", "民政局", "社会救助、养老服务和社区治理"),
            ("市文化和旅游局", "文化和旅游局", "公共文化服务和旅游产业"),
            ("市体育局", "体育局", "全民健身和体育产业"),
            ("市医疗保障局", "医疗保障局", "医保待遇、医药价格和基金监管"),
            ("市退役军人事务局", "退役军人事务局", "退役军人安置和优抚服务"),
            ("市残疾人联合会", "残联", "残疾人康复、就业和权益保障"),
            ("市总工会", "总工会", "职工权益维护和职工服务"),
            ("市妇女联合会", "妇联", "妇女儿童权益保障和家庭服务"),
            ("共青团市委", "团市委", "青少年服务和青年就业创业"),
            ("市信访局", "信访局", "群众来信来访办理和矛盾化解"),
        ],
    ),
    (
        "社会管理组",
        [
            ("市公安局", "公安局", "社会治安、户籍和出入境管理"),
            ("市司法局", "司法局", "公共法律服务、人民调解和普法"),
            ("市外事办公室", "外办", "外事服务和国际交流合作"),
            ("市民族宗教事务局", "民族宗教局", "民族宗教事务依法管理"),
            ("市粮食和物资储备局", "粮食和物资储备局", "粮食安全和应急物资储备"),
            ("市档案馆", "档案馆", "档案收集、保管和开放利用"),
            ("市侨务办公室", "侨办", "侨务服务和侨胞权益保护"),
            ("市社会保险事业中心", "社保中心", "社会保险经办和待遇发放"),
            ("市供销合作社", "供销社", "农资供应和农村流通服务"),
            ("市邮政管理局", "邮政管理局", "邮政快递市场监管"),
            ("市烟草专卖局", "烟草专卖局", "烟草专卖市场管理"),
            ("市公共资源交易中心", "公共资源交易中心", "工程建设和政府采购交易服务"),
            ("市广播电视台", "广播电视台", "新闻宣传和公共广播电视服务"),
        ],
    ),
]
INTERNAL_DEPARTMENTS = [
    ("市政府研究室", "研究室", "政策研究和决策咨询"),
    ("市人民防空办公室", "人防办", "人民防空工程建设和防空警报"),
    ("市机关事务管理局", "机关事务局", "机关后勤保障和公务用车管理"),
]
DISTRICTS = [
    "市南区",
    "市北区",
    "四方区",
    "李沧区",
    "崂山区",
    "城阳区",
    "黄岛区",
    "即墨市",
    "胶州市",
    "胶南市",
    "平度市",
    "莱西市",
]
# Each group meets on its own morning in the reporting phase: (month, day) before weekday fix.
MEETING_DAYS = [(11, 24), (11, 26), (12, 1), (12, 3)]

DEMO_USERS = [
    ("admin", Role.ADMIN, "联席会议办公室"),
    ("department", Role.DEPARTMENT, "发展改革委联络员"),
    ("venue", Role.VENUE_STAFF, "市级主会场工作人员"),
    # A paper ballot is keyed twice by two people: the second login lets the demo show it.
    ("venue2", Role.VENUE_STAFF, "市级主会场工作人员（第二录入人）"),
    ("supervision", Role.SUPERVISION, "监察局"),
    ("statistics", Role.STATISTICS, "统计局"),
    ("reviewer", Role.REVIEWER, "评审专家"),
    ("district", Role.DISTRICT, f"{REVIEWING_DISTRICT}代表审核员"),
]

Progress = Callable[..., Any]


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class DemoCalendar:
    preparation_starts: dt.date
    reporting_starts: dt.date
    handling_starts: dt.date
    closes_on: dt.date
    meetings: list[dt.date]


def demo_calendar(today: dt.date) -> DemoCalendar:
    """The city's usual calendar (meetings from 24 November to 3 December), moved earlier by
    whole weeks when the demo is built before the last meeting is over, so that every box the
    demo seals belongs to a meeting that has taken place (and weekdays stay weekdays)."""
    year = today.year
    usual = [_weekday_on_or_after(dt.date(year, month, day)) for month, day in MEETING_DAYS]
    late_by = (usual[-1] - (today - dt.timedelta(days=1))).days
    back = dt.timedelta(weeks=-(-late_by // 7)) if late_by > 0 else dt.timedelta(0)
    return DemoCalendar(
        preparation_starts=dt.date(year, 11, 2) - back,
        reporting_starts=dt.date(year, 11, 23) - back,
        handling_starts=dt.date(year, 12, 14) - back,
        closes_on=dt.date(year, 12, 31) - back,
        meetings=[day - back for day in usual],
    )


def _duties(name: str, field: str) -> str:
    return (
        f"{name}负责全市{field}工作：\n\n"
        f"1. 贯彻执行国家和省、市关于{field}的方针政策和法律法规，"
        "拟订相关规划和政策措施并组织实施。\n"
        f"2. 统筹协调全市{field}领域的重大事项，指导区市开展相关工作。\n"
        f"3. 依法履行{field}领域的监督管理职责，优化服务流程，回应市民关切。\n"
        "4. 完成市委、市政府交办的其他任务。"
    )


def _goals(field: str) -> str:
    return (
        f"1. {field}重点任务按期完成率达到 100%。\n"
        "2. 办理市民意见建议按时答复率达到 100%，满意率不低于 90%。\n"
        "3. 完成上年度三民活动中市民所提意见建议的整改落实。"
    )


def build_demo(session: Session, progress: Progress) -> list[tuple[str, str]]:
    """Create whatever of the demo campaign is missing; running it again changes nothing."""
    actor = audit.command_line_actor()
    today = beijing_today()
    year = today.year
    calendar = demo_calendar(today)
    campaign = session.execute(select(Campaign).where(Campaign.year == year)).scalar()
    created = campaign is None
    if campaign is None:
        campaign = Campaign(
            year=year,
            title=f"{year}年度“向市民报告、听市民意见、请市民评议”活动",
            phase=Phase.PREPARATION.value,
            preparation_starts=calendar.preparation_starts,
            reporting_starts=calendar.reporting_starts,
            handling_starts=calendar.handling_starts,
            closes_on=calendar.closes_on,
        )
        session.add(campaign)
        session.flush()
        audit.record(session, actor, "campaign.create", f"campaign:{year}", demo=True)

    existing = {d.code: d for d in campaign.departments}
    groups = {g.number: g for g in campaign.groups}
    plan = [
        (number, group_name, position, entry)
        for number, (group_name, entries) in enumerate(PUBLIC_GROUPS, start=1)
        for position, entry in enumerate(entries, start=1)
    ] + [(None, None, None, entry) for entry in INTERNAL_DEPARTMENTS]
    with progress(plan, label="departments") as bar:
        for index, (number, group_name, position, (name, short, field)) in enumerate(bar, 1):
            group = None
            if number is not None:
                group = groups.get(number)
                if group is None:
                    group = Group(campaign=campaign, number=number, name=group_name)
                    session.add(group)
                    groups[number] = group
            code = f"D{index:02d}"
            if code in existing:
                continue
            session.add(
                Department(
                    campaign=campaign,
                    code=code,
                    name=name,
                    short_name=short,
                    duties=_duties(name, field),
                    annual_goals=_goals(field),
                    evaluation_mode=(
                        EvaluationMode.PUBLIC if group else EvaluationMode.INTERNAL
                    ).value,
                    group=group,
                    order_in_group=position,
                )
            )
    session.flush()

    venues = {v.name: v for v in campaign.venues}
    wanted = [("市级主会场", VenueKind.MAIN, "", MAIN_VENUE_CAPACITY)] + [
        (f"{district}分会场", VenueKind.DISTRICT, district, DISTRICT_VENUE_CAPACITY)
        for district in DISTRICTS
    ]
    with progress(wanted, label="venues") as bar:
        for name, kind, district, capacity in bar:
            if name not in venues:
                venues[name] = Venue(
                    campaign=campaign,
                    name=name,
                    kind=kind.value,
                    district=district,
                    capacity=capacity,
                )
                session.add(venues[name])
    for number, day in enumerate(calendar.meetings, start=1):
        group = groups[number]
        if group.meeting is None:
            session.add(Meeting(group=group, date=day, starts_at=MEETING_START))
    session.flush()

    logins = []
    for username, role, display in DEMO_USERS:
        user = session.execute(select(User).where(User.username == username)).scalar()
        if user is None:
            user = User(username=username, role=role.value, display_name=display)
            if role == Role.DEPARTMENT:
                user.department = next(
                    d for d in campaign.departments if d.code == DEMO_LIAISON_DEPARTMENT
                )
            if role == Role.VENUE_STAFF:
                user.venue = venues[DEMO_STAFF_VENUE]
            if role == Role.DISTRICT:
                user.venue = venues[f"{REVIEWING_DISTRICT}分会场"]
            user.set_password(DEMO_PASSWORD)
            session.add(user)
            session.flush()
            audit.record(
                session, actor, "user.create", f"user:{username}", role=role.value, demo=True
            )
        logins.append((username, display))
    fields = {
        f"D{i:02d}": field
        for i, (_n, _s, field) in enumerate(
            [e for _g, entries in PUBLIC_GROUPS for e in entries] + INTERNAL_DEPARTMENTS, start=1
        )
    }
    build_demo_reports(session, campaign, actor, progress, fields)
    if created:
        move_phase(session, campaign, Phase.REPORTING, actor)
    ensure_boxes(session, campaign, actor)
    demo_ceremony(session, campaign, actor, current_app.config["BALLOT_KEY_COST"])
    build_demo_questionnaires(session, campaign, actor)
    build_demo_representatives(session, campaign, actor)
    simulate_ballots(
        session, campaign, demo_box(session), progress, demo_respondents(session, campaign)
    )
    build_demo_suggestions(session, campaign, actor)
    route_demo_texts(session, campaign, actor)
    build_demo_tasks(session, campaign, actor, today)
    build_demo_discussion(session, campaign, actor, today)
    build_demo_results_at_work(session, campaign, actor)
    build_demo_appeal(session, campaign, actor, today)
    return logins


def demo_box(session: Session) -> BallotBox:
    """Group 1's box at the main venue: it stays open for the public demo cards."""
    campaign = session.execute(select(Campaign).order_by(Campaign.year.desc())).scalar()
    return next(
        b
        for b in boxes_of(session, campaign)
        if b.meeting and b.meeting.group.number == 1 and b.venue.kind == VenueKind.MAIN
    )


def demo_cards(session: Session) -> tuple[BallotBox, list[Card]]:
    """Open group 1's box at the main venue with a few cards whose secrets are public.

    Real cards come from `issue_cards` alone; these are derived from their number so that
    every run of the demo can print the same working voting URLs.
    """
    box = demo_box(session)
    cards = [
        Card(
            token=hashlib.sha256(f"sanmin-demo-card-{box.id}-{i}".encode()).hexdigest()[:32],
            short_code=f"DEMO{i:06d}",
        )
        for i in range(1, DEMO_CARDS + 1)
    ]
    known = session.execute(
        select(VotingToken.token_hash).where(VotingToken.box_id == box.id)
    ).scalars()
    if hash_secret(cards[0].token) not in set(known):
        issue_cards(
            session,
            box,
            len(cards),
            audit.command_line_actor(),
            cards,
            over_limit_reason="演示用评议卡，网址公开，供试投",
        )
    if box.current_state == BoxState.NOT_OPEN:
        move_box(session, box, BoxState.OPEN, None)
    elif box.current_state == BoxState.OPEN and box.public_key is None:
        prepare_box_key(session, box)  # a demo built before ballots were sealed to a key
    return box, cards
