"""The stratified draw (随机抽取) of representatives with a public seed, replayable by anyone.

The statistics bureau enters a seed it did not choose (e.g. a published lottery number) and
it is recorded. `plan` needs only the candidates' public 编号, category and district, the
quotas and the seed, and gives the same draw anywhere:

- `rng = numpy.random.default_rng(int(seed))`, one generator for the whole draw;
- strata in order: meetings by group number; within a meeting the district venues by name
  (Unicode order), then the main venue; within a venue the campaign's categories in order;
  within a category, where the quotas divide it, sex (any, 男, 女) then age band (any, then
  the bands in their order);
- a stratum's pool: candidates of its category (and of its sex and age band, where it names
  them), of the venue's district (the main venue draws from every district), not yet invited
  in this campaign (nor, on request, last year), sorted by 编号; `rng.permutation(len(pool))`
  orders it; the first `quota` are invited, the next ones (as many as the quota, at least
  MIN_RESERVES) are its ranked reserves (候补);
- a pool smaller than its quota is all invited and the shortfall is reported.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Group, Meeting, VenueKind
from evaluation.core import audit
from evaluation.core.errors import Conflict, Refused
from representatives.models import (
    AGE_BANDS,
    SEXES,
    Candidate,
    Draw,
    DrawPlace,
    Quota,
    Representative,
    categories_of,
)
from representatives.roster import require_no_draw

MIN_RESERVES = 5
SEED = re.compile(r"\d{1,40}")
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
INVITATION_LENGTH = 10


@dataclass(frozen=True)
class Person:
    """What the draw knows of a candidate: all of it is public in the draw's record."""

    person_id: str
    category: str
    district: str
    sex: str = ""
    age_band: str = ""


@dataclass(frozen=True)
class Stratum:
    group: int  # the meeting's group number
    venue: str
    district: str
    main: bool
    category: str
    quota: int
    sex: str = ""  # "" is any
    age_band: str = ""

    def admits(self, person: Person) -> bool:
        return (
            person.category == self.category
            and (self.main or person.district == self.district)
            and self.sex in ("", person.sex)
            and self.age_band in ("", person.age_band)
        )


@dataclass(frozen=True)
class Drawn:
    stratum: Stratum
    invited: list[str]  # 编号, in drawn order
    reserves: list[str]

    @property
    def short(self) -> int:
        return self.stratum.quota - len(self.invited)


def stratum_order(strata: list[Stratum], categories: tuple[str, ...]) -> list[Stratum]:
    sexes, bands = ("", *SEXES), ("", *AGE_BANDS)
    return sorted(
        strata,
        key=lambda s: (
            s.group,
            s.main,
            s.venue,
            categories.index(s.category),
            sexes.index(s.sex),
            bands.index(s.age_band),
        ),
    )


def plan(
    people: list[Person],
    strata: list[Stratum],
    categories: tuple[str, ...],
    seed: str,
    excluded: frozenset[str] = frozenset(),
) -> list[Drawn]:
    """The draw from public data alone (see the module's description)."""
    rng = np.random.default_rng(int(seed))
    taken = set(excluded)
    result = []
    for stratum in stratum_order(strata, categories):
        pool = sorted(p.person_id for p in people if stratum.admits(p) and p.person_id not in taken)
        order = [pool[i] for i in rng.permutation(len(pool))]
        invited = order[: stratum.quota]
        reserves = order[stratum.quota : stratum.quota + max(stratum.quota, MIN_RESERVES)]
        taken.update(invited)
        result.append(Drawn(stratum, invited, reserves))
    return result


def strata_of(session: Session, campaign: Campaign) -> list[tuple[Stratum, Quota]]:
    quotas = session.execute(
        select(Quota).join(Meeting).join(Group).where(Group.campaign_id == campaign.id)
    ).scalars()
    return [
        (
            Stratum(
                group=q.meeting.group.number,
                venue=q.venue.name,
                district=q.venue.district,
                main=q.venue.kind == VenueKind.MAIN,
                category=q.category,
                quota=q.count,
                sex=q.sex,
                age_band=q.age_band,
            ),
            q,
        )
        for q in quotas
        if q.count > 0
    ]


def _previous_invited(session: Session, campaign: Campaign) -> frozenset[str]:
    """编号 of the people invited in the campaign before this one."""
    previous = session.execute(
        select(Campaign).where(Campaign.year < campaign.year).order_by(Campaign.year.desc())
    ).scalar()
    if previous is None:
        return frozenset()
    return frozenset(
        session.execute(
            select(Candidate.person_id)
            .join(Representative, Representative.candidate_id == Candidate.id)
            .where(Candidate.campaign_id == previous.id)
        ).scalars()
    )


def new_invitation_code() -> str:
    return "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(INVITATION_LENGTH))


def invitation(
    candidate: Candidate,
    meeting_id: int,
    venue_id: int,
    code: str | None = None,
    attended: bool = False,
) -> Representative:
    """A candidate invited to one meeting at one venue, with a fresh invitation code."""
    return Representative(
        meeting_id=meeting_id,
        venue_id=venue_id,
        name=candidate.name,
        category=candidate.category,
        district=candidate.district,
        candidate_id=candidate.id,
        invitation_code=code or new_invitation_code(),
        attended=attended,
    )


def run_draw(
    session: Session, campaign: Campaign, seed: str, actor: str, not_last_year: bool = False
) -> list[Drawn]:
    """Draw every stratum, record the seed and every place, and invite the first of each."""
    seed = seed.strip()
    if not SEED.fullmatch(seed):
        raise Refused(_("随机种子应为 1–40 位数字（例如公开发布的彩票开奖号码）。"))
    require_no_draw(session, campaign)
    if session.execute(
        select(Representative.id)
        .join(Meeting, Meeting.id == Representative.meeting_id)
        .join(Group)
        .where(Group.campaign_id == campaign.id)
    ).first():
        raise Conflict(_("已经导入了代表名单，不能再抽取。"))
    strata = strata_of(session, campaign)
    if not strata:
        raise Conflict(_("还没有设置名额，无法抽取。"))
    candidates = list(
        session.execute(select(Candidate).where(Candidate.campaign_id == campaign.id)).scalars()
    )
    if not candidates:
        raise Conflict(_("代表库是空的，无法抽取。"))
    by_person = {c.person_id: c for c in candidates}
    excluded = _previous_invited(session, campaign) if not_last_year else frozenset()
    drawn = plan(
        [
            Person(c.person_id, c.category, c.district, c.sex or "", c.age_band or "")
            for c in candidates
        ],
        [s for s, _q in strata],
        categories_of(campaign),
        seed,
        excluded,
    )
    draw = Draw(
        campaign_id=campaign.id,
        seed=seed,
        drawn_by=actor,
        drawn_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    session.add(draw)
    session.flush()
    quota_of = {s: q for s, q in strata}
    codes: set[str] = set()
    for d in drawn:
        quota = quota_of[d.stratum]
        for position, person in enumerate(d.invited + d.reserves, start=1):
            session.add(
                DrawPlace(
                    draw_id=draw.id,
                    meeting_id=quota.meeting_id,
                    venue_id=quota.venue_id,
                    category=quota.category,
                    sex=quota.sex,
                    age_band=quota.age_band,
                    position=position,
                    candidate_id=by_person[person].id,
                )
            )
        for person in d.invited:
            code = new_invitation_code()
            while code in codes:  # 32^10: a clash is all but impossible, still never reused
                code = new_invitation_code()
            codes.add(code)
            session.add(invitation(by_person[person], quota.meeting_id, quota.venue_id, code))
    session.flush()
    audit.record(
        session,
        actor,
        "representatives.draw",
        f"campaign:{campaign.year}",
        seed=seed,
        invited=sum(len(d.invited) for d in drawn),
        short=sum(d.short for d in drawn),
        not_last_year=not_last_year,
    )
    return drawn
