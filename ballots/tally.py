"""The per-box tally (计票): stored at sealing, recomputable from the published records."""

from __future__ import annotations

import csv
import io
import random
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
    Channel,
    Receipt,
)
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
        raise Conflict(_("投票箱封箱后才公开计票记录。"))


def records_csv(session: Session, box: BallotBox) -> str:
    """The box's anonymised ballot records: one line per ballot, shuffled, no ids or receipts."""
    require_sealed(box)
    return stored_records_csv(session, box)


def stored_records_csv(session: Session, box: BallotBox) -> str:
    """The records of the ballots stored in a box, whatever its state (sealing hashes them
    before the box is marked sealed)."""
    departments = box.departments
    ballots: dict[str, dict[int, str]] = {}
    channels: dict[str, str] = {}
    rows = session.execute(
        select(Ballot.id, Ballot.channel, BallotRating.department_id, BallotRating.rating)
        .join(BallotRating, BallotRating.ballot_id == Ballot.id)
        .where(Ballot.box_id == box.id)
    )
    for ballot_id, channel, department_id, rating in rows:
        ballots.setdefault(ballot_id, {})[department_id] = rating
        channels[ballot_id] = channel
    order = list(ballots)
    random.SystemRandom().shuffle(order)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["channel"] + [d.code for d in departments])
    for ballot_id in order:
        writer.writerow(
            [channels[ballot_id]] + [ballots[ballot_id].get(d.id, "") for d in departments]
        )
    return out.getvalue()


def tally_from_records(box: BallotBox, text: str) -> Counter[TallyKey]:
    """Recount a box from its published records alone."""
    by_code = {d.code: d.id for d in box.departments}
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    counts: Counter[TallyKey] = Counter()
    for row in reader:
        channel = Channel(row[0]).value
        for code, rating in zip(header[1:], row[1:], strict=True):
            counts[(by_code[code], rating, channel)] += 1
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
    """Compare the stored tally with a recount from the published records; list differences."""
    stored = stored_tally(session, box)
    recount = tally_from_records(box, records_csv(session, box))
    differences = []
    for key in sorted(set(stored) | set(recount)):
        if stored[key] != recount[key]:
            department, rating, channel = key
            differences.append(
                f"department {department} {rating} {channel}: stored {stored[key]}, "
                f"recounted {recount[key]}"
            )
    return differences
