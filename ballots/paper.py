"""Paper ballots: entered twice by two staff members; a disagreement goes to supervision."""

from __future__ import annotations

import json
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ballots.models import (
    Ballot,
    BallotBox,
    BallotRating,
    BoxState,
    Channel,
    PaperEntry,
    PaperEntryState,
    Rating,
    TokenState,
    VotingToken,
)
from ballots.services import box_label, card_by_short_code, check_ratings, hold_box_state
from evaluation import audit
from evaluation.errors import Conflict, Forbidden, NotFound
from evaluation.models import Role, User

ENTRY_OPEN_STATES = (BoxState.OPEN, BoxState.CLOSED)


def _as_json(ratings: dict[int, Rating]) -> str:
    return json.dumps({str(d): r.value for d, r in sorted(ratings.items())}, sort_keys=True)


def _from_json(text: str) -> dict[int, str]:
    return {int(d): r for d, r in json.loads(text).items()}


def _store_ballot(session: Session, box: BallotBox, ratings: dict[int, str]) -> None:
    ballot_id = secrets.token_hex(16)
    session.execute(insert(Ballot).values(id=ballot_id, box_id=box.id, channel=Channel.PAPER.value))
    session.execute(
        insert(BallotRating),
        [{"ballot_id": ballot_id, "department_id": d, "rating": r} for d, r in ratings.items()],
    )


def enter_paper_ballot(
    session: Session, box: BallotBox, short_code: str, ratings: dict[int, str], user: User
) -> PaperEntryState | None:
    """Key in a paper ballot. Returns PENDING after a first entry, None once it is counted,
    CONFLICT when the second entry disagrees with the first."""
    if hold_box_state(session, box.id) not in ENTRY_OPEN_STATES:
        raise Conflict(_("只能在投票箱开箱或关箱后、封箱前录入纸质票。"))
    checked = check_ratings([d.id for d in box.departments], ratings)
    token = card_by_short_code(session, box, short_code)
    entry = session.execute(select(PaperEntry).where(PaperEntry.token_id == token.id)).scalar()
    if entry is None:
        # First entry: the card is consumed now, so it can no longer vote by phone.
        consumed = session.execute(
            update(VotingToken)
            .where(VotingToken.id == token.id, VotingToken.state == TokenState.UNUSED.value)
            .values(state=TokenState.USED.value)
        ).rowcount
        if consumed != 1:
            if token.state == TokenState.VOIDED:
                raise Conflict(_("这张评议卡已经作废。"))
            raise Conflict(_("这张评议卡已经投过票（手机或纸质）。"))
        session.add(
            PaperEntry(
                box_id=box.id, token_id=token.id, first_by=user.id, first_ratings=_as_json(checked)
            )
        )
        session.flush()
        audit.record(session, user.username, "paper.first_entry", box_label(box))
        return PaperEntryState.PENDING
    if entry.state == PaperEntryState.CONFLICT:
        raise Conflict(_("这张纸质票两次录入不一致，正等待监察局核对。"))
    if entry.first_by == user.id:
        raise Conflict(_("第二次录入须由另一位工作人员完成。"))
    if _as_json(checked) == entry.first_ratings:
        _store_ballot(session, box, _from_json(entry.first_ratings))
        session.delete(entry)
        session.flush()
        audit.record(session, user.username, "paper.confirmed", box_label(box))
        return None
    entry.second_by, entry.second_ratings = user.id, _as_json(checked)
    entry.state = PaperEntryState.CONFLICT.value
    session.flush()
    audit.record(session, user.username, "paper.conflict", box_label(box))
    return PaperEntryState.CONFLICT


def conflicts(session: Session, box: BallotBox) -> list[PaperEntry]:
    query = (
        select(PaperEntry)
        .where(PaperEntry.box_id == box.id, PaperEntry.state == PaperEntryState.CONFLICT.value)
        .order_by(PaperEntry.id)
    )
    return list(session.execute(query).scalars())


def resolve_conflict(
    session: Session, box: BallotBox, entry_id: int, ratings: dict[int, str], user: User
) -> None:
    """Supervision decides a disagreement against the paper: the ballot is stored as read."""
    if user.role not in (Role.SUPERVISION, Role.ADMIN):
        raise Forbidden(_("只有监察局可以核对不一致的纸质票。"))
    entry = session.get(PaperEntry, entry_id)
    if entry is None or entry.box_id != box.id or entry.state != PaperEntryState.CONFLICT:
        raise NotFound(_("找不到这张待核对的纸质票。"))
    if hold_box_state(session, box.id) not in ENTRY_OPEN_STATES:
        raise Conflict(_("只能在投票箱开箱或关箱后、封箱前录入纸质票。"))
    checked = check_ratings([d.id for d in box.departments], ratings)
    _store_ballot(session, box, {d: r.value for d, r in checked.items()})
    session.delete(entry)
    session.flush()
    audit.record(session, user.username, "paper.resolved", box_label(box))


def unfinished_entries(session: Session, box: BallotBox) -> int:
    return session.execute(
        select(func.count()).select_from(PaperEntry).where(PaperEntry.box_id == box.id)
    ).scalar_one()
