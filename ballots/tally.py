"""The per-box tally (计票): stored at sealing, recomputable from the published records."""

from __future__ import annotations

import csv
import io
from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ballots.models import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    Ballot,
    BallotBox,
    BallotRating,
    BoxState,
    BoxTally,
    Rating,
    Receipt,
)
from ballots.publication import records_text, stored_columns
from evaluation.core.errors import Conflict, Refused

TallyKey = tuple[int, str, str]  # department id, rating, channel


def count_ballots(session: Session, box: BallotBox) -> Counter[TallyKey]:
    """Count the stored ballots of a box: department × rating × channel."""
    rows = session.execute(
        select(BallotRating.department_id, BallotRating.rating, Ballot.channel, func.count())
        .join(Ballot, Ballot.id == BallotRating.ballot_id)
        .where(Ballot.box_id == box.id)
        .group_by(BallotRating.department_id, BallotRating.rating, Ballot.channel)
    )
    return Counter({(d, r, c): n for d, r, c, n in rows})


def store_tally(session: Session, box: BallotBox) -> None:
    """Store the box's tally; called as the box is sealed."""
    session.execute(delete(BoxTally).where(BoxTally.box_id == box.id))
    session.add_all(
        BoxTally(box_id=box.id, department_id=d, rating=r, channel=c, count=n)
        for (d, r, c), n in count_ballots(session, box).items()
    )
    session.flush()


def stored_tally(session: Session, box: BallotBox) -> Counter[TallyKey]:
    rows = session.execute(select(BoxTally).where(BoxTally.box_id == box.id)).scalars()
    return Counter({(t.department_id, t.rating, t.channel): t.count for t in rows})


def require_sealed(box: BallotBox) -> None:
    if box.current_state != BoxState.SEALED:
        raise Conflict(_("投票箱封箱后才公开回执码清单。"))


def tally_from_records(box: BallotBox, text: str) -> Counter[tuple[int, str]]:
    """Recount a box from its records alone: department id × rating (blank cells skipped)."""
    by_code = {d.code: d.id for d in box.departments}
    header, *lines = csv.reader(io.StringIO(text))
    counts: Counter[tuple[int, str]] = Counter()
    for line in lines:
        for code, rating in zip(header, line, strict=True):
            if rating:
                counts[(by_code[code], Rating(rating).value)] += 1
    return counts


def receipts_text(session: Session, box: BallotBox) -> str:
    """The receipt codes of a sealed box, sorted: a voter finds theirs to see it was counted."""
    require_sealed(box)
    codes = session.execute(
        select(Receipt.code).where(Receipt.box_id == box.id).order_by(Receipt.code)
    ).scalars()
    return "".join(f"{code}\n" for code in codes)


def find_receipt(session: Session, campaign_id: int, typed: str) -> BallotBox | None:
    """The box whose receipts hold this code (as a voter types it: any case, spaces or
    dashes); None when no box of the campaign has it. A code that cannot be one is refused."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != RECEIPT_LENGTH or any(c not in RECEIPT_ALPHABET for c in code):
        raise Refused(_("回执码是 %(n)s 位字母和数字，请核对后再查。", n=RECEIPT_LENGTH))
    return session.execute(
        select(BallotBox)
        .join(Receipt, Receipt.box_id == BallotBox.id)
        .where(Receipt.code == code, BallotBox.campaign_id == campaign_id)
    ).scalar()


def verify_box(session: Session, box: BallotBox) -> list[str]:
    """Compare the tally stored at sealing with a recount of the box's records (the columns of
    its stored ratings, as they are published); list the differences."""
    stored: Counter[tuple[int, str]] = Counter()
    for (department, rating, _channel), n in stored_tally(session, box).items():
        stored[(department, rating)] += n
    codes = [d.code for d in box.departments]
    recount = tally_from_records(box, records_text(codes, stored_columns(session, [box])))
    differences = []
    for key in sorted(set(stored) | set(recount)):
        if stored[key] != recount[key]:
            department, rating = key
            differences.append(
                f"department {department} {rating}: stored {stored[key]}, recounted {recount[key]}"
            )
    return differences
