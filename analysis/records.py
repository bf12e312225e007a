"""The sealed boxes' ballot records as arrays: read from the database or from published copies.

The tally reads the database in one aggregate query (a ballot's ratings packed by SQL into
integers, one base-8 digit a department); `results verify` reads the published CSV records.
Both give the same `BoxRecords`, and every figure is computed from them in an order fixed by
their content alone, so the two agree exactly (a test holds them to it).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import BigInteger, case, cast, func, select, text
from sqlalchemy.orm import Session

from analysis.stats import BLANK, DIGITS_PER_WORD, RATING_CODES
from ballots.models import Ballot, BallotBox, BallotRating, Channel


@dataclass(frozen=True)
class BoxRecords:
    """One sealed box's ballots as its published records hold them (order carries nothing)."""

    departments: list[str]  # department codes: the records' columns
    ratings: np.ndarray  # int8, ballots × departments: RATING_CODES, BLANK for an empty cell
    paper: np.ndarray  # bool per ballot: entered from a paper ballot


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
            Ballot.channel == Channel.PAPER.value,
            *(cast(packed.c[f"w{w}"], BigInteger) for w in range(words)),
        )
        .join(packed, packed.c.ballot_id == Ballot.id)
        .where(Ballot.box_id.in_(list(columns)))
    )
    table = np.fromiter(chain.from_iterable(rows), dtype=np.int64).reshape(-1, 2 + words)
    records = {}
    for box_id, departments in columns.items():
        mine = table[table[:, 0] == box_id]
        ratings = np.empty((len(mine), len(departments)), dtype=np.int8)
        for j in range(len(departments)):
            word = mine[:, 2 + j // DIGITS_PER_WORD]
            ratings[:, j] = ((word >> (3 * (j % DIGITS_PER_WORD))) & 7) - 1
        records[box_id] = BoxRecords([d.code for d in departments], ratings, mine[:, 1] == 1)
    return records


def parse_records(boxes: list[BallotBox], texts: dict[int, str]) -> dict[int, BoxRecords]:
    """Published CSV records (box id → text) as arrays; a column or cell that is not a
    department of the box or an answer raises ValueError or KeyError."""
    records = {}
    by_id = {box.id: box for box in boxes}
    for box_id, content in texts.items():
        codes = [d.code for d in by_id[box_id].departments]
        reader = csv.reader(io.StringIO(content))
        header = next(reader)
        if header[0] != "channel" or sorted(header[1:]) != sorted(codes):
            raise ValueError(f"box {box_id}: columns {header}")
        positions = [header.index(code) for code in codes]
        ratings, paper = [], []
        for line in reader:
            ratings.append([_rating(line[c]) for c in positions])
            paper.append(Channel(line[0]) == Channel.PAPER)
        records[box_id] = BoxRecords(
            codes,
            np.array(ratings, dtype=np.int8).reshape(len(ratings), len(codes)),
            np.array(paper, dtype=bool),
        )
    return records


def _rating(cell: str) -> int:
    return RATING_CODES[cell] if cell else BLANK


def records_hash(records: dict[int, BoxRecords]) -> str:
    """SHA-256 of the records, independent of the order of their lines.

    Box by box in id order: the line `box <id>`, the line of department codes, then every
    ballot as bytes (channel: 0 phone, 1 paper; then each rating: 0 满意, 1 基本满意,
    2 不满意, 3 不了解, 255 空白), the ballots sorted by those bytes.
    """
    digest = hashlib.sha256()
    for box_id in sorted(records):
        box = records[box_id]
        digest.update(f"box {box_id}\n{','.join(box.departments)}\n".encode())
        rows = np.column_stack([box.paper.astype(np.int8), box.ratings]).view(np.uint8)
        order = np.lexsort(rows.T[::-1]) if len(rows) else np.arange(0)
        digest.update(np.ascontiguousarray(rows[order]).tobytes())
    return digest.hexdigest()
