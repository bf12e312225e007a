"""Ballot boxes (投票箱): finding them, who may act on which, holding a box while a ballot
goes in, and turnout counts."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from ballots.models import (
    Ballot,
    BallotBox,
    BoxState,
    TokenState,
    VotingToken,
)
from ballots.sealing import pool_counts
from evaluation.campaign.models import Campaign, Group, Meeting
from evaluation.campaign.services import meetings_of
from evaluation.core import audit
from evaluation.core.errors import Forbidden, NotFound, Refused
from evaluation.core.models import Role, User

INTERNAL_BOX_SEATS = 120  # civil servants who rate the internal departments


MIN_REASON_LENGTH, MAX_REASON_LENGTH = 4, 500


def ensure_boxes(session: Session, campaign: Campaign, actor: str) -> int:
    """Create the missing boxes: one per meeting × venue, and the internal box."""
    have = {
        (b.meeting_id, b.venue_id)
        for b in session.execute(
            select(BallotBox).where(BallotBox.campaign_id == campaign.id)
        ).scalars()
    }
    wanted = [(m.id, v.id) for m in meetings_of(session, campaign) for v in campaign.venues]
    if campaign.internal_departments:
        wanted.append((None, None))
    created = 0
    for meeting_id, venue_id in wanted:
        if (meeting_id, venue_id) not in have:
            session.add(BallotBox(campaign=campaign, meeting_id=meeting_id, venue_id=venue_id))
            created += 1
    if created:
        session.flush()
        audit.record(session, actor, "box.create", f"campaign:{campaign.year}", created=created)
    return created


def boxes_of(session: Session, campaign: Campaign, venue_id: int | None = None) -> list[BallotBox]:
    query = (
        select(BallotBox)
        .outerjoin(Meeting, BallotBox.meeting_id == Meeting.id)
        .where(BallotBox.campaign_id == campaign.id)
        .order_by(Meeting.date.is_(None), Meeting.date, Meeting.starts_at, BallotBox.venue_id)
    )
    if venue_id is not None:
        query = query.where(BallotBox.venue_id == venue_id)
    return list(session.execute(query).scalars())


def get_box(session: Session, box_id: int) -> BallotBox:
    box = session.get(BallotBox, box_id)
    if box is None:
        raise NotFound(_("找不到该投票箱。"))
    return box


def check_box_access(user: User, box: BallotBox) -> None:
    """Venue staff act only on their own venue's boxes; the internal box is the office's."""
    if user.role == Role.ADMIN:
        return
    if user.role == Role.VENUE_STAFF and box.venue_id is not None and box.venue_id == user.venue_id:
        return
    raise Forbidden(_("只能操作本会场的投票箱。"))


def box_name(box: BallotBox) -> str:
    """The box as people call it: 第1组 · 市级主会场, or the internal box."""
    if box.is_internal:
        return _("内部述职评议投票箱")
    return _("第%(n)s组", n=box.meeting.group.number) + f" · {box.venue.name}"


def box_label(box: BallotBox) -> str:
    if box.is_internal:
        return f"box:{box.id}:internal"
    return f"box:{box.id}:group{box.meeting.group.number}:{box.venue.name}"


def box_seats(box: BallotBox) -> int:
    """The representatives a box is for: its venue's seats, or the internal raters."""
    return box.venue.capacity if box.venue is not None else INTERNAL_BOX_SEATS


def checked_reason(reason: str) -> str:
    """The reason an exception to the rules is made: required, and not a novel."""
    reason = reason.strip()
    if not MIN_REASON_LENGTH <= len(reason) <= MAX_REASON_LENGTH:
        raise Refused(
            _("请写明原因（%(a)s 到 %(b)s 字）。", a=MIN_REASON_LENGTH, b=MAX_REASON_LENGTH)
        )
    return reason


# What goes into a box holds its row with a key-share lock (PostgreSQL; SQLite has one
# writer at a time) until it is stored. Closing does not wait for that lock, so a venue can
# close its box in the middle of a stream of ballots; sealing does (`move_box`), so the
# tally counts every ballot whose card was taken while the box was open.
def holding_box(statement: Select) -> Select:
    return statement.with_for_update(read=True, key_share=True, of=BallotBox)


def hold_box_state(session: Session, box_id: int) -> BoxState:
    """The box's state, held until the transaction ends: sealing waits for what it stores."""
    statement = holding_box(select(BallotBox.state).where(BallotBox.id == box_id))
    return BoxState(session.execute(statement).scalar_one())


def load_box(session: Session, box_id: int) -> BallotBox:
    """A box with everything its voting page shows: meeting, venue and departments."""
    return session.get(
        BallotBox,
        box_id,
        options=[
            joinedload(BallotBox.campaign),
            joinedload(BallotBox.venue),
            joinedload(BallotBox.meeting).joinedload(Meeting.group).selectinload(Group.departments),
        ],
    )


@dataclass
class Turnout:
    issued: int
    voided: int
    cast: int

    @property
    def valid_cards(self) -> int:
        return self.issued - self.voided

    @property
    def share(self) -> float:
        return self.cast / self.valid_cards if self.valid_cards else 0.0


def turnout_by_box(session: Session, boxes: list[BallotBox]) -> dict[int, Turnout]:
    """Cards issued, voided and ballots cast per box: counts only, never ratings."""
    ids = [b.id for b in boxes]
    counts = {i: Turnout(0, 0, 0) for i in ids}
    rows = session.execute(
        select(VotingToken.box_id, VotingToken.state, func.count())
        .where(VotingToken.box_id.in_(ids))
        .group_by(VotingToken.box_id, VotingToken.state)
    )
    for box_id, state, n in rows:
        counts[box_id].issued += n
        if state == TokenState.VOIDED:
            counts[box_id].voided += n
    # Ballots still sealed in the pool, and those written out at sealing.
    for box_id, n in pool_counts(session, ids).items():
        counts[box_id].cast += n
    for box_id, n in session.execute(
        select(Ballot.box_id, func.count()).where(Ballot.box_id.in_(ids)).group_by(Ballot.box_id)
    ):
        counts[box_id].cast += n
    return counts
