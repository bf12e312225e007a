"""Casting a ballot: the one writer of ballots, for a phone's card and a paper ballot alike."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import NamedTuple

from flask_babel import gettext as _
from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.secret import SecretBox
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ballots.boxes import holding_box, load_box
from ballots.cards import hash_secret, random_code
from ballots.models import (
    COMMENT_MAX_LENGTH,
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    BallotBox,
    BoxState,
    Channel,
    Rating,
    Receipt,
    TokenState,
    VotingToken,
)
from ballots.sealing import add_to_pool, seal_ballot
from evaluation.campaign.models import Campaign, Phase
from evaluation.core.errors import Conflict, Refused
from evaluation.core.observe import count_ballot_when_committed


class VoteRefused(Refused):
    """A voting card cannot be used now; `reason` picks the page that says what to do."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason, status)
        self.reason = reason


class IncompleteBallot(Refused):
    """Some departments have no rating: the page is shown again with them marked."""

    def __init__(self, missing: set[int]) -> None:
        super().__init__(_("还有 %(n)s 个部门没有选择，请补选后再提交。", n=len(missing)), 400)
        self.missing = missing


# The statements of the voting path, built once: every phone at a venue runs them, and
# building a statement costs more than running it.
CARD_LOOKUP = (
    select(
        VotingToken.box_id,
        VotingToken.state,
        BallotBox.state,
        Campaign.phase,
        Campaign.tally_signed_at,
    )
    .join(BallotBox, BallotBox.id == VotingToken.box_id)
    .join(Campaign, Campaign.id == BallotBox.campaign_id)
    .where(VotingToken.token_hash == bindparam("card_hash"))
)


# The card is consumed only if it is unused and its box is open in the reporting phase:
# the update either changes that one row and returns its box, or changes nothing.
CONSUME_CARD = (
    update(VotingToken)
    .where(
        VotingToken.token_hash == bindparam("card_hash"),
        VotingToken.state == TokenState.UNUSED.value,
        holding_box(
            select(BallotBox.id)
            .join(Campaign, Campaign.id == BallotBox.campaign_id)
            .where(
                BallotBox.id == VotingToken.box_id,
                BallotBox.state == BoxState.OPEN.value,
                Campaign.phase == Phase.REPORTING.value,
                Campaign.tally_signed_at.is_(None),
            )
        ).exists(),
    )
    .values(state=TokenState.USED.value, repeat_receipt=bindparam("repeat"))
    .returning(VotingToken.box_id)
    .execution_options(synchronize_session=False)
)


STORE_RECEIPT = insert(Receipt)

READ_REPEAT = select(VotingToken.repeat_receipt).where(
    VotingToken.token_hash == bindparam("card_hash")
)

# A double tap of 提交 within this time shows the same receipt again (while the box is open).
REPEAT_WINDOW_SECONDS = 10 * 60


def repeat_box(raw_token: str, nonce: str) -> SecretBox:
    """The key of a card's repeat receipt: from its token (never stored: only its SHA-256
    is) and the one-time value of the ballot page the phone posted. Another phone, or the
    same card opened afresh, has another value and cannot open it."""
    key = blake2b(
        f"{raw_token}\n{nonce}".encode(),
        digest_size=32,
        person=b"sanmin-repeat",
        encoder=RawEncoder,
    )
    return SecretBox(key)


def seal_repeat(raw_token: str, nonce: str, receipt: str, now: float) -> bytes | None:
    if not nonce:
        return None
    return bytes(repeat_box(raw_token, nonce).encrypt(f"{int(now)}:{receipt}".encode()))


def repeat_receipt(session: Session, raw_token: str, nonce: str, now: float) -> str | None:
    """The receipt of this card's ballot when the post repeats the one that cast it (the same
    page, within the window, the box still open); None otherwise."""
    if not nonce:
        return None
    sealed = (
        session.connection().execute(READ_REPEAT, {"card_hash": hash_secret(raw_token)}).scalar()
    )
    if sealed is None:
        return None
    try:
        at, receipt = repeat_box(raw_token, nonce).decrypt(sealed).decode().split(":", 1)
    except CryptoError:
        return None
    return receipt if 0 <= now - int(at) <= REPEAT_WINDOW_SECONDS else None


def card_box_id(session: Session, raw_token: str) -> int:
    """The box of a card that can vote now, or the refusal that explains why it cannot."""
    # Core statements run on the session's connection: the ORM layer adds nothing here.
    card = session.connection().execute(CARD_LOOKUP, {"card_hash": hash_secret(raw_token)}).first()
    if card is None:
        raise VoteRefused("unknown", 404)
    box_id, token_state, box_state, phase, signed_at = card
    if token_state == TokenState.USED:
        raise VoteRefused("used", 409)
    if token_state == TokenState.VOIDED:
        raise VoteRefused("voided", 410)
    if box_state != BoxState.OPEN or signed_at is not None:
        raise VoteRefused("not_open" if box_state == BoxState.NOT_OPEN else "closed", 409)
    if phase != Phase.REPORTING:
        raise VoteRefused("not_open", 409)
    return box_id


def warm_up_voting(session: Session) -> None:
    """Compile the voting path's reads by running them for a card and a box that cannot exist."""
    with contextlib.suppress(VoteRefused):
        card_box_id(session, "")
    load_box(session, 0)


class BallotShape(NamedTuple):
    """What casting needs to know of a box: the departments, in order, and its public key."""

    department_ids: list[int]
    public_key: bytes | None


def ballot_shape(session: Session, box_id: int) -> BallotShape:
    box = load_box(session, box_id)
    return BallotShape([d.id for d in box.departments], box.public_key)


def check_ratings(wanted: list[int], ratings: dict[int, str]) -> dict[int, Rating]:
    """Every department rated with one of the four answers, and nothing else."""
    valid = {r.value for r in Rating}
    if set(ratings) - set(wanted):
        raise Refused(_("评议票中有不属于本场的部门。"))
    missing = {d for d in wanted if ratings.get(d) not in valid}
    if missing:
        raise IncompleteBallot(missing=missing)
    return {d: Rating(ratings[d]) for d in wanted}


def require_box_key(public_key: bytes | None) -> bytes:
    """The box's public key; a box opened without one cannot take ballots."""
    if public_key is None:
        raise Conflict(_("投票箱尚未生成密钥，请联系会场工作人员。"))
    return public_key


def write_ballot(
    session: Session,
    box_id: int,
    public_key: bytes | None,
    channel: Channel,
    ratings: dict[int, Rating],
    comments: dict[int, str] | None = None,
) -> None:
    """The one writer of ballots, for phones and paper: the ballot goes into the box's pool
    sealed to its key (`ballots.sealing`), so nothing stored can be read back as a choice
    until two key holders seal the box."""
    sealed = seal_ballot(require_box_key(public_key), channel, ratings, comments or {})
    add_to_pool(session, box_id, sealed)
    count_ballot_when_committed(session, channel.value)
    if channel == Channel.PAPER:
        session.execute(
            update(BallotBox)
            .where(BallotBox.id == box_id)
            .values(paper_ballots=BallotBox.paper_ballots + 1)
        )


class Cast(NamedTuple):
    """What casting gives back: the voter's receipt code and the box it went into."""

    receipt: str
    box_id: int


def cast_ballot(
    session: Session,
    raw_token: str,
    ratings: dict[int, str],
    comments: dict[int, str] | None = None,
    channel: Channel = Channel.PHONE,
    shape_of: Callable[[int], BallotShape] | None = None,
    nonce: str = "",
) -> Cast:
    """Consume the card and store its ballot in one transaction; return receipt code and box.

    The card is consumed first, by a conditional update that only succeeds on an unused card
    of an open box, and holds the box until the ballot is stored (sealing waits for it); so
    two posts of one card can never both succeed. A refusal after that
    (a missing choice, a comment too long) leaves the caller to roll back, which gives the
    card back. The ballot is stored sealed to the box's key (`ballots.sealing`): nothing in
    this transaction can be read back as a choice. `shape_of(box_id)` may answer from a
    cache; by default it asks the database. `nonce`: the ballot page's one-time value, under
    which the receipt is kept for a repeat post (`repeat_receipt`). The caller commits.
    """
    connection = session.connection()  # Core statements: the ORM layer adds nothing here
    receipt = random_code(RECEIPT_ALPHABET, RECEIPT_LENGTH)
    box_id = connection.execute(
        CONSUME_CARD,
        {
            "card_hash": hash_secret(raw_token),
            "repeat": seal_repeat(raw_token, nonce, receipt, time.time()),
        },
    ).scalar()
    if box_id is None:
        card_box_id(session, raw_token)  # raises the refusal that says why
        raise VoteRefused("used", 409)  # another post of this card won just now
    shape = (shape_of or (lambda b: ballot_shape(session, b)))(box_id)
    checked = check_ratings(shape.department_ids, ratings)
    texts = {d: t.strip() for d, t in (comments or {}).items() if t and t.strip()}
    if any(len(t) > COMMENT_MAX_LENGTH for t in texts.values()):
        raise Refused(_("每条意见不能超过 %(n)s 字。", n=COMMENT_MAX_LENGTH))
    if set(texts) - set(checked):
        raise Refused(_("评议票中有不属于本场的部门。"))
    write_ballot(session, box_id, shape.public_key, channel, checked, texts)
    connection.execute(STORE_RECEIPT, {"code": receipt, "box_id": box_id})
    return Cast(receipt, box_id)
