"""Check-in on the day (签到): several desks at one venue at once, one tap per person.

Each check-in changes only its own person's row, in one conditional UPDATE, so two desks never
overwrite each other and a repeated tap counts once. Nothing records a time or which card a
person was then handed: attendance stays apart from the cards and the ballots.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from evaluation.core.errors import NotFound, Refused
from representatives.draw import INVITATION_ALPHABET, INVITATION_LENGTH
from representatives.models import Candidate, Representative

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


def check_in(session: Session, meeting_id: int, venue_id: int, person_id: int) -> CheckedIn:
    """Mark one invitee of this venue's meeting as come; a repeat changes nothing."""
    changed = session.execute(
        update(Representative)
        .where(
            Representative.id == person_id,
            Representative.meeting_id == meeting_id,
            Representative.venue_id == venue_id,
            Representative.attended.is_(False),
        )
        .values(attended=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    person = session.get(Representative, person_id)
    if person is None or (person.meeting_id, person.venue_id) != (meeting_id, venue_id):
        raise NotFound(_("本会场本场会议的名单中没有这位代表。"))
    session.refresh(person)
    return CheckedIn(person, bool(changed))


def undo_check_in(session: Session, meeting_id: int, venue_id: int, person_id: int) -> None:
    """Take back a check-in made by mistake (before any card is handed over)."""
    changed = session.execute(
        update(Representative)
        .where(
            Representative.id == person_id,
            Representative.meeting_id == meeting_id,
            Representative.venue_id == venue_id,
            Representative.attended.is_(True),
        )
        .values(attended=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Refused(_("这位代表尚未签到。"), 409)
