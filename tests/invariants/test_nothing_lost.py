"""Invariant 3: a ballot whose success page was sent survives a kill -9 of the server."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ballots.cards import issue_cards
from ballots.models import Ballot, PendingBallot, Receipt, VotingToken
from tests.conftest import on_postgresql

CARDS = 400


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(
    database_url: str, port: int, log: Path, workers: int = 2, **settings: str
) -> subprocess.Popen:
    """`sanmin serve` on the test database, with SANMIN_* settings; waits until it answers."""
    env = os.environ | {
        "SANMIN_DATABASE_URL": database_url,
        "SANMIN_SECRET_KEY": "k" * 40,
        "SANMIN_VOTE_GUESS_LIMIT": "100000 per minute",
        **{f"SANMIN_{key}": value for key, value in settings.items()},
    }
    sanmin = str(Path(sys.executable).with_name("sanmin"))  # the production command
    process = subprocess.Popen(
        [
            sanmin,
            "serve",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(log.read_text())


def test_every_acknowledged_ballot_survives_a_kill_of_the_server(app, election, db, tmp_path):
    cards = issue_cards(db.session, election.box, CARDS, "admin", over_limit_reason="压力测试")
    body = urllib.parse.urlencode(election.full_ballot()).encode()
    db.session.commit()
    port = _free_port()
    server = _start_server(app.config["SQLALCHEMY_DATABASE_URI"], port, tmp_path / "server.log")
    acknowledged: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def voter(chunk: list) -> None:
        for card in chunk:
            if killed.is_set():
                return
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/v/{card.token}", data=body, timeout=10
                ) as response:
                    page = response.read().decode()
            except (OSError, http.client.HTTPException):  # refused, reset or cut mid-answer
                continue  # never acknowledged: it may or may not have been stored
            receipt = re.search(r'<p class="receipt">(\w+)</p>', page)
            if receipt:
                with lock:
                    acknowledged.append(receipt[1])

    threads = [threading.Thread(target=voter, args=(cards[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < CARDS // 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(server.pid, signal.SIGKILL)  # the master and its workers, mid-load
    killed.set()
    server.wait()
    for thread in threads:
        thread.join()

    restarted = _start_server(app.config["SQLALCHEMY_DATABASE_URI"], port, tmp_path / "again.log")
    try:
        db.session.expire_all()
        stored = {r.code for r in db.session.query(Receipt)}
        assert set(acknowledged) <= stored
        ballots = db.session.query(PendingBallot).count()  # sealed in the pool until sealing
        assert ballots >= len(acknowledged) > 0
        assert ballots == db.session.query(VotingToken).filter_by(state="used").count()
        assert ballots == len(stored)
    finally:
        os.killpg(restarted.pid, signal.SIGKILL)
        restarted.wait()


def _restart_postgresql() -> bool:
    """Restart the local cluster (CI runs as root on the machine that hosts it)."""
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        return False
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        timeout=120,
    )
    return True


@pytest.mark.skipif(not on_postgresql(), reason="restarts the PostgreSQL server")
def test_a_database_restart_mid_load_loses_no_acknowledged_ballot(app, election, db, tmp_path):
    cards = issue_cards(db.session, election.box, CARDS, "admin", over_limit_reason="压力测试")
    body = urllib.parse.urlencode(election.full_ballot()).encode()
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    port = _free_port()
    server = _start_server(app.config["SQLALCHEMY_DATABASE_URI"], port, tmp_path / "server.log")
    acknowledged: list[str] = []
    lock = threading.Lock()

    def voter(chunk: list) -> None:
        for card in chunk:
            for _attempt in range(20):  # a phone retries until it sees an answer
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/v/{card.token}", data=body, timeout=10
                    ) as response:
                        page = response.read().decode()
                except (OSError, http.client.HTTPException):  # refused, reset or cut mid-answer
                    time.sleep(0.5)
                    continue
                receipt = re.search(r'<p class="receipt">(\w+)</p>', page)
                if receipt:
                    with lock:
                        acknowledged.append(receipt[1])
                break

    threads = [threading.Thread(target=voter, args=(cards[i::8],)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < CARDS // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        if not _restart_postgresql():
            pytest.skip("cannot restart PostgreSQL here (needs root and pg_ctlcluster)")
        for thread in threads:
            thread.join()
        # The pool's pre-ping replaced the dead connections: the site answers again.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    stored = {r.code for r in db.session.query(Receipt)}
    assert set(acknowledged) <= stored
    assert len(acknowledged) > CARDS // 4  # voting went on after the restart
    assert db.session.query(PendingBallot).count() == len(stored)


# A sealing killed after it wrote the box's ballots but before its commit.
DIE_WHILE_SEALING = """
import os, signal, sys
import ballots.sealing
from evaluation.shell.console import sanmin

def die(session, box):
    session.flush()  # the shuffled ballots are written, the pool not yet emptied
    os.kill(os.getpid(), signal.SIGKILL)

ballots.sealing.forget_box_key = die
sanmin(["ballots", "seal", "--box", sys.argv[1]])
"""


def test_a_kill_in_the_middle_of_sealing_loses_nothing_and_the_seal_can_be_finished(
    client, app, election, db, runner
):
    from ballots.models import BallotBox, BoxKeyPiece, BoxState, PendingBallot
    from ballots.tally import stored_tally

    for card in election.cards[:15]:
        assert client.post(f"/v/{card.token}", data=election.full_ballot()).status_code == 200
    election.box.state = BoxState.CLOSED.value
    db.session.commit()
    env = os.environ | {
        "SANMIN_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SANMIN_SECRET_KEY": "k" * 40,
    }
    killed = subprocess.run(
        [sys.executable, "-c", DIE_WHILE_SEALING, str(election.box.id)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    db.session.expire_all()
    box = db.session.get(BallotBox, election.box.id)
    assert box.state == BoxState.CLOSED.value
    assert db.session.query(PendingBallot).count() == 15  # the pool is whole
    assert db.session.query(Ballot).count() == 0  # nothing half-written
    assert db.session.query(BoxKeyPiece).filter_by(box_id=box.id).count() == 6

    finished = runner.invoke(args=["ballots", "seal", "--box", str(box.id)])
    assert finished.exit_code == 0, finished.output
    db.session.expire_all()
    assert db.session.query(Ballot).count() == 15
    assert db.session.query(PendingBallot).count() == 0
    tally = stored_tally(db.session, box)
    assert tally[(election.departments[0].id, "satisfied", "phone")] == 15
