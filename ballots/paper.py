"""Paper ballots: entered twice by two staff members; a disagreement goes to supervision."""

from __future__ import annotations

import hashlib
import hmac

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ballots.boxes import box_label, hold_box_state
from ballots.cards import card_by_short_code
from ballots.casting import check_ratings, require_box_key, write_ballot
from ballots.models import (
    BallotBox,
    BoxState,
    Channel,
    PaperEntry,
    PaperEntryState,
    Rating,
    TokenState,
    VotingToken,
)
from evaluation.campaign.services import require_count_open
from evaluation.core import audit
from evaluation.core.errors import Conflict, Forbidden, NotFound
from evaluation.core.models import Role, User

ENTRY_OPEN_STATES = (BoxState.OPEN, BoxState.CLOSED)


def _digest(secret: str, token_id: int, ratings: dict[int, Rating]) -> str:
    """A keyed digest of one card's ratings: two entries compare without storing either.

    Keyed with the app's secret, which is not in the database, so nobody with the storage
    alone can try the few thousand possible ballots against it.
    """
    canonical = ",".join(f"{d}:{r.value}" for d, r in sorted(ratings.items()))
    message = f"paper:{token_id}:{canonical}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def enter_paper_ballot(
    session: Session,
    box: BallotBox,
    short_code: str,
    ratings: dict[int, str],
    user: User,
    secret: str,
) -> PaperEntryState | None:
    """Key in a paper ballot. Returns PENDING after a first entry, None once it is counted,
    CONFLICT when the second entry disagrees with the first. `secret` keys the digests."""
    if hold_box_state(session, box.id) not in ENTRY_OPEN_STATES:
        raise Conflict(_("只能在投票箱开箱或关箱后、封箱前录入纸质票。"))
    require_count_open(box.campaign)
    checked = check_ratings([d.id for d in box.departments], ratings)
    token = card_by_short_code(session, box, short_code)
    entry = session.execute(select(PaperEntry).where(PaperEntry.token_id == token.id)).scalar()
    digest = _digest(secret, token.id, checked)
    if entry is None:
        require_box_key(box.public_key)  # refused before the card is consumed
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
            PaperEntry(box_id=box.id, token_id=token.id, first_by=user.id, first_digest=digest)
        )
        session.flush()
        audit.record(session, user.username, "paper.first_entry", box_label(box))
        return PaperEntryState.PENDING
    if entry.state == PaperEntryState.CONFLICT:
        raise Conflict(_("这张纸质票两次录入不一致，正等待监察局核对。"))
    if entry.first_by == user.id:
        raise Conflict(_("第二次录入须由另一位工作人员完成。"))
    if hmac.compare_digest(digest, entry.first_digest):
        write_ballot(session, box.id, box.public_key, Channel.PAPER, checked)
        session.delete(entry)
        session.flush()
        audit.record(session, user.username, "paper.confirmed", box_label(box))
        return None
    entry.second_by, entry.second_digest = user.id, digest
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
    session: Session,
    box: BallotBox,
    entry_id: int,
    short_code: str,
    ratings: dict[int, str],
    user: User,
) -> None:
    """Supervision decides a disagreement against the paper: the ballot is stored as read.

    Neither entry is kept, so supervision keys in the paper ballot itself; its short code
    must be the disputed card's, so a wrong sheet cannot be counted in its place.
    """
    if user.role not in (Role.SUPERVISION, Role.ADMIN):
        raise Forbidden(_("只有监察局可以核对不一致的纸质票。"))
    entry = session.get(PaperEntry, entry_id)
    if entry is None or entry.box_id != box.id or entry.state != PaperEntryState.CONFLICT:
        raise NotFound(_("找不到这张待核对的纸质票。"))
    if hold_box_state(session, box.id) not in ENTRY_OPEN_STATES:
        raise Conflict(_("只能在投票箱开箱或关箱后、封箱前录入纸质票。"))
    checked = check_ratings([d.id for d in box.departments], ratings)
    if card_by_short_code(session, box, short_code).id != entry.token_id:
        raise Conflict(_("短码与这张待核对的纸质票不符，请核对原票。"))
    write_ballot(session, box.id, box.public_key, Channel.PAPER, checked)
    session.delete(entry)
    session.flush()
    audit.record(session, user.username, "paper.resolved", box_label(box))


def unfinished_entries(session: Session, box: BallotBox) -> int:
    return session.execute(
        select(func.count()).select_from(PaperEntry).where(PaperEntry.box_id == box.id)
    ).scalar_one()
