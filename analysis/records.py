"""The sealed boxes' ballots as arrays: whole ballots from the database, or the published
records of each publication unit (`ballots.publication`: every department's column shuffled on
its own, small boxes merged with their meeting).

The tally reads the database in one aggregate query (a ballot's ratings packed by SQL into
integers, one base-8 digit a department); `results verify` reads the published CSV records.
Every public figure depends only on each unit's columns as multisets (`analysis.stats`
decouples them before any resampling), so the two agree exactly (a test holds them to it).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import BigInteger, case, cast, func, select, text
from sqlalchemy.orm import Session

from analysis.stats import BLANK, DIGITS_PER_WORD, RATING_CODES
from ballots.models import Ballot, BallotBox, BallotRating


@dataclass(frozen=True)
class BoxRecords:
    """The ratings of a box or of a publication unit: from the database a line is a ballot; in
    the published records it is not (each column is shuffled on its own)."""

    departments: list[str]  # department codes: the records' columns
    ratings: np.ndarray  # int8, lines × departments: RATING_CODES, BLANK for an empty cell


def stored_records(session: Session, boxes: list[BallotBox]) -> dict[int, BoxRecords]:
    """The records of these boxes straight from the database: one pass, counted in SQL."""
    if not boxes:
        return {}
    columns = {box.id: box.departments for box in boxes}
    place = {d.id: i for ds in columns.values() for i, d in enumerate(ds)}
    words = max(place.values()) // DIGITS_PER_WORD + 1
    digit = case(
        *((BallotRating.rating == name, code + 1) for name, code in RATING_CODES.items()),
        else_=0,
    )
    # Grouping the ratings by ballot alone follows their primary key: one streaming pass.
    packed = (
        select(
            BallotRating.ballot_id,
            *(
                func.sum(
                    digit
                    * case(
                        {
                            d: 8 ** (i % DIGITS_PER_WORD)
                            for d, i in place.items()
                            if i // DIGITS_PER_WORD == w
                        },
                        value=BallotRating.department_id,
                        else_=0,
                    )
                ).label(f"w{w}")
                for w in range(words)
            ),
        )
        .group_by(BallotRating.ballot_id)
        .subquery()
    )
    if session.get_bind().dialect.name == "postgresql":
        # One aggregate row per ballot: PostgreSQL's default 4 MB work memory would spill
        # the million-ballot hash table to disk (measured: 2× slower).
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    rows = session.execute(
        select(
            Ballot.box_id,
            *(cast(packed.c[f"w{w}"], BigInteger) for w in range(words)),
        )
        .join(packed, packed.c.ballot_id == Ballot.id)
        # "+ 0": SQLite would otherwise probe the box index once per listed box for every
        # ballot instead of looking the ballot up by its key (4× slower at a million).
        .where((Ballot.box_id + 0).in_(list(columns)))
    )
    table = np.fromiter(chain.from_iterable(rows), dtype=np.int64).reshape(-1, 1 + words)
    records = {}
    for box_id, departments in columns.items():
        mine = table[table[:, 0] == box_id]
        ratings = np.empty((len(mine), len(departments)), dtype=np.int8)
        for j in range(len(departments)):
            word = mine[:, 1 + j // DIGITS_PER_WORD]
            ratings[:, j] = ((word >> (3 * (j % DIGITS_PER_WORD))) & 7) - 1
        records[box_id] = BoxRecords([d.code for d in departments], ratings)
    return records


def unit_records(
    units: Sequence[Sequence[BallotBox]], per_box: dict[int, BoxRecords]
) -> dict[int, BoxRecords]:
    """Each publication unit's ratings (keyed by its first box), from its boxes' records."""
    return {
        unit[0].id: BoxRecords(
            per_box[unit[0].id].departments,
            np.concatenate([per_box[b.id].ratings for b in unit]),
        )
        for unit in units
    }


def parse_records(
    units: Sequence[Sequence[BallotBox]], texts: dict[int, str]
) -> dict[int, BoxRecords]:
    """Published CSV records (a unit's first box id → text) as arrays; a missing unit, a
    column or cell that is not a department of the unit or an answer raises ValueError or
    KeyError."""
    records = {}
    for unit in units:
        if unit[0].id not in texts:
            raise ValueError(f"box {unit[0].id}: no records")
        codes = [d.code for d in unit[0].departments]
        reader = csv.reader(io.StringIO(texts[unit[0].id]))
        header = next(reader)
        if sorted(header) != sorted(codes):
            raise ValueError(f"box {unit[0].id}: columns {header}")
        positions = [header.index(code) for code in codes]
        ratings = [[_rating(line[c]) for c in positions] for line in reader]
        records[unit[0].id] = BoxRecords(
            codes, np.array(ratings, dtype=np.int8).reshape(len(ratings), len(codes))
        )
    return records


def _rating(cell: str) -> int:
    return RATING_CODES[cell] if cell else BLANK


def records_hash(records: dict[int, BoxRecords]) -> str:
    """SHA-256 of the records as multisets: the same for whole ballots and shuffled columns.

    Unit by unit in id order: the line `box <id>`, the line of department codes, then each
    department's ratings as bytes (0 满意, 1 基本满意, 2 不满意, 3 不了解, 255 空白), sorted.
    """
    digest = hashlib.sha256()
    for box_id in sorted(records):
        unit = records[box_id]
        digest.update(f"box {box_id}\n{','.join(unit.departments)}\n".encode())
        for column in unit.ratings.T:
            digest.update(np.sort(column.view(np.uint8)).tobytes())
    return digest.hexdigest()
