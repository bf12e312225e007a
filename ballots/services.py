"""The rules of voting: boxes and their states, issuing and voiding cards, casting a ballot."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from ballots.keys import HolderKeys, box_private_key, prepare_box_key
from ballots.models import (
    COMMENT_MAX_LENGTH,
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    TOKEN_BYTES,
    Ballot,
    BallotBox,
    BoxState,
    CardApproval,
    Channel,
    Rating,
    Receipt,
    TokenState,
    VotingToken,
)
from ballots.sealing import PURGE_AFTER_COMMIT, add_to_pool, open_pool, pool_counts, seal_ballot
from evaluation import audit
from evaluation.errors import Conflict, Forbidden, NotFound, Refused
from evaluation.models import Campaign, Group, Meeting, Phase, Role, User
from evaluation.services import meetings_of, require_count_open, require_phase

MAX_CARDS_PER_BATCH = 5000
INTERNAL_BOX_SEATS = 120  # civil servants who rate the internal departments
MIN_REASON_LENGTH, MAX_REASON_LENGTH = 4, 500

# ---------------------------------------------------------------- boxes


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


# Who may move a box from one state to the next.
BOX_MOVES = {
    (BoxState.NOT_OPEN, BoxState.OPEN): (Role.VENUE_STAFF, Role.ADMIN),
    (BoxState.OPEN, BoxState.CLOSED): (Role.VENUE_STAFF, Role.ADMIN),
    (BoxState.CLOSED, BoxState.SEALED): (Role.SUPERVISION, Role.ADMIN),
}


def check_move(box: BallotBox, target: BoxState, user: User | None) -> None:
    """Whether this user may move the box to `target` from its present state."""
    move = (box.current_state, target)
    if move not in BOX_MOVES:
        raise Conflict(_("投票箱当前状态不能进行此操作。"))
    if user is not None:
        if user.role not in BOX_MOVES[move]:
            raise Forbidden(_("您的角色不能进行此操作。"))
        if user.role == Role.VENUE_STAFF:
            check_box_access(user, box)


def move_box(
    session: Session,
    box: BallotBox,
    target: BoxState,
    user: User | None,
    keys: HolderKeys | None = None,
    note: str | None = None,
) -> None:
    """Open, close or seal a box. `user` None is the command line, which may do every move.

    Opening gives the box its key pair and records the zero report; sealing needs two
    holders' keys (`keys`) to open the pool, writes the box's ballots out in random order,
    counts them and records the closing minutes (`note`: supervision's explanation when
    there are more ballots than representatives checked in).
    """
    from ballots.manifest import record_closing_minutes, record_zero_report

    check_move(box, target, user)
    if target == BoxState.OPEN:
        require_phase(box.campaign, Phase.REPORTING)
        require_count_open(box.campaign)
        prepare_box_key(session, box)
        record_zero_report(session, box)
    if target == BoxState.SEALED:
        from ballots.paper import unfinished_entries
        from ballots.tally import store_tally

        # Wait for the ballots still being stored (their cards were taken while the box was
        # open) and take the box from every later one: then open the pool and count.
        session.execute(select(BallotBox.id).where(BallotBox.id == box.id).with_for_update())
        if unfinished_entries(session, box):
            raise Conflict(_("还有纸质票未完成两次录入或未经核对，不能封箱。"))
        if box.public_key is not None:
            if keys is None:
                raise Refused(_("开启投票箱需要两位不同持钥人的口令。"))
            open_pool(session, box, box_private_key(session, box, keys))
            session.info[PURGE_AFTER_COMMIT] = True
        store_tally(session, box)
        record_closing_minutes(session, box, note)
    session.execute(
        update(BallotBox)
        .where(BallotBox.id == box.id, BallotBox.state == box.state)
        .values(state=target.value)
    )
    session.refresh(box)
    actor = user.username if user is not None else audit.command_line_actor()
    audit.record(session, actor, f"box.{target.value}", box_label(box))


def checked_reason(reason: str) -> str:
    """The reason an exception to the rules is made: required, and not a novel."""
    reason = reason.strip()
    if not MIN_REASON_LENGTH <= len(reason) <= MAX_REASON_LENGTH:
        raise Refused(
            _("请写明原因（%(a)s 到 %(b)s 字）。", a=MIN_REASON_LENGTH, b=MAX_REASON_LENGTH)
        )
    return reason


def request_withdrawal(session: Session, box: BallotBox, user: User | None, reason: str) -> None:
    """The office asks to take a box out of the count (撤销); supervision must countersign.

    Only a box that holds no ballot and whose cards are all unused can be withdrawn:
    nothing acknowledged to a voter may leave the count.
    """
    if user is not None and user.role != Role.ADMIN:
        raise Forbidden(_("只有联席会议办公室可以申请撤销投票箱。"))
    reason = checked_reason(reason)
    _check_withdrawable(session, box)
    box.withdrawal_reason = reason
    box.withdrawal_requested_by = user.username if user else audit.command_line_actor()
    session.flush()
    audit.record(
        session, box.withdrawal_requested_by, "box.withdraw_request", box_label(box), reason=reason
    )


def confirm_withdrawal(session: Session, box: BallotBox, user: User | None) -> None:
    """Supervision countersigns a withdrawal asked for by someone else."""
    actor = user.username if user else audit.command_line_actor()
    if user is not None and user.role != Role.SUPERVISION:
        raise Forbidden(_("撤销投票箱须由监察局会签。"))
    if box.withdrawal_reason is None:
        raise Conflict(_("这个投票箱没有待会签的撤销申请。"))
    if box.withdrawal_requested_by == actor:
        raise Conflict(_("会签须由另一人进行。"))
    session.execute(select(BallotBox.id).where(BallotBox.id == box.id).with_for_update())
    _check_withdrawable(session, box)
    session.execute(
        update(BallotBox)
        .where(BallotBox.id == box.id, BallotBox.state == box.state)
        .values(state=BoxState.WITHDRAWN.value)
    )
    session.refresh(box)
    audit.record(session, actor, "box.withdrawn", box_label(box), reason=box.withdrawal_reason)


def _check_withdrawable(session: Session, box: BallotBox) -> None:
    if box.current_state in (BoxState.SEALED, BoxState.WITHDRAWN):
        raise Conflict(_("投票箱当前状态不能进行此操作。"))
    used = session.execute(
        select(func.count())
        .select_from(VotingToken)
        .where(VotingToken.box_id == box.id, VotingToken.state == TokenState.USED.value)
    ).scalar_one()
    if used or turnout_by_box(session, [box])[box.id].cast:
        raise Conflict(_("投票箱里已有选票，不能撤销：请按正常程序关箱、封箱。"))


def box_label(box: BallotBox) -> str:
    if box.is_internal:
        return f"box:{box.id}:internal"
    return f"box:{box.id}:group{box.meeting.group.number}:{box.venue.name}"


# ---------------------------------------------------------------- cards


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def short_code_hash(box_id: int, short_code: str) -> str:
    return hash_secret(f"{box_id}:{normalise_short_code(short_code)}")


def normalise_short_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_short_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _random_code(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class Card:
    """A printed card: its raw token and short code exist only here, at issue time."""

    token: str
    short_code: str


def box_seats(box: BallotBox) -> int:
    """The representatives a box is for: its venue's seats, or the internal raters."""
    return box.venue.capacity if box.venue is not None else INTERNAL_BOX_SEATS


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
        code = _random_code(SHORT_CODE_ALPHABET, SHORT_CODE_LENGTH)
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


# ---------------------------------------------------------------- casting


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


# What goes into a box holds its row with a key-share lock (PostgreSQL; SQLite has one
# writer at a time) until it is stored. Closing does not wait for that lock, so a venue can
# close its box in the middle of a stream of ballots; sealing does (`move_box`), so the
# tally counts every ballot whose card was taken while the box was open.
def _holding_box(statement: Select) -> Select:
    return statement.with_for_update(read=True, key_share=True, of=BallotBox)


# The card is consumed only if it is unused and its box is open in the reporting phase:
# the update either changes that one row and returns its box, or changes nothing.
CONSUME_CARD = (
    update(VotingToken)
    .where(
        VotingToken.token_hash == bindparam("card_hash"),
        VotingToken.state == TokenState.UNUSED.value,
        _holding_box(
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
    .values(state=TokenState.USED.value)
    .returning(VotingToken.box_id)
    .execution_options(synchronize_session=False)
)
STORE_RECEIPT = insert(Receipt)


def hold_box_state(session: Session, box_id: int) -> BoxState:
    """The box's state, held until the transaction ends: sealing waits for what it stores."""
    statement = _holding_box(select(BallotBox.state).where(BallotBox.id == box_id))
    return BoxState(session.execute(statement).scalar_one())


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
) -> Cast:
    """Consume the card and store its ballot in one transaction; return receipt code and box.

    The card is consumed first, by a conditional update that only succeeds on an unused card
    of an open box, and holds the box until the ballot is stored (sealing waits for it); so
    two posts of one card can never both succeed. A refusal after that
    (a missing choice, a comment too long) leaves the caller to roll back, which gives the
    card back. The ballot is stored sealed to the box's key (`ballots.sealing`): nothing in
    this transaction can be read back as a choice. `shape_of(box_id)` may answer from a
    cache; by default it asks the database. The caller commits.
    """
    connection = session.connection()  # Core statements: the ORM layer adds nothing here
    box_id = connection.execute(CONSUME_CARD, {"card_hash": hash_secret(raw_token)}).scalar()
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
    if shape.public_key is None:
        raise Conflict(_("投票箱尚未生成密钥，请联系会场工作人员。"))
    # The ballot goes into the box's pool sealed to its key; only the receipt is plain.
    add_to_pool(session, box_id, seal_ballot(shape.public_key, channel, checked, texts))
    receipt = _random_code(RECEIPT_ALPHABET, RECEIPT_LENGTH)
    connection.execute(STORE_RECEIPT, {"code": receipt, "box_id": box_id})
    return Cast(receipt, box_id)


# ---------------------------------------------------------------- turnout


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
