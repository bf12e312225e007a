"""The demo's representatives: a synthetic roster, quotas by venue size, a draw, check-ins.

Every name, phone and ID number here is made up from a fixed seed.
"""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from evaluation.campaign.imports import rows_of
from evaluation.campaign.models import Campaign, Group, Meeting, VenueKind
from representatives.draw import run_draw
from representatives.models import AGE_BANDS, SEXES, Candidate, Draw, Representative, categories_of
from representatives.review import accept_list, free_places, invitees, replace_invitee
from representatives.roster import ROSTER_COLUMNS, import_quotas, import_roster

ROSTER_SIZE = 12_000
ROSTER_SEED = 20261101
DRAW_SEED = "20261123"  # in the demo, as if read from the lottery's published draw
REVIEWING_DISTRICT = "市南区"  # the demo's district organiser; it has replaced two people
SHARES = (0.25, 0.20, 0.15, 0.20, 0.10, 0.05, 0.05)  # of a venue's seats, by category
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁"
    "龙林欣悦琳晨阳雪婷倩颖佳琪思雨"
)


def build_demo_representatives(session: Session, campaign: Campaign, actor: str) -> None:
    """A roster, quotas filling every venue's seats and the draw, unless already there."""
    if session.execute(select(Draw.id).where(Draw.campaign_id == campaign.id)).first():
        return
    rng = random.Random(ROSTER_SEED)
    categories = categories_of(campaign)
    districts = sorted({v.district for v in campaign.venues if v.district})
    if not session.execute(
        select(Candidate.id).where(Candidate.campaign_id == campaign.id)
    ).first():
        people = [
            [
                f"R{i:05}",
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                rng.choices(categories, SHARES[: len(categories)])[0],
                rng.choice(districts),
                rng.choice(SEXES),
                rng.choice(AGE_BANDS),
                f"139{i:08}",
                f"370200{1950 + i % 56}{i:08}",
            ]
            for i in range(1, ROSTER_SIZE + 1)
        ]
        import_roster(session, campaign, rows_of(ROSTER_COLUMNS, people), actor)
    quotas = []
    for meeting in session.execute(
        select(Meeting).join(Group).where(Group.campaign_id == campaign.id)
    ).scalars():
        for venue in campaign.venues:
            for category, share in zip(categories, SHARES, strict=False):
                quotas.append(
                    [
                        str(meeting.group.number),
                        venue.name,
                        category,
                        str(round(venue.capacity * share)),
                    ]
                )
    import_quotas(session, campaign, rows_of(["组别", "会场", "类别", "人数"], quotas), actor)
    run_draw(session, campaign, DRAW_SEED, actor)
    # The districts review: one replaces two people who cannot come; every district has
    # accepted its lists but that one, still reviewing (its organiser logs in as `district`).
    districts = [v for v in campaign.venues if v.kind == VenueKind.DISTRICT]
    meetings = list(
        session.execute(
            select(Meeting).join(Group).where(Group.campaign_id == campaign.id)
        ).scalars()
    )
    reviewing = next(v for v in districts if v.district == REVIEWING_DISTRICT)
    # Two people of the stratum with the most reserves still free (a small category's
    # reserves may all be invited to later meetings).
    free = Counter(
        (p.category, p.sex, p.age_band)
        for p in session.execute(free_places(meetings[0].id, reviewing.id)).scalars()
    )
    category = free.most_common(1)[0][0][0]
    people = [p for p in invitees(session, meetings[0].id, reviewing.id) if p.category == category]
    for person, reason in zip(
        people[:2], ("已迁出本区，无法到会", "与被评议部门有利害关系"), strict=False
    ):
        replace_invitee(session, person.id, reviewing.id, reason, "district")
    for venue in districts:
        if venue is reviewing:
            continue
        for meeting in meetings:
            accept_list(session, meeting.id, venue.id, f"{venue.district}审核员")


def check_in_demo(session: Session, meeting_id: int, venue_id: int, count: int) -> None:
    """The first `count` invitees of a venue's meeting came (in the demo, before voting)."""
    chosen = (
        select(Representative.id)
        .where(Representative.meeting_id == meeting_id, Representative.venue_id == venue_id)
        .order_by(Representative.id)
        .limit(count)
        .scalar_subquery()
    )
    session.execute(
        update(Representative)
        .where(Representative.id.in_(chosen))
        .values(attended=True)
        .execution_options(synchronize_session=False)
    )
