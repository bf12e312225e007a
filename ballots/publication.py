"""What the public may download of the sealed boxes' ballots, and when (匿名计票记录公开).

The records prove the count without proving a vote. Each department's ratings are their own
column, every column shuffled on its own: the counts add up and every public figure recomputes
from them, but no line is a ballot, so nobody can check that a representative cast a pattern
agreed with someone who paid for it. There is no channel column (paper voters are not singled
out), and a box with fewer than MIN_PUBLISHED ballots is published together with the other
small boxes of its meeting (still too few: with the smallest other box of the meeting), since a
box of one ballot shows that ballot whatever its columns do. The records appear with the
released results, not at sealing, so nobody computes a group's results before sign-off.

At sealing the box's minutes commit to its records: the SHA-256 of a random salt and the
records with every column sorted (`canonical_records`). The salt stays secret until release
(so the hash of a small box cannot be searched for its one ballot) and is then shown for every
box published on its own; anyone sorts the downloaded columns and checks the hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterable, Sequence

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.models import Ballot, BallotBox, BallotRating, BoxState
from ballots.signals import results_released
from evaluation.core.errors import Conflict
from evaluation.core.signals import first_answer

MIN_PUBLISHED = 10  # ballots: a smaller box is published with others of its meeting


def ballot_counts(session: Session, boxes: Sequence[BallotBox]) -> dict[int, int]:
    rows = session.execute(
        select(Ballot.box_id, func.count())
        .where(Ballot.box_id.in_([b.id for b in boxes]))
        .group_by(Ballot.box_id)
    )
    counts = dict.fromkeys((b.id for b in boxes), 0)
    counts.update(dict(rows.all()))
    return counts


def publication_units(session: Session, boxes: Sequence[BallotBox]) -> list[list[BallotBox]]:
    """The sealed boxes as they are published: alone, or small boxes merged within a meeting.

    Within each meeting (the internal boxes together): every box with at least MIN_PUBLISHED
    ballots is its own unit; the smaller ones form one unit, which joins the meeting's smallest
    other box while it is still below MIN_PUBLISHED. Units come in the order of their first box.
    """
    sealed = [b for b in boxes if b.current_state == BoxState.SEALED]
    counts = ballot_counts(session, sealed)
    by_meeting: dict[int | None, list[BallotBox]] = {}
    for box in sorted(sealed, key=lambda b: b.id):
        by_meeting.setdefault(box.meeting_id, []).append(box)
    units: list[list[BallotBox]] = []
    for members in by_meeting.values():
        large = [[b] for b in members if counts[b.id] >= MIN_PUBLISHED]
        small = [b for b in members if counts[b.id] < MIN_PUBLISHED]
        if small and sum(counts[b.id] for b in small) < MIN_PUBLISHED and large:
            smallest = min(large, key=lambda unit: (counts[unit[0].id], unit[0].id))
            smallest.extend(small)
            small = []
        units.extend(large + ([small] if small else []))
    return sorted(([*sorted(u, key=lambda b: b.id)] for u in units), key=lambda u: u[0].id)


def unit_of(units: Iterable[list[BallotBox]], box: BallotBox) -> list[BallotBox] | None:
    return next((u for u in units if any(b.id == box.id for b in u)), None)


def released(session: Session, campaign_id: int) -> bool:
    """Whether the campaign's results are released (the analysis room answers)."""
    return bool(first_answer(results_released, None, session=session, campaign_id=campaign_id))


def stored_columns(session: Session, boxes: Sequence[BallotBox]) -> list[list[str]]:
    """The ratings stored in these boxes (of one meeting), one list per department in the
    boxes' order, each list in no particular order; a blank rating is ''."""
    departments = boxes[0].departments
    place = {d.id: j for j, d in enumerate(departments)}
    ballots = session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.box_id.in_([b.id for b in boxes]))
    ).scalar_one()
    columns: list[list[str]] = [[] for _d in departments]
    rows = session.execute(
        select(BallotRating.department_id, BallotRating.rating)
        .join(Ballot, Ballot.id == BallotRating.ballot_id)
        .where(Ballot.box_id.in_([b.id for b in boxes]))
    )
    for department_id, rating in rows:
        columns[place[department_id]].append(str(rating))
    for column in columns:  # a ballot that left a department empty stores no rating for it
        column.extend([""] * (ballots - len(column)))
    return columns


def records_text(codes: Sequence[str], columns: Sequence[Sequence[str]]) -> str:
    """Records as CSV: the department codes, then one line per ballot's worth of cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(codes)
    writer.writerows(zip(*columns, strict=True) if columns else [])
    return out.getvalue()


def shuffled_records(session: Session, boxes: Sequence[BallotBox]) -> str:
    """The records of these boxes with each column shuffled on its own (a fresh shuffle every
    time: a shuffle of a column carries nothing but the column's counts)."""
    rng = np.random.default_rng(secrets.randbits(128))
    columns = [list(rng.permutation(c)) for c in stored_columns(session, boxes)]
    return records_text([d.code for d in boxes[0].departments], columns)


def canonical_records(text: str) -> str:
    """Records with each column sorted: what a box's tally hash covers, whatever the shuffle."""
    codes, *lines = list(csv.reader(io.StringIO(text)))
    columns = [sorted(column) for column in zip(*lines, strict=True)] if lines else []
    return records_text(codes, columns or [[] for _c in codes])


def tally_hash(salt: str, text: str) -> str:
    """SHA-256 of the salt's line and the canonical records (UTF-8)."""
    return hashlib.sha256(f"{salt}\n{canonical_records(text)}".encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def public_records(session: Session, box: BallotBox, units: list[list[BallotBox]]) -> str:
    """The downloadable records of the unit that holds this box, once results are released."""
    unit = unit_of(units, box)
    if unit is None:
        raise Conflict(_("该投票箱没有封箱，没有计票记录。"))
    if not released(session, box.campaign_id):
        raise Conflict(_("评议结果发布后才公开匿名计票记录。"))
    return shuffled_records(session, unit)
