"""The public rectification board and its API at a city's scale, against /healthz.

    .venv/bin/python benchmarks/rectification.py                 # 57 departments × 4 tasks
    .venv/bin/python benchmarks/rectification.py --tasks 8

Builds a campaign with 57 departments on a temporary SQLite file, each with N listed tasks of
4 milestones and 6 progress reports, then times (a) /healthz (the baseline: what any request
costs), (b) the public board /rectification/ and (c) GET /api/v1/rectification, each over
the test client, and prints requests per second and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

# This folder holds a file named like the `suggestions` package; keep it from shadowing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

from flask_migrate import upgrade

from evaluation.campaign.models import Campaign, Department, Group, Phase
from evaluation.core.extensions import db
from evaluation.shell.app import create_app
from rectification import services
from rectification.models import TaskSource

START = dt.date(2026, 9, 1)


def _build(tasks_each: int) -> None:
    campaign = Campaign(year=2026, title="2026年度三民活动", phase=Phase.HANDLING.value)
    db.session.add(campaign)
    group = Group(campaign=campaign, number=1, name="第一组")
    units = [
        Department(
            campaign=campaign,
            code=f"D{i:02}",
            name=f"市第{i}局",
            short_name=f"第{i}局",
            group=group,
            order_in_group=i,
        )
        for i in range(1, 58)
    ]
    db.session.add_all(units)
    db.session.flush()
    for unit in units:
        for n in range(tasks_each):
            task = services.create_task(
                db.session,
                campaign,
                services.TaskInput(
                    department_id=unit.id,
                    official="分管负责人",
                    leader="分管副市长",
                    source=TaskSource.RESULT,
                    problem=f"{unit.name}第{n + 1}项问题：办事环节多、时间长，群众反映强烈。",
                    commitment="按节点压减环节和时限，每月报告进展，年底前全部完成。",
                ),
                "benchmark",
            )
            steps = [
                services.MilestoneInput(f"节点{k}", START + dt.timedelta(days=30 * k), k)
                for k in range(1, 5)
            ]
            services.submit_plan(db.session, task, unit, "成立专班，逐项整改。", steps, "b", START)
            services.approve_plan(db.session, task, "benchmark")
            for k, milestone in enumerate(task.milestones[:3]):
                for p in (50, 100):
                    services.report_progress(
                        db.session,
                        task,
                        unit,
                        milestone.id,
                        p,
                        "按计划推进，已完成相应工作。",
                        "",
                        "b",
                        START + dt.timedelta(days=20 + 30 * k + p // 10),
                    )
    db.session.commit()


def _rate(client, path: str, seconds: float) -> float:  # noqa: ANN001
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=4, help="Tasks per department")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "SECRET_KEY": "b" * 20 + "0123456789abcdef",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            _build(args.tasks)
            print(f"built {57 * args.tasks} tasks in {time.perf_counter() - started:.1f} s")
            db.session.remove()
        client = app.test_client()
        baseline = _rate(client, "/healthz", args.seconds)
        print(f"(a) /healthz (baseline)                   {baseline:8.1f} req/s")
        for label, path in (
            ("(b) the public board", "/rectification/"),
            ("(c) GET /api/v1/rectification", "/api/v1/rectification"),
        ):
            rate = _rate(client, path, args.seconds)
            print(f"{label:42} {rate:8.1f} req/s   {rate / baseline:.3f}× /healthz")


if __name__ == "__main__":
    main()
