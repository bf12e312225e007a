"""The suggestions board and unit statistics with 100,000 suggestions stored.

    .venv/bin/python benchmarks/suggestions.py                  # SQLite in a temporary folder
    .venv/bin/python benchmarks/suggestions.py --database-url postgresql://postgres@127.0.0.1:5432/test

Builds a fresh database (the PostgreSQL one is emptied first), stores N suggestions spread
over 57 units, every status and warning level, then times requests through the app in this
process (no network): GET /healthz as the baseline, the board's first page, a filtered page,
the unit statistics page and the two API calls. Prints median and p95 per request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This file is named like the `suggestions` package; keep its folder from shadowing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, select, text

from evaluation.campaign.models import Campaign, Department, EvaluationMode, Group, Phase
from evaluation.core.extensions import db
from evaluation.core.models import Role, User
from evaluation.shell.app import create_app
from suggestions.models import (
    Channel,
    Satisfaction,
    Status,
    Suggestion,
    SuggestionCategory,
    Urgency,
)

UNITS = 57
BATCH = 5_000
TEXTS = [
    "建议增开{n}路公交线路，缓解早晚高峰出行难。",
    "学校门口增设临时停车位，缓解上下学时段的交通拥堵（第{n}小学）。",
    "图书馆周末开放时间太短，建议延长到晚上九点，第{n}分馆尤其需要。",
    "老旧小区加装电梯进度慢，希望加快{n}号楼的审批。",
    "菜市场周边占道经营严重，垃圾清运不及时，第{n}街道希望加强管理。",
]


def _reset_postgresql(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _populate(count: int, seed: int) -> str:
    """Store the campaign and `count` suggestions; returns a unit code to filter by."""
    rng = random.Random(seed)
    today = dt.date.today()
    campaign = Campaign(year=today.year, title="基准测试", phase=Phase.HANDLING.value)
    db.session.add(campaign)
    group = Group(campaign=campaign, number=1, name="第1组")
    units = [
        Department(
            campaign=campaign,
            code=f"D{i:02d}",
            name=f"市第{i}局",
            short_name=f"第{i}局",
            evaluation_mode=EvaluationMode.PUBLIC.value,
            group=group,
            order_in_group=i,
        )
        for i in range(1, UNITS + 1)
    ]
    db.session.add_all(units)
    categories = [
        SuggestionCategory(campaign=campaign, name=name, position=i)
        for i, name in enumerate(["经济社会发展", "服务型政府建设", "部门工作作风", "其他"])
    ]
    db.session.add_all(categories)
    db.session.flush()
    statuses = [Status.RECEIVED, Status.ASSIGNED, Status.ANSWERED, Status.REVIEWING]
    rows = []
    started = time.perf_counter()
    for n in range(count):
        status = rng.choices(statuses + [Status.REJECTED], weights=[10, 35, 45, 5, 5])[0]
        handled = status in (Status.ASSIGNED, Status.ANSWERED, Status.REVIEWING)
        assigned = today - dt.timedelta(days=rng.randint(0, 40))
        due = assigned + dt.timedelta(days=rng.randint(3, 14))
        answered = status in (Status.ANSWERED, Status.REVIEWING)
        taken = rng.randint(1, 12) if answered else None
        rows.append(
            {
                "campaign_id": campaign.id,
                "tracking_code": f"{n:010d}",
                "channel": rng.choice(list(Channel)).value,
                "category_id": rng.choice(categories).id,
                "text": rng.choice(TEXTS).format(n=n % 500) * rng.randint(1, 3),
                "created_at": dt.datetime.combine(assigned, dt.time(9)),
                "status": status.value,
                "urgency": rng.choice(list(Urgency)).value,
                "lead_unit_id": rng.choice(units).id if handled else None,
                "assigned_on": assigned if handled else None,
                "due_on": due if handled else None,
                "answered_on": assigned + dt.timedelta(days=taken) if answered else None,
                "working_days_taken": taken,
                "on_time": (taken <= 5) if answered else None,
                "feedback": rng.choice([None, *list(Satisfaction)]) if answered else None,
                "reopened": False,
                "name_consent": False,
                "reject_reason": "spam" if status == Status.REJECTED else None,
            }
        )
        if len(rows) == BATCH:
            db.session.execute(insert(Suggestion), rows)
            rows = []
    if rows:
        db.session.execute(insert(Suggestion), rows)
    db.session.commit()
    print(f"stored {count:,} suggestions in {time.perf_counter() - started:.1f} s")
    return units[7].code


def _time(client: object, url: str, repeat: int) -> tuple[float, float]:
    client.get(url)  # warm the caches and the connection pool
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suggestions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        if url.startswith("postgresql"):
            _reset_postgresql(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-" + "x" * 32})
        with app.app_context():
            upgrade()
            unit = _populate(args.suggestions, args.seed)
            db.session.remove()
            if url.startswith("postgresql"):
                # What autovacuum does soon after a bulk load: statistics for the planner and
                # the visibility map that lets covering indexes answer without the table.
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE suggestion"))
        client = app.test_client()
        with app.app_context():  # the office's item page needs a login
            admin = User(username="bench-admin", role=Role.ADMIN.value, display_name="基准")
            admin.set_password("bench-" + "x" * 16)
            db.session.add(admin)
            db.session.commit()
            received = db.session.execute(
                select(Suggestion.id)
                .where(Suggestion.status == Status.RECEIVED.value)
                .order_by(Suggestion.id.desc())
            ).scalar()
            with client.session_transaction() as session:
                session["_user_id"] = str(admin.id)
                session["_fresh"] = True
                session["sv"] = admin.session_version
            db.session.remove()
        pages = [
            ("baseline: GET /healthz", "/healthz"),
            ("board, first page", "/suggestions/"),
            ("board, filtered (unit + status)", f"/suggestions/?unit={unit}&status=assigned"),
            ("board, filtered (red warning)", "/suggestions/?warning=red&page=3"),
            ("unit statistics page", "/suggestions/units"),
            ("API /suggestions", "/api/v1/suggestions?status=answered"),
            ("API /units/stats", "/api/v1/units/stats"),
            ("office item page (疑似重复 hints)", f"/office/suggestions/{received}"),
        ]
        kind = url.split(":", 1)[0].split("+")[0]
        print(f"{kind}, {args.suggestions:,} suggestions, {args.repeat} requests each")
        print(f"{'request':36} {'median':>9} {'p95':>9}")
        for label, path in pages:
            median, p95 = _time(client, path, args.repeat)
            print(f"{label:36} {median:7.1f}ms {p95:7.1f}ms")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
