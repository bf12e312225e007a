"""Ballot boxes, voting tokens and the anonymous ballots.

Secrecy (DESIGN.md invariant 2) is a property of these tables: a ballot row references its
box and nothing else — no token, card, seat, person, address or time — its id is random, and
on SQLite the ballot tables are stored in the order of their random keys, not of casting.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Campaign, Department, Meeting, Venue
from evaluation.core.extensions import db
from evaluation.core.models import enum_type

# Rules of the event, kept as named constants (the spare share is the campaign's setting).
TOKEN_BYTES = 16  # 128 bits of randomness in every voting token
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # nothing to misread: no 0/O, 1/I/L
SHORT_CODE_LENGTH = 10
RECEIPT_ALPHABET = SHORT_CODE_ALPHABET
RECEIPT_LENGTH = 12
COMMENT_MAX_LENGTH = 500


class BoxState(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"
    SEALED = "sealed"
    WITHDRAWN = "withdrawn"  # 撤销: formally taken out of the count, with a reason


class TokenState(StrEnum):
    UNUSED = "unused"
    USED = "used"
    VOIDED = "voided"


class Rating(StrEnum):
    """The four answers of the ballot, in the order they are printed."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    UNKNOWN = "unknown"  # 不了解


class Channel(StrEnum):
    PHONE = "phone"
    PAPER = "paper"


# Keep the ballot tables in key order on SQLite (no implicit rowid in insertion order).
WITHOUT_ROWID = {"sqlite_with_rowid": False}


class BallotBox(db.Model):
    """A ballot box (投票箱) for one meeting at one venue, or the internal box of a campaign."""

    __tablename__ = "ballot_box"
    __table_args__ = (
        UniqueConstraint("meeting_id", "venue_id"),
        # A venue box belongs to a meeting at a venue; the internal box to neither.
        CheckConstraint("(meeting_id IS NULL) = (venue_id IS NULL)", name="venue_box_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="RESTRICT"))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="RESTRICT"))
    state: Mapped[BoxState] = mapped_column(
        enum_type(BoxState, "state", 20), default=BoxState.NOT_OPEN.value
    )
    # The box's public key (X25519): ballots are sealed to it until the box is sealed.
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # A withdrawal asked for by the office, waiting for supervision's countersign.
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_requested_by: Mapped[str | None] = mapped_column(String(64))
    # Paper ballots confirmed into the pool: the manifest tells cards used by paper apart.
    paper_ballots: Mapped[int] = mapped_column(default=0, server_default="0")

    campaign: Mapped[Campaign] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    venue: Mapped[Venue | None] = relationship()

    @property
    def is_internal(self) -> bool:
        return self.meeting_id is None

    @property
    def departments(self) -> list[Department]:
        """The departments this box's ballots rate, in reporting order."""
        if self.meeting is None:
            return self.campaign.internal_departments
        return list(self.meeting.group.departments)

    @property
    def current_state(self) -> BoxState:
        return BoxState(self.state)


class MinutesKind(StrEnum):
    ZERO = "zero"  # 零票报告: at opening, the box holds nothing
    CLOSING = "closing"  # 封箱记录: at sealing, the manifest, the tally hash, the audit head


class BoxMinutes(db.Model):
    """A box's zero report or closing minutes, as recorded, and who confirmed them."""

    __tablename__ = "box_minutes"

    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[MinutesKind] = mapped_column(enum_type(MinutesKind, "kind", 10), primary_key=True)
    manifest: Mapped[str] = mapped_column(Text)  # canonical JSON of the manifest then
    tally_hash: Mapped[str | None] = mapped_column(String(64))
    # Hashed with the records; secret until the results are released (ballots.publication).
    tally_salt: Mapped[str | None] = mapped_column(String(32))
    audit_head: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime]
    # More ballots than representatives checked in: supervision's explanation.
    note: Mapped[str | None] = mapped_column(Text)
    staff_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    staff_confirmed_at: Mapped[dt.datetime | None]
    supervision_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    supervision_confirmed_at: Mapped[dt.datetime | None]
    scan_sha256: Mapped[str | None] = mapped_column(String(64))  # the signed paper minutes
    scan_type: Mapped[str | None] = mapped_column(String(50))


class CardApproval(db.Model):
    """Supervision's approval of cards beyond a box's seats and spares (追加评议卡), with why."""

    __tablename__ = "card_approval"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("ballot_box.id", ondelete="CASCADE"), index=True)
    count: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(64))  # a username, or 命令行:<user>
    approved_at: Mapped[dt.datetime]


class PrintJobState(StrEnum):
    RUNNING = "running"  # cards issued, the PDF being written
    READY = "ready"  # the PDF waits, sealed, to be downloaded and printed
    FAILED = "failed"  # writing stopped: the issued cards wait, sealed, for a retry
    DISCARDED = "discarded"  # printed: nothing of the cards is kept


class CardPrintJob(db.Model):
    """A meeting's cards printed in the office's background (印制任务).

    The raw tokens exist only in the run that issues them, so until the office has printed
    them the job keeps them sealed with a key outside the database
    (`evaluation.core.security.derived_key`): first the issued cards (so that a stopped job
    can be written again, never reissued), then the finished PDF, which may be downloaded
    (each time audited) until the office discards it once printed.
    """

    __tablename__ = "card_print_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    state: Mapped[PrintJobState] = mapped_column(enum_type(PrintJobState, "state", 10))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    boxes: Mapped[int]
    total: Mapped[int]  # cards in the run
    done: Mapped[int] = mapped_column(default=0)  # cards written so far
    cards_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(String(200))

    meeting: Mapped[Meeting] = relationship()


class VotingToken(db.Model):
    """A voting card's secret (评议卡), kept only as hashes. Never linked to a ballot."""

    __tablename__ = "voting_token"
    __table_args__ = (UniqueConstraint("box_id", "short_code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("ballot_box.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    short_code_hash: Mapped[str] = mapped_column(String(64))
    batch: Mapped[int]
    state: Mapped[TokenState] = mapped_column(
        enum_type(TokenState, "state", 10), default=TokenState.UNUSED.value
    )
    # The receipt, sealed under the card's token and the ballot page's one-time value, for a
    # double tap of 提交 (`ballots.casting.repeat_receipt`); cleared when the box closes.
    repeat_receipt: Mapped[bytes | None] = mapped_column(LargeBinary(128))


class Ballot(db.Model):
    """One anonymous ballot (无记名评议票): a random id, its box and how it was cast."""

    __tablename__ = "ballot"
    __table_args__ = (WITHOUT_ROWID,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="RESTRICT"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel", 10))

    ratings: Mapped[list[BallotRating]] = relationship(cascade="all, delete-orphan")


class BallotRating(db.Model):
    """The rating one ballot gives one department."""

    __tablename__ = "ballot_rating"
    __table_args__ = (WITHOUT_ROWID,)

    ballot_id: Mapped[str] = mapped_column(
        ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), primary_key=True
    )
    rating: Mapped[Rating] = mapped_column(enum_type(Rating, "rating", 20))


class Receipt(db.Model):
    """A receipt code shown after casting: proves a ballot is in the box, not what it says."""

    __tablename__ = "ballot_receipt"
    __table_args__ = (WITHOUT_ROWID,)

    code: Mapped[str] = mapped_column(String(RECEIPT_LENGTH), primary_key=True)
    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="RESTRICT"), index=True
    )


class BallotComment(db.Model):
    """A comment written on a ballot, kept for the suggestions office without any identity."""

    __tablename__ = "ballot_comment"
    __table_args__ = (WITHOUT_ROWID,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)


class BoxTally(db.Model):
    """The count stored when a box is sealed: department × rating × channel."""

    __tablename__ = "box_tally"

    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), primary_key=True
    )
    rating: Mapped[Rating] = mapped_column(enum_type(Rating, "rating", 20), primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel", 10), primary_key=True)
    count: Mapped[int]


class PendingBallot(db.Model):
    """A cast ballot waiting in its box, encrypted to the box's key (待开封选票).

    Casting stores only this: whoever reads the storage sees which card was used and that a
    ballot of fixed length went into the box, never what it says. Sealing decrypts the pool,
    writes the box's ballots in random order in one transaction and deletes these rows.
    """

    __tablename__ = "ballot_pool"
    __table_args__ = (WITHOUT_ROWID,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="RESTRICT"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class KeyHolderRole(StrEnum):
    """The three people who hold a campaign's ballot keys; any two open a box (2 of 3)."""

    SUPERVISION = "supervision"  # 监察局
    STATISTICS = "statistics"  # 统计局
    RECOVERY = "recovery"  # 备份持钥人: kept sealed by the joint office, for a lost passphrase


class KeyHolder(db.Model):
    """One holder's key pair for a campaign; the private half only wrapped under a passphrase."""

    __tablename__ = "key_holder"
    __table_args__ = (UniqueConstraint("campaign_id", "holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    holder: Mapped[KeyHolderRole] = mapped_column(enum_type(KeyHolderRole, "holder", 20))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    opslimit: Mapped[int]
    memlimit: Mapped[int]
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)  # SecretBox(private key)


class BoxKeyPiece(db.Model):
    """Half of a box's private key for one pair of holders, sealed to one holder's key.

    For each of the three pairs the key is split in two random halves (XOR), one for each
    holder of the pair: any two holders together recover it, one alone learns nothing.
    Deleted at sealing.
    """

    __tablename__ = "box_key_piece"

    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="CASCADE"), primary_key=True
    )
    pair: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(20), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PaperEntryState(StrEnum):
    PENDING = "pending"  # entered once, waiting for a second staff member
    CONFLICT = "conflict"  # two entries disagree: supervision checks the paper


class PaperEntry(db.Model):
    """A paper ballot (纸质评议票) keyed in by venue staff, until a second entry confirms it.

    It names the card until it becomes a ballot, because the second entry must find the
    first; so it never holds the ratings in the clear: the first entry is sealed to the box's
    key, and each entry is compared through a keyed digest (the app's secret is not in the
    database). When both agree (or supervision decides) the ballot goes into the pool like
    any other and this row is deleted.
    """

    __tablename__ = "paper_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("ballot_box.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("voting_token.id", ondelete="CASCADE"), unique=True
    )
    first_by: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    first_digest: Mapped[str] = mapped_column(String(64))  # HMAC of the canonical ratings
    second_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    second_digest: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[PaperEntryState] = mapped_column(
        enum_type(PaperEntryState, "state", 10), default=PaperEntryState.PENDING.value
    )
