"""The roster import, the representatives' draw and a meeting's card PDF at the event's scale.

    .venv/bin/python benchmarks/draw.py                 # 12,000 candidates, SQLite, temporary
    .venv/bin/python benchmarks/draw.py --candidates 30000

Builds a campaign like the real event (4 meetings; the main venue and 12 district venues;
quotas of 100 at the main venue and 200 at each district venue per meeting, spread over the
categories: about 2,500 people a meeting, 10,000 in all), then times: (a) reading the roster
CSV alone (the baseline: what any import costs), (b) the roster import (every row checked,
phones sealed, ID numbers hashed), (c) the draw from the public data alone (`plan`), and
(d) the whole draw in the database (places, invitations, audit); then (e) issuing every card
of meeting 1's 13 boxes (the baseline for printing) and (f) writing them as one PDF; and (g)
the office's print job for meeting 2 (issue, seal the cards, write the PDF with its progress
commits, seal it: `ballots.printjobs`, run here in the foreground) against (e) + (f).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

# This folder holds a file named like the `suggestions` package; keep it from shadowing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

from flask import current_app
from flask_migrate import upgrade

from ballots.boxes import box_name, boxes_of, ensure_boxes
from ballots.cards import default_card_count, issue_cards
from ballots.printing import PrintRun, cards_pdf
from ballots.printjobs import start_print_job, write_print_job
from evaluation.campaign.imports import read_table
from evaluation.campaign.models import Campaign, Group, Meeting, Phase, Venue, VenueKind
from evaluation.core.extensions import db
from evaluation.shell.app import create_app
from evaluation.shell.demo import DISTRICTS
from representatives.draw import Person, plan, run_draw, strata_of
from representatives.models import Candidate, categories_of
from representatives.roster import MAX_ROSTER_ROWS, ROSTER_COLUMNS, import_quotas, import_roster

MAIN_QUOTA, DISTRICT_QUOTA = 100, 200
SHARES = (0.25, 0.25, 0.15, 0.15, 0.1, 0.05, 0.05)  # of each venue's quota, by category


def _roster(n: int, categories: tuple[str, ...], seed: int) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_COLUMNS)
    for i in range(n):
        writer.writerow(
            [
                f"R{i:06}",
                f"候选人{i}",
                rng.choices(categories, SHARES)[0],
                rng.choice(DISTRICTS),
                rng.choice("男女"),
                rng.choice(("18-34", "35-49", "50-64", "65+")),
                f"13{rng.randrange(10**9):09}",
                f"3702{rng.randrange(10**14):014}",
            ]
        )
    return out.getvalue().encode()


def _quotas(categories: tuple[str, ...]) -> list[dict[str, str]]:
    rows = [["组别", "会场", "类别", "人数"]]
    for group in range(1, 5):
        for venue, total in [("市级主会场", MAIN_QUOTA)] + [
            (f"{d}分会场", DISTRICT_QUOTA) for d in DISTRICTS
        ]:
            for category, share in zip(categories, SHARES, strict=True):
                rows.append([str(group), venue, category, str(round(total * share))])
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return read_table("quotas.csv", io.BytesIO(out.getvalue().encode()))


def _timed(label: str, work):  # noqa: ANN001, ANN202
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"{label:48} {elapsed:7.2f} s")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'draw.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "d" * 20 + "0123456789abcdef"})
        with app.app_context():
            upgrade()
            campaign = Campaign(year=2026, title="2026年度三民活动", phase=Phase.PREPARATION.value)
            db.session.add(campaign)
            db.session.flush()
            for number in range(1, 5):
                group = Group(campaign=campaign, number=number, name=f"第{number}组")
                db.session.add(group)
                day = dt.date(2026, 11, 23 + number)
                db.session.add(Meeting(group=group, date=day, starts_at=dt.time(8, 30)))
            venues = [("市级主会场", VenueKind.MAIN, "市级", MAIN_QUOTA)] + [
                (f"{d}分会场", VenueKind.DISTRICT, d, DISTRICT_QUOTA) for d in DISTRICTS
            ]
            for name, kind, district, capacity in venues:
                db.session.add(
                    Venue(
                        campaign=campaign,
                        name=name,
                        kind=kind.value,
                        district=district,
                        capacity=capacity,
                    )
                )
            db.session.commit()
            categories = categories_of(campaign)
            data = _roster(args.candidates, categories, args.seed)
            print(f"{args.candidates:,} candidates, {len(venues)} venues, 4 meetings")
            baseline, rows = _timed(
                "(a) read the roster CSV (baseline)",
                lambda: read_table("roster.csv", io.BytesIO(data), MAX_ROSTER_ROWS),
            )
            imported, _counts = _timed(
                "(b) roster import (checked, sealed, hashed)",
                lambda: import_roster(db.session, campaign, rows, "benchmark"),
            )
            import_quotas(db.session, campaign, _quotas(categories), "benchmark")
            db.session.commit()
            people = [
                Person(c.person_id, c.category, c.district) for c in db.session.query(Candidate)
            ]
            strata = [s for s, _q in strata_of(db.session, campaign)]
            planned, drawn = _timed(
                "(c) the draw from public data (plan)",
                lambda: plan(people, strata, categories, "20261205"),
            )
            stored, _drawn = _timed(
                "(d) the draw in the database (run_draw)",
                lambda: run_draw(db.session, campaign, "20261205", "benchmark"),
            )
            db.session.commit()
            invited = sum(len(d.invited) for d in drawn)
            short = sum(d.short for d in drawn)
            print(f"invited {invited:,}, short {short:,} in {len(strata)} strata")
            print(f"ratio (b)/(a): {imported / baseline:.1f}×   (d)/(a): {stored / baseline:.1f}×")
            _print_run(campaign)


def _print_run(campaign: Campaign) -> None:
    """(e) issue every card of meeting 1's 13 boxes, (f) write them as one PDF."""
    ensure_boxes(db.session, campaign, "benchmark")
    boxes = [b for b in boxes_of(db.session, campaign) if b.meeting and b.meeting.group.number == 1]
    issued, cards = _timed(
        "(e) issue meeting 1's cards (baseline)",
        lambda: [issue_cards(db.session, b, default_card_count(b), "benchmark") for b in boxes],
    )
    runs = [
        PrintRun(box_name(b), "2026年11月24日 星期二 08:30", [("投票箱", b.id)], c)
        for b, c in zip(boxes, cards, strict=True)
    ]
    rendered, pdf = _timed(
        "(f) the cards as one PDF", lambda: cards_pdf(runs, "https://sanmin.example.cn")
    )
    total = sum(len(c) for c in cards)
    print(
        f"{total:,} cards, {pdf.count(b'/Type /Page') - pdf.count(b'/Type /Pages'):,} pages, "
        f"{len(pdf) / 2**20:.1f} MiB; ratio (f)/(e): {rendered / issued:.1f}×"
    )
    app = current_app._get_current_object()

    def job() -> None:
        started = start_print_job(db.session, campaign, 2, "benchmark")
        db.session.commit()
        write_print_job(app, started.id, "https://sanmin.example.cn")

    background, _ = _timed("(g) meeting 2 as the office's print job", job)
    print(f"ratio (g)/((e)+(f)): {background / (issued + rendered):.2f}×")


if __name__ == "__main__":
    main()
