"""Ballot load: simulated phones vote against the app under gunicorn; prints rates and latency.

    python benchmarks/ballot_load.py [--ballots 3000] [--phones 100] [--workers 4]
                                     [--database-url postgresql://postgres@127.0.0.1/test]
                                     [--ratelimit-storage redis://…] [--metrics] [--nginx]

Builds a fresh database (SQLite in a temporary folder unless --database-url is given; that
database is wiped), one meeting of 14 departments with an open box and N cards, starts
gunicorn, measures GET /healthz as the baseline, then lets M phones each GET the voting page
and POST a full ballot. Afterwards it checks ballots stored = confirmations received, none lost
and none duplicated, and exits 1 otherwise. With --nginx the phones go through Debian's nginx
with the shipped configuration (deploy/nginx), and /healthz is measured both ways.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluation.shell.production import DEFAULT_THREADS, DEFAULT_WORKERS  # noqa: E402


def build_database(url: str, ballots: int) -> tuple[list[str], dict[str, str]]:
    """A migrated database with an open box and `ballots` cards; returns tokens and a ballot."""
    import datetime as dt

    from flask_migrate import upgrade
    from sqlalchemy import text

    from ballots.cards import issue_cards
    from ballots.keys import demo_ceremony, prepare_box_key
    from ballots.models import BallotBox, BoxState
    from evaluation.campaign.models import Campaign, Department, Group, Meeting, Phase, Venue
    from evaluation.core.extensions import db
    from evaluation.shell.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 40})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        campaign = Campaign(year=2026, title="基准测试", phase=Phase.REPORTING.value)
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
        venue = Venue(campaign=campaign, name="主会场", kind="main", capacity=ballots)
        meeting = Meeting(group=group, date=dt.date(2026, 11, 24), starts_at=dt.time(9))
        box = BallotBox(campaign=campaign, meeting=meeting, venue=venue, state=BoxState.OPEN.value)
        db.session.add_all([campaign, group, *departments, venue, meeting, box])
        db.session.flush()
        demo_ceremony(db.session, campaign, "benchmark", "min")
        prepare_box_key(db.session, box)
        tokens = []
        while len(tokens) < ballots:
            batch = min(5000, ballots - len(tokens))
            tokens += [c.token for c in issue_cards(db.session, box, batch, "benchmark")]
        db.session.commit()
        choices = ["satisfied", "basically_satisfied", "dissatisfied", "unknown"]
        form = {f"r{d.id}": random.choice(choices) for d in departments}
        db.engine.dispose()
    return tokens, form


def start_gunicorn(
    url: str, port: int, workers: int, threads: int, storage: str, log: Path, more: list[str]
) -> subprocess.Popen:
    env = os.environ | {
        # Behind nginx the app trusts its one hop, as in the README's production recipe.
        "SANMIN_PROXY_HOPS": "1" if "--nginx" in sys.argv else "0",
        "SANMIN_DATABASE_URL": url,
        "SANMIN_SECRET_KEY": "b" * 40,
        "SANMIN_RATELIMIT_STORAGE_URI": storage,
        # The server runs this checkout's code (a worktree measured against another one),
        # not whatever the virtual environment's editable install points at.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    # The production command (README): gunicorn gthread workers.
    sanmin = str(Path(sys.executable).with_name("sanmin"))
    process = subprocess.Popen(
        [
            sanmin,
            "serve",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            *more,
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(log.read_text())


class Phone:
    """One phone's HTTP/1.1 connection, written on asyncio streams; reopened for the next
    request when the server closes it (as `sanmin serve` does after every response).

    The load generator shares the two cores with the server, so it must cost little:
    a plain asyncio client takes a fraction of the CPU of http.client in 100 threads.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: str = "") -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        data = body.encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(data)}\r\n"
        if data:
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
        writer.write(head.encode() + b"\r\n" + data)
        try:
            header = await reader.readuntil(b"\r\n\r\n")
            lines = header.decode("latin-1").split("\r\n")
            fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
            content = await reader.readexactly(int(fields.get("content-length", 0)))
        except (OSError, asyncio.IncompleteReadError):
            self.close()
            raise
        if fields.get("connection") == "close":
            self.close()
        return int(lines[0].split()[1]), content

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def run_phones(port: int, work: list, phones: int, task) -> tuple[list[float], int, float]:
    """Run `await task(phone, item)` over `work` with `phones` concurrent clients."""
    latencies: list[float] = []
    errors = 0
    items = iter(work)

    async def phone() -> None:
        nonlocal errors
        for item in items:  # one event loop: the shared iterator needs no lock
            client = Phone(port)  # every card is another phone with its own connection
            started = time.perf_counter()
            try:
                ok = await task(client, item)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
            client.close()

    async def everyone() -> float:
        began = time.perf_counter()
        await asyncio.gather(*(phone() for _ in range(phones)))
        return time.perf_counter() - began

    seconds = asyncio.run(everyone())
    return latencies, errors, seconds


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) of the live processes in a process group (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow as fields 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=3000)
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--ratelimit-storage", default="memory://")
    parser.add_argument(
        "--metrics", action="store_true", help="keep Prometheus metrics (--metrics-bind)"
    )
    parser.add_argument("--nginx", action="store_true", help="the phones go through nginx")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sanmin-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    print(
        f"database: {url.split('@')[-1]}; {args.ballots} cards, {args.phones} phones, "
        f"{args.workers} gunicorn workers × {args.threads} threads"
    )
    tokens, form = build_database(url, args.ballots)
    body = urllib.parse.urlencode(form)
    port = 18000 + os.getpid() % 1000
    more = ["--metrics-bind", f"127.0.0.1:{port + 1000}"] if args.metrics else []
    server = start_gunicorn(
        url, port, args.workers, args.threads, args.ratelimit_storage, folder / "gunicorn.log", more
    )
    receipts: list[str] = []
    front = None
    try:
        phones_port = port
        if args.nginx:
            from deploy.local_nginx import start_nginx

            phones_port, front = start_nginx(port, folder / "nginx")

        async def health(phone: Phone, _: object) -> bool:
            status, _content = await phone.request("GET", "/healthz")
            return status == 200

        for name, target in [("direct", port)] + ([("nginx", phones_port)] if front else []):
            latencies, errors, seconds = run_phones(
                target, range(args.ballots), args.phones, health
            )
            print(
                f"baseline GET /healthz ({name}): {len(latencies) / seconds:8.0f} req/s  "
                f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
                f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  errors {errors}"
            )

        async def vote(phone: Phone, token: str) -> bool:
            status, page = await phone.request("GET", f"/v/{token}")
            if status != 200:
                return False
            # The page's one-time value goes back with the ballot, as a browser sends it.
            nonce = re.search(rb'name="n" value="([^"]*)"', page)
            posted = body + (f"&n={nonce[1].decode()}" if nonce else "")
            status, content = await phone.request("POST", f"/v/{token}", posted)
            found = re.search(r'<p class="receipt">(\w+)</p>', content.decode())
            if status == 200 and found:
                receipts.append(found[1])
                return True
            return False

        server_cpu, phones_cpu = group_cpu_seconds(server.pid), time.process_time()
        latencies, errors, seconds = run_phones(phones_port, tokens, args.phones, vote)
        server_cpu = group_cpu_seconds(server.pid) - server_cpu
        phones_cpu = time.process_time() - phones_cpu
        print(
            f"ballots (GET page + POST): {len(latencies) / seconds:5.0f} ballots/s  "
            f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
            f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  errors {errors}  "
            f"({seconds:.1f} s for {len(tokens)})"
        )
        print(
            f"CPU while voting: server {server_cpu:.1f} s "
            f"({server_cpu / len(tokens) * 1000:.2f} ms a ballot), "
            f"phones {phones_cpu:.1f} s, of {seconds * os.cpu_count():.1f} s on "
            f"{os.cpu_count()} cores"
        )
    finally:
        if front is not None:
            front.terminate()
            front.wait()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()

    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        # Ballots wait sealed in the box's pool until it is sealed.
        stored = connection.execute(text("SELECT count(*) FROM ballot_pool")).scalar_one()
        codes = set(connection.execute(text("SELECT code FROM ballot_receipt")).scalars())
    lost = len(set(receipts) - codes)
    duplicated = len(receipts) - len(set(receipts))
    ok = stored == len(receipts) and not lost and not duplicated
    print(
        f"check: confirmations {len(receipts)}, ballots stored {stored}, lost {lost}, "
        f"duplicated {duplicated} -> {'OK' if ok else 'FAIL'}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
