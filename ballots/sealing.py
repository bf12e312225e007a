"""The sealed pool and the opening of a box (开箱): ballots encrypted at casting, written out
in random order in one transaction at sealing, and the storage engine purged afterwards.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from nacl.public import PrivateKey, PublicKey, SealedBox
from sqlalchemy import Engine, delete, event, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ballots.keys import forget_box_key
from ballots.models import (
    Ballot,
    BallotBox,
    BallotComment,
    BallotRating,
    Channel,
    PendingBallot,
    Rating,
)

log = logging.getLogger(__name__)

# Every sealed ballot is padded to a multiple of this many bytes, so its length says nothing
# of its content; only a ballot with long comments takes more than one block.
PAD_BLOCK = 1024
PURGE_LOCK_TIMEOUT = "2s"
RATING_CODES = {r: str(i) for i, r in enumerate(Rating)}
RATING_OF_CODE = {code: r for r, code in RATING_CODES.items()}


@dataclass(frozen=True)
class OpenedBallot:
    channel: Channel
    ratings: dict[int, Rating]
    comments: dict[int, str]


def seal_ballot(
    public_key: bytes,
    channel: Channel,
    ratings: dict[int, Rating],
    comments: dict[int, str] | None = None,
) -> bytes:
    """Encrypt one ballot to its box's public key (an anonymous libsodium sealed box)."""
    body = json.dumps(
        {
            "c": channel.value,
            "r": "".join(f"{d}:{RATING_CODES[r]}," for d, r in sorted(ratings.items())),
            "m": {str(d): t for d, t in sorted((comments or {}).items())},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    framed = len(body).to_bytes(4, "big") + body
    padded = framed + bytes(-len(framed) % PAD_BLOCK)
    return bytes(SealedBox(PublicKey(public_key)).encrypt(padded))


def open_ballot(opener: SealedBox, sealed: bytes) -> OpenedBallot:
    padded = opener.decrypt(sealed)
    body = json.loads(padded[4 : 4 + int.from_bytes(padded[:4], "big")])
    ratings = {}
    for item in body["r"].split(",")[:-1]:
        department, code = item.split(":")
        ratings[int(department)] = RATING_OF_CODE[code]
    comments = {int(d): t for d, t in body["m"].items()}
    return OpenedBallot(Channel(body["c"]), ratings, comments)


STORE_PENDING = insert(PendingBallot)


def add_to_pool(session: Session, box_id: int, sealed: bytes) -> None:
    session.connection().execute(
        STORE_PENDING, {"id": secrets.token_hex(16), "box_id": box_id, "sealed": sealed}
    )


def pool_counts(session: Session, box_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(PendingBallot.box_id, func.count())
        .where(PendingBallot.box_id.in_(box_ids))
        .group_by(PendingBallot.box_id)
    )
    return dict(rows.all())


def open_pool(session: Session, box: BallotBox, private_key: PrivateKey) -> int:
    """Decrypt the box's pool in memory and store its ballots shuffled; empty the pool.

    One transaction with the caller's: if it fails or the server dies, the pool stays as it
    was and sealing can start again. Returns the number of ballots written.
    """
    opener = SealedBox(private_key)
    pending = session.execute(
        select(PendingBallot.sealed).where(PendingBallot.box_id == box.id)
    ).scalars()
    ballots = [open_ballot(opener, sealed) for sealed in pending]
    # Written in an order drawn from the system's random source: neither the physical order
    # of the rows nor their transaction says anything of the order of casting.
    random.SystemRandom().shuffle(ballots)
    ballot_rows, rating_rows, comment_rows = [], [], []
    for ballot in ballots:
        ballot_id = secrets.token_hex(16)
        ballot_rows.append({"id": ballot_id, "box_id": box.id, "channel": ballot.channel.value})
        rating_rows.extend(
            {"ballot_id": ballot_id, "department_id": d, "rating": r.value}
            for d, r in ballot.ratings.items()
        )
        comment_rows.extend(
            {"id": secrets.token_hex(16), "box_id": box.id, "department_id": d, "text": t}
            for d, t in ballot.comments.items()
        )
    connection = session.connection()
    for table, rows in ((Ballot, ballot_rows), (BallotRating, rating_rows)):
        if rows:
            connection.execute(insert(table), rows)
    if comment_rows:
        random.SystemRandom().shuffle(comment_rows)
        connection.execute(insert(BallotComment), comment_rows)
    connection.execute(delete(PendingBallot).where(PendingBallot.box_id == box.id))
    forget_box_key(session, box)
    return len(ballots)


def purge_storage(engine: Engine) -> None:
    """Wipe what the storage engine keeps of deleted pool rows and key pieces.

    SQLite runs with secure_delete (deleted rows and freed pages are overwritten); here the
    write-ahead log, which still holds older page images, is checkpointed and truncated.
    PostgreSQL rewrites the two tables (VACUUM FULL: a few hundred kilobytes at most, so
    the lock it takes lasts milliseconds); a plain VACUUM would leave the bytes in place.
    Best effort: a busy reader can delay the truncation until the next sealing.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if busy:
                log.warning("the write-ahead log could not be truncated now: readers active")
        elif engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            # Ballots being cast queue behind the rewrite's lock: never let it wait long.
            connection.execute(text(f"SET lock_timeout = '{PURGE_LOCK_TIMEOUT}'"))
            for table in (PendingBallot.__tablename__, "box_key_piece"):
                try:
                    connection.execute(text(f"VACUUM FULL {table}"))
                except OperationalError:
                    log.warning("%s could not be rewritten now: it is busy", table)


# A sealing sets this in the session's info; once its transaction is committed the storage
# is purged (on a connection of its own, outside the unit of work).
PURGE_AFTER_COMMIT = "sanmin.purge_storage"


@event.listens_for(Session, "after_commit")
def _purge_after_sealing(session: Session) -> None:
    if session.info.pop(PURGE_AFTER_COMMIT, False):
        purge_storage(session.get_bind())


@event.listens_for(Session, "after_rollback")
def _nothing_to_purge(session: Session) -> None:
    session.info.pop(PURGE_AFTER_COMMIT, None)
