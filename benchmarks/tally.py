"""The results tally at scale: plain GROUP BY count against the full tally and analysis.

    .venv/bin/python benchmarks/tally.py --ballots 1000000 --keep /tmp/tally1m.sqlite3
    .venv/bin/python benchmarks/tally.py --ballots 1000000 --database-url postgresql://postgres@127.0.0.1:5432/test

Builds the demo campaign (57 departments, 4 groups and the internal box, 13 venues) in a
fresh database (or reuses the --keep file), adds N ballots spread over its sealed boxes by
bulk load, then times in the same run: (a) the plain SQL count per box × department ×
rating, (b) the tally's own count (every sealed box's ballots read into arrays, as the tally
does), (c) the full analysis with the scheme's bootstrap resamples, questionnaires included.
Prints the ratio (b)/(a) and the peak memory.
The issue's goal is 1,000,000 ballots: ratio ≤ 2×, analysis under 10 s, memory under 1 GiB.
"""

from __future__ import annotations

import argparse
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 20_000


def _reset_postgresql(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _fill(count: int, seed: int, url: str) -> None:
    """The demo, every box sealed, plus `count` ballots generated with numpy and bulk-loaded."""
    import numpy as np
    from sqlalchemy import update

    from ballots.models import BallotBox, BoxState
    from evaluation.core.extensions import db
    from evaluation.shell.demo import build_demo

    started = time.perf_counter()
    build_demo(db.session, progress=lambda items, **_: _Quiet(items))
    db.session.execute(update(BallotBox).values(state=BoxState.SEALED.value))
    db.session.commit()
    boxes = db.session.query(BallotBox).all()
    departments = {box.id: [d.id for d in box.departments] for box in boxes}
    rng = np.random.default_rng(seed)
    levels = np.array(["satisfied", "basically_satisfied", "dissatisfied", "unknown"])
    leaning = {d: rng.uniform(0.4, 0.8) for ids in departments.values() for d in ids}
    per_box = np.bincount(rng.integers(0, len(boxes), count), minlength=len(boxes))
    connection = db.session.connection().connection.driver_connection
    cursor = connection.cursor()
    for box, n in zip(boxes, per_box, strict=True):
        ids = [secrets.token_hex(16) for _ in range(n)]
        ballot_rows = [(i, box.id, "phone") for i in ids]
        rating_rows = []
        for department in departments[box.id]:
            p = leaning[department]
            cdf = np.cumsum([p, (1 - p) * 0.6, (1 - p) * 0.25])
            chosen = levels[np.searchsorted(cdf, rng.random(n))]
            rating_rows += zip(ids, [department] * n, chosen.tolist(), strict=True)
        if url.startswith("postgresql"):
            with cursor.copy("COPY ballot (id, box_id, channel) FROM STDIN") as copy:
                for row in ballot_rows:
                    copy.write_row(row)
            with cursor.copy(
                "COPY ballot_rating (ballot_id, department_id, rating) FROM STDIN"
            ) as copy:
                for row in rating_rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                "INSERT INTO ballot (id, box_id, channel) VALUES (?, ?, ?)", ballot_rows
            )
            cursor.executemany(
                "INSERT INTO ballot_rating (ballot_id, department_id, rating) VALUES (?, ?, ?)",
                rating_rows,
            )
    db.session.commit()
    if url.startswith("postgresql"):
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        connection.autocommit = False
    print(f"built: demo + {count:,} ballots in {time.perf_counter() - started:.0f} s")


class _Quiet:
    def __init__(self, items: object) -> None:
        self.items = items

    def __enter__(self) -> object:
        return self.items

    def __exit__(self, *exc: object) -> bool:
        return False


def _timed(label: str, work: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{label:44} {seconds:8.2f} s")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep",
        default="",
        help="SQLite file to build once and reuse on later runs (then --ballots is ignored)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the PostgreSQL database as an earlier run left it instead of rebuilding",
    )
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from analysis.computation import ballot_sets, compute, units_of, venue_review
    from analysis.records import stored_records, unit_records
    from analysis.schemes import scheme_of, stats_scheme
    from ballots.models import Ballot, BallotRating
    from evaluation.campaign.services import require_campaign
    from evaluation.core.extensions import db
    from evaluation.shell.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "tally.sqlite3"
        url = args.database_url or f"sqlite:///{path.resolve()}"
        reuse = (bool(args.keep) and path.exists()) or args.reuse
        if url.startswith("postgresql") and not reuse:
            _reset_postgresql(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t" * 40})
        with app.app_context():
            if not reuse:
                upgrade()
                _fill(args.ballots, args.seed, url)
            db.session.remove()
            campaign = require_campaign(db.session)
            total = db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()
            print(f"{url.split(':')[0]}: {total:,} ballots in all")
            plain, _rows = _timed(
                "(a) SQL GROUP BY box × department × rating",
                lambda: db.session.execute(
                    select(
                        Ballot.box_id, BallotRating.department_id, BallotRating.rating, func.count()
                    )
                    .join(BallotRating, BallotRating.ballot_id == Ballot.id)
                    .group_by(Ballot.box_id, BallotRating.department_id, BallotRating.rating)
                ).all(),
            )

            def tally_count() -> tuple:
                units = units_of(db.session, campaign)
                boxes = [b for unit in units for b in unit]
                whole = stored_records(db.session, boxes)
                records = unit_records(units, whole)
                ballot_sets(db.session, units, records)
                return boxes, whole, records

            counted, (boxes, whole, records) = _timed(
                "(b) tally count: every sealed box's ballots", tally_count
            )
            analysed, _figures = _timed(
                "(c) full analysis (ballots → every figure)",
                lambda: compute(db.session, campaign, records),
            )
            reviewed, _review = _timed(
                "(d) venue checks (whole ballots, supervision)",
                lambda: venue_review(
                    db.session, boxes, whole, stats_scheme(scheme_of(db.session, campaign))
                ),
            )
            print(f"{'tally in all, (b) + (c) + (d)':44} {counted + analysed + reviewed:8.2f} s")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"ratio (b)/(a): {counted / plain:.1f}×   peak memory: {peak:,.0f} MiB")
            db.engine.dispose()


if __name__ == "__main__":
    main()
