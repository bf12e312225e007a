"""District review (区市审核) and the statistics bureau's view of the draw.

A district venue's staff see who was drawn for their venue and may replace a person (moved
away, ill, a conflict of interest) with the next of that stratum's ranked reserves, with a
reason; the reserves of a district venue are that district's people, so a district can only
bring in its own. Every replacement is audited, and the replaced person's invitation lapses.
When the list is right the district accepts it (审核确认); a later replacement withdraws the
acceptance, so what was accepted is always the list as it stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Group, Meeting
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from representatives.draw import invitation
from representatives.models import (
    Candidate,
    Draw,
    DrawPlace,
    ListAcceptance,
    Quota,
    Representative,
)

MIN_REASON, MAX_REASON = 4, 200


def invitees(session: Session, meeting_id: int, venue_id: int) -> list[Representative]:
    return list(
        session.execute(
            select(Representative)
            .where(Representative.meeting_id == meeting_id, Representative.venue_id == venue_id)
            .order_by(Representative.category, Representative.id)
        ).scalars()
    )


def _removable(
    session: Session, person_id: int, venue_id: int, reason: str
) -> tuple[Representative, DrawPlace, str]:
    """A drawn person of this venue who may leave the list, their drawn place, the reason."""
    reason = " ".join(reason.split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise Refused(
            _("请写明理由（%(a)s–%(b)s 个字）。", a=MIN_REASON, b=MAX_REASON), field="reason"
        )
    person = session.get(Representative, person_id)
    if person is None or person.venue_id != venue_id:
        raise NotFound(_("本会场的名单中没有这位代表。"))
    if person.candidate_id is None:
        raise Conflict(_("只有抽取产生的代表可以在这里替换或取消。"))
    if person.attended:
        raise Conflict(_("这位代表已经签到，不能替换或取消。"))
    place = session.execute(
        select(DrawPlace).where(
            DrawPlace.meeting_id == person.meeting_id,
            DrawPlace.venue_id == person.venue_id,
            DrawPlace.candidate_id == person.candidate_id,
        )
    ).scalar_one()
    return person, place, reason


def _strike(session: Session, person: Representative, place: DrawPlace) -> bool:
    """Take the person off the list for good (struck from the draw: never brought back as a
    reserve, nor at the door); the venue's acceptance of the list lapses. Whether it had one."""
    place.struck = True
    session.delete(person)
    withdrawn = session.execute(
        delete(ListAcceptance).where(
            ListAcceptance.meeting_id == place.meeting_id,
            ListAcceptance.venue_id == place.venue_id,
        )
    ).rowcount
    session.flush()
    return bool(withdrawn)


def free_places(meeting_id: int, venue_id: int) -> Select:
    """The venue's drawn places for the meeting whose person is neither invited anywhere nor
    struck: reserves, in drawn order per stratum."""
    invited = select(Representative.candidate_id).where(Representative.candidate_id.is_not(None))
    return (
        select(DrawPlace)
        .where(
            DrawPlace.meeting_id == meeting_id,
            DrawPlace.venue_id == venue_id,
            DrawPlace.struck.is_(False),
            DrawPlace.candidate_id.not_in(invited),
        )
        .order_by(DrawPlace.category, DrawPlace.sex, DrawPlace.age_band, DrawPlace.position)
    )


def replace_invitee(
    session: Session, person_id: int, venue_id: int, reason: str, actor: str
) -> Representative:
    """Replace a drawn person of this venue with the stratum's next free reserve."""
    person, place, reason = _removable(session, person_id, venue_id, reason)
    reserve = (
        session.execute(
            free_places(place.meeting_id, place.venue_id).where(
                DrawPlace.category == place.category,
                DrawPlace.sex == place.sex,
                DrawPlace.age_band == place.age_band,
            )
        )
        .scalars()
        .first()
    )
    if reserve is None:
        raise Conflict(_("这一类别的候补已经用完，请联系统计局，或取消邀请。"))
    out = session.get(Candidate, person.candidate_id)
    withdrawn = _strike(session, person, place)
    replacement = invitation(reserve.candidate, reserve.meeting_id, reserve.venue_id)
    session.add(replacement)
    session.flush()
    audit.record(
        session,
        actor,
        "representatives.replace",
        f"venue:{venue_id}",
        meeting=reserve.meeting_id,
        out=out.person_id,
        reserve=reserve.candidate.person_id,
        position=reserve.position,
        reason=reason,
        acceptance_withdrawn=withdrawn,
    )
    return replacement


def cancel_invitee(
    session: Session, person_id: int, venue_id: int, reason: str, actor: str
) -> Candidate:
    """Cancel a drawn person's invitation without a replacement (the seat stays free for a
    reserve at the door)."""
    person, place, reason = _removable(session, person_id, venue_id, reason)
    out = session.get(Candidate, person.candidate_id)
    withdrawn = _strike(session, person, place)
    audit.record(
        session,
        actor,
        "representatives.cancel",
        f"venue:{venue_id}",
        meeting=place.meeting_id,
        out=out.person_id,
        reason=reason,
        acceptance_withdrawn=withdrawn,
    )
    return out


def acceptance_of(session: Session, meeting_id: int, venue_id: int) -> ListAcceptance | None:
    return session.execute(
        select(ListAcceptance).where(
            ListAcceptance.meeting_id == meeting_id, ListAcceptance.venue_id == venue_id
        )
    ).scalar()


def accept_list(session: Session, meeting_id: int, venue_id: int, actor: str) -> ListAcceptance:
    """The district accepts its venue's list for a meeting as it stands (audited)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not invitees(session, meeting_id, venue_id):
        raise NotFound(_("本会场在这场会议没有抽取的代表。"))
    if acceptance_of(session, meeting_id, venue_id) is not None:
        raise Conflict(_("本场名单已经确认。"))
    accepted = ListAcceptance(
        meeting_id=meeting_id,
        venue_id=venue_id,
        accepted_by=actor,
        accepted_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    session.add(accepted)
    session.flush()
    audit.record(
        session,
        actor,
        "representatives.accept",
        f"venue:{venue_id}",
        meeting=meeting_id,
        people=len(invitees(session, meeting_id, venue_id)),
    )
    return accepted


@dataclass(frozen=True)
class StratumCount:
    group: int
    venue: str
    quota: int
    invited: int
    came: int
    accepted: bool


def draw_of(session: Session, campaign: Campaign) -> Draw | None:
    return session.execute(select(Draw).where(Draw.campaign_id == campaign.id)).scalar()


def roster_counts(session: Session, campaign: Campaign) -> dict[str, dict[str, int]]:
    """District → category → candidates: the roster's shape, no one's details."""
    counts: dict[str, dict[str, int]] = {}
    for district, category, n in session.execute(
        select(Candidate.district, Candidate.category, func.count())
        .where(Candidate.campaign_id == campaign.id)
        .group_by(Candidate.district, Candidate.category)
    ):
        counts.setdefault(district, {})[category] = n
    return dict(sorted(counts.items()))


def venue_counts(session: Session, campaign: Campaign) -> list[StratumCount]:
    """Per meeting and venue: the quota, who is invited and who came."""
    quotas = {
        (m, v): n
        for m, v, n in session.execute(
            select(Quota.meeting_id, Quota.venue_id, func.sum(Quota.count))
            .join(Meeting)
            .join(Group)
            .where(Group.campaign_id == campaign.id)
            .group_by(Quota.meeting_id, Quota.venue_id)
        )
    }
    people: dict[tuple[int, int], list[int]] = {}
    for m, v, attended, n in session.execute(
        select(
            Representative.meeting_id,
            Representative.venue_id,
            Representative.attended,
            func.count(),
        )
        .join(Meeting, Meeting.id == Representative.meeting_id)
        .join(Group)
        .where(Group.campaign_id == campaign.id)
        .group_by(Representative.meeting_id, Representative.venue_id, Representative.attended)
    ):
        pair = people.setdefault((m, v), [0, 0])
        pair[0] += n
        pair[1] += n if attended else 0
    meetings = {
        m.id: m.group.number
        for m in session.execute(
            select(Meeting).join(Group).where(Group.campaign_id == campaign.id)
        ).scalars()
    }
    venues = {v.id: v.name for v in campaign.venues}
    accepted = {
        (m, v)
        for m, v in session.execute(
            select(ListAcceptance.meeting_id, ListAcceptance.venue_id).where(
                ListAcceptance.meeting_id.in_(list(meetings))
            )
        )
    }
    keys = sorted(set(quotas) | set(people), key=lambda k: (meetings[k[0]], venues[k[1]]))
    return [
        StratumCount(
            meetings[m],
            venues[v],
            quotas.get((m, v), 0),
            *people.get((m, v), [0, 0]),
            accepted=(m, v) in accepted,
        )
        for m, v in keys
    ]
