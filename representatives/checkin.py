"""Check-in on the day (签到): several desks at one venue at once, one tap per person.

Each check-in changes only its own person's row, in one conditional UPDATE, so two desks never
overwrite each other and a repeated tap counts once. Nothing records a time or which card a
person was then handed: attendance stays apart from the cards and the ballots.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from representatives.draw import INVITATION_ALPHABET, INVITATION_LENGTH, invitation
from representatives.models import Candidate, DrawPlace, Representative
from representatives.review import free_places

MAX_FOUND = 30


@dataclass(frozen=True)
class CheckedIn:
    person: Representative
    newly: bool  # False: this person had already been checked in


def find_invited(
    session: Session, meeting_id: int, venue_id: int, typed: str
) -> list[Representative]:
    """The venue's invitees of the meeting that match what the desk typed: an invitation code
    (as on the letter or read from its QR), the last 4 digits of a phone, or part of a name."""
    typed = "".join(typed.split())[:50]
    if not typed:
        return []
    here = (Representative.meeting_id == meeting_id, Representative.venue_id == venue_id)
    code = typed.upper().replace("-", "")
    if len(code) == INVITATION_LENGTH and all(c in INVITATION_ALPHABET for c in code):
        match = Representative.invitation_code == code
    elif len(typed) == 4 and typed.isdigit():
        match = Representative.candidate_id.in_(
            select(Candidate.id).where(Candidate.phone_tail == typed)
        )
    else:
        match = Representative.name.contains(typed, autoescape=True)
    query = select(Representative).where(*here, match).order_by(Representative.name)
    return list(session.execute(query.limit(MAX_FOUND)).scalars())


def _mark(session: Session, meeting_id: int, venue_id: int, person_id: int, came: bool) -> bool:
    """Set one invitee's attendance if it is not so already; whether it changed."""
    return bool(
        session.execute(
            update(Representative)
            .where(
                Representative.id == person_id,
                Representative.meeting_id == meeting_id,
                Representative.venue_id == venue_id,
                Representative.attended.is_(not came),
            )
            .values(attended=came)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def check_in(session: Session, meeting_id: int, venue_id: int, person_id: int) -> CheckedIn:
    """Mark one invitee of this venue's meeting as come; a repeat changes nothing."""
    changed = _mark(session, meeting_id, venue_id, person_id, True)
    person = session.get(Representative, person_id)
    if person is None or (person.meeting_id, person.venue_id) != (meeting_id, venue_id):
        raise NotFound(_("本会场本场会议的名单中没有这位代表。"))
    session.refresh(person)
    return CheckedIn(person, changed)


def undo_check_in(session: Session, meeting_id: int, venue_id: int, person_id: int) -> None:
    """Take back a check-in made by mistake (before any card is handed over)."""
    if not _mark(session, meeting_id, venue_id, person_id, False):
        raise Refused(_("这位代表尚未签到。"), 409)


def free_reserves(session: Session, meeting_id: int, venue_id: int) -> list[DrawPlace]:
    """The venue's drawn reserves for the meeting who are not invited anywhere yet nor struck,
    in drawn order per stratum: who may come in at the door (递补) when seats are free."""
    return list(session.execute(free_places(meeting_id, venue_id)).scalars())


def walk_in(
    session: Session, meeting_id: int, venue_id: int, place_id: int, seats: int, actor: str
) -> Representative:
    """A reserve who came to the door takes a free seat: invited and checked in at once."""
    place = session.get(DrawPlace, place_id)
    if place is None or (place.meeting_id, place.venue_id) != (meeting_id, venue_id):
        raise NotFound(_("本会场本场会议的候补名单中没有这位代表。"))
    if place.struck:
        raise Conflict(_("%(name)s 已被区市审核替换或取消，不能递补。", name=place.candidate.name))
    listed = session.execute(
        select(func.count())
        .select_from(Representative)
        .where(Representative.meeting_id == meeting_id, Representative.venue_id == venue_id)
    ).scalar_one()
    if listed >= seats:
        raise Conflict(_("本会场 %(n)s 个座位已经排满，不能再递补。", n=seats))
    candidate = place.candidate
    person = invitation(candidate, meeting_id, venue_id, attended=True)
    try:
        with session.begin_nested():  # one person, one invitation: a second desk loses here
            session.add(person)
    except IntegrityError:
        raise Conflict(_("%(name)s 已经在名单上。", name=candidate.name)) from None
    audit.record(
        session,
        actor,
        "representatives.walk_in",
        f"venue:{venue_id}",
        meeting=meeting_id,
        reserve=candidate.person_id,
        position=place.position,
    )
    return person
