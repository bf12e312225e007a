"""Sealing a box: unlock two holders' keys, open the pool, write the ballots out, count.

    .venv/bin/python benchmarks/sealing.py [--ballots 250] [--cost interactive]
                                           [--database-url postgresql://postgres@127.0.0.1/test]

Builds a fresh database (SQLite in a temporary folder unless --database-url is given; that
database is wiped) with one meeting of 14 departments and a box of N ballots cast through
the normal casting code, closes the box, then times in the same run: (a) the count alone as
sealing did it before the sealed pool (`store_tally` over ballots already stored, measured
on a copy of the ballots in a second box), (b) the two holders' passphrases at the given
Argon2id cost, (c) the whole seal: pool opened, ballots shuffled and written, the tally,
the closing minutes, the commit and the storage purge. The issue's goal: under a second
for 250 ballots.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=250)
    parser.add_argument("--cost", default="interactive", choices=["min", "interactive", "moderate"])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    import datetime as dt

    from flask_migrate import upgrade
    from sqlalchemy import text

    from ballots.cards import issue_cards
    from ballots.casting import cast_ballot
    from ballots.keys import DEMO_PASSPHRASES, demo_ceremony, unlock_holders
    from ballots.lifecycle import move_box
    from ballots.models import Ballot, BallotBox, BoxState, KeyHolderRole
    from ballots.sealing import PURGE_AFTER_COMMIT
    from ballots.tally import store_tally
    from evaluation.campaign.models import Campaign, Department, Group, Meeting, Phase, Venue
    from evaluation.core.extensions import db
    from evaluation.shell.app import create_app

    folder = tempfile.mkdtemp(prefix="sanmin-seal-")
    url = args.database_url or f"sqlite:///{folder}/seal.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "s" * 40, "AUDIT_KEY": "a" * 40})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        campaign = Campaign(year=2026, title="封箱基准", phase=Phase.REPORTING.value)
        group = Group(campaign=campaign, number=1, name="第1组")
        departments = [
            Department(
                campaign=campaign,
                code=f"D{i:02d}",
                name=f"市第{i}局",
                short_name=f"{i}局",
                group=group,
                order_in_group=i,
            )
            for i in range(1, 15)
        ]
        meeting = Meeting(group=group, date=dt.date(2026, 11, 24), starts_at=dt.time(9))
        venues = [
            Venue(campaign=campaign, name=name, kind=kind, capacity=args.ballots)
            for name, kind in (("主会场", "main"), ("对照会场", "district"))
        ]
        boxes = [BallotBox(campaign=campaign, meeting=meeting, venue=v) for v in venues]
        db.session.add_all([campaign, group, *departments, meeting, *venues, *boxes])
        db.session.flush()
        demo_ceremony(db.session, campaign, "benchmark", args.cost)
        rng = random.Random(2026)
        choices = ["satisfied", "basically_satisfied", "dissatisfied", "unknown"]
        for box in boxes:
            move_box(db.session, box, BoxState.OPEN, None)
            for card in issue_cards(db.session, box, args.ballots, "benchmark"):
                ratings = {d.id: rng.choice(choices) for d in departments}
                cast_ballot(db.session, card.token, ratings)
            move_box(db.session, box, BoxState.CLOSED, None)
        db.session.commit()
        box, reference = boxes

        # (a) the count alone, over ballots already written out (the reference box's).
        passphrases = {
            KeyHolderRole.SUPERVISION: DEMO_PASSPHRASES[KeyHolderRole.SUPERVISION],
            KeyHolderRole.STATISTICS: DEMO_PASSPHRASES[KeyHolderRole.STATISTICS],
        }
        keys = unlock_holders(db.session, campaign, passphrases)
        move_box(db.session, reference, BoxState.SEALED, None, keys)
        db.session.commit()
        started = time.perf_counter()
        store_tally(db.session, reference)
        db.session.rollback()
        count_only = time.perf_counter() - started

        # (b) + (c) the seal as supervision does it in the office.
        started = time.perf_counter()
        keys = unlock_holders(db.session, campaign, passphrases)
        unlocked = time.perf_counter()
        move_box(db.session, db.session.get(BallotBox, box.id), BoxState.SEALED, None, keys)
        written = time.perf_counter()
        purging = db.session.info.get(PURGE_AFTER_COMMIT, False)
        db.session.commit()
        done = time.perf_counter()
        stored = db.session.query(Ballot).filter_by(box_id=box.id).count()
        dialect = db.engine.dialect.name
    print(
        f"database {dialect}, {args.ballots} ballots of 14 departments, Argon2id cost {args.cost}"
    )
    print(f"(a) the count alone (store_tally), as sealing did before: {count_only * 1000:.0f} ms")
    print(f"(b) two holders' passphrases: {(unlocked - started) * 1000:.0f} ms")
    print(
        f"(c) pool opened, shuffled, written, counted, minutes: "
        f"{(written - unlocked) * 1000:.0f} ms;"
        f" commit{' and purge' if purging else ''}: {(done - written) * 1000:.0f} ms"
    )
    total = done - started
    print(
        f"whole seal {total * 1000:.0f} ms ({total / count_only:.1f}× the count alone); "
        f"stored {stored} of {args.ballots} -> {'OK' if stored == args.ballots else 'FAIL'}; "
        f"goal under 1 s: {'met' if total < 1 else 'missed'}"
    )


if __name__ == "__main__":
    main()
