"""Voting cards (评议卡): issued within the box's limit, more when approved, a lost one voided."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.boxes import box_label, box_seats, checked_reason
from ballots.models import (
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    TOKEN_BYTES,
    BallotBox,
    BoxState,
    CardApproval,
    TokenState,
    VotingToken,
)
from evaluation.campaign.services import require_count_open
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused

MAX_CARDS_PER_BATCH = 5000


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def short_code_hash(box_id: int, short_code: str) -> str:
    return hash_secret(f"{box_id}:{normalise_short_code(short_code)}")


def normalise_short_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_short_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def random_code(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class Card:
    """A printed card: its raw token and short code exist only here, at issue time."""

    token: str
    short_code: str


def default_card_count(box: BallotBox) -> int:
    """Seats plus the campaign's spare share: what a venue prints before the meeting."""
    seats = box_seats(box)
    return seats + math.ceil(seats * box.campaign.spare_card_percent / 100)


def approved_extra_cards(session: Session, box: BallotBox) -> int:
    return session.execute(
        select(func.coalesce(func.sum(CardApproval.count), 0)).where(CardApproval.box_id == box.id)
    ).scalar_one()


def card_limit(session: Session, box: BallotBox) -> int:
    """Valid cards a box may have: seats and spares, and what supervision approved beyond."""
    return default_card_count(box) + approved_extra_cards(session, box)


def valid_cards(session: Session, box: BallotBox) -> int:
    """Cards issued and not voided: a voided card's reprint takes its place."""
    return session.execute(
        select(func.count())
        .select_from(VotingToken)
        .where(VotingToken.box_id == box.id, VotingToken.state != TokenState.VOIDED.value)
    ).scalar_one()


def approve_extra_cards(
    session: Session, box: BallotBox, count: int, reason: str, actor: str
) -> CardApproval:
    """Record supervision's approval of `count` cards beyond the box's limit, and why."""
    reason = checked_reason(reason)
    if not 1 <= count <= MAX_CARDS_PER_BATCH:
        raise Refused(_("每批发卡数量应在 1 到 %(n)s 张之间。", n=MAX_CARDS_PER_BATCH))
    approval = CardApproval(
        box_id=box.id,
        count=count,
        reason=reason,
        approved_by=actor,
        approved_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    session.add(approval)
    session.flush()
    audit.record(session, actor, "cards.approve", box_label(box), count=count, reason=reason)
    return approval


def issue_cards(
    session: Session,
    box: BallotBox,
    count: int,
    actor: str,
    cards: list[Card] | None = None,
    over_limit_reason: str | None = None,
) -> list[Card]:
    """Issue a batch of cards for a box. Earlier batches stay valid: nothing is voided silently.

    A box has at most its seats plus the spare share in valid cards, and what supervision
    approved beyond that; `over_limit_reason` (the command line's `--reason`) records the
    excess as an approval given by `actor`. `cards` gives the batch ready-made (the demo's,
    whose secrets are public); normally they are drawn here from the system's random source.
    """
    if not 1 <= count <= MAX_CARDS_PER_BATCH:
        raise Refused(_("每批发卡数量应在 1 到 %(n)s 张之间。", n=MAX_CARDS_PER_BATCH))
    require_count_open(box.campaign)
    if box.current_state not in (BoxState.NOT_OPEN, BoxState.OPEN):
        raise Conflict(_("投票箱已关闭，不能再发卡。"))
    # Two batches issued at once must not both fit under the limit.
    session.execute(select(BallotBox.id).where(BallotBox.id == box.id).with_for_update())
    limit, have = card_limit(session, box), valid_cards(session, box)
    if have + count > limit:
        if over_limit_reason is None:
            raise Conflict(
                _(
                    "本投票箱最多可有 %(limit)s 张有效评议卡（已有 %(have)s 张），"
                    "超出座位和备用卡的部分须经监察局批准追加。",
                    limit=limit,
                    have=have,
                )
            )
        approve_extra_cards(session, box, have + count - limit, over_limit_reason, actor)
    batch = (
        session.execute(
            select(func.coalesce(func.max(VotingToken.batch), 0)).where(
                VotingToken.box_id == box.id
            )
        ).scalar_one()
        + 1
    )
    cards = list(cards or [])
    codes: set[str] = {c.short_code for c in cards}
    while len(cards) < count:
        code = random_code(SHORT_CODE_ALPHABET, SHORT_CODE_LENGTH)
        if code in codes:
            continue
        codes.add(code)
        cards.append(Card(secrets.token_urlsafe(TOKEN_BYTES), code))
    session.add_all(
        VotingToken(
            box_id=box.id,
            token_hash=hash_secret(card.token),
            short_code_hash=short_code_hash(box.id, card.short_code),
            batch=batch,
        )
        for card in cards
    )
    session.flush()
    audit.record(session, actor, "cards.issue", box_label(box), batch=batch, count=count)
    return cards


def card_by_short_code(session: Session, box: BallotBox, short_code: str) -> VotingToken:
    """The box's card with this short code (as printed, in any case, with or without '-')."""
    token = session.execute(
        select(VotingToken).where(
            VotingToken.box_id == box.id,
            VotingToken.short_code_hash == short_code_hash(box.id, short_code),
        )
    ).scalar()
    if token is None:
        raise NotFound(_("本投票箱没有这个短码的评议卡。"))
    return token


def void_card(session: Session, box: BallotBox, short_code: str, actor: str) -> None:
    """Void a lost card by its short code, so that nobody can vote with it."""
    token = card_by_short_code(session, box, short_code)
    if token.state == TokenState.USED:
        raise Conflict(_("这张评议卡已经投过票，不能作废。"))
    if token.state == TokenState.VOIDED:
        raise Conflict(_("这张评议卡已经作废。"))
    token.state = TokenState.VOIDED.value
    session.flush()
    audit.record(session, actor, "cards.void", box_label(box), batch=token.batch)
