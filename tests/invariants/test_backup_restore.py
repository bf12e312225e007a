"""Invariant 3 across a restore: a backup taken while a venue votes, restored into a fresh
database, holds every ballot acknowledged before the backup began; the audit chain verifies,
and the restored box still opens with two key holders' passphrases and counts every ballot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from ballots.cards import issue_cards
from ballots.lifecycle import move_box
from ballots.models import Ballot, BallotBox, BoxState, PendingBallot, Receipt, VotingToken
from evaluation.core import audit
from evaluation.core.extensions import db as _db
from evaluation.shell.app import create_app
from tests.conftest import BASE_CONFIG, seal
from tests.invariants.test_nothing_lost import _free_port, _start_server

CARDS = 240
SANMIN = str(Path(sys.executable).with_name("sanmin"))


def _sanmin(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    env = os.environ | {
        "SANMIN_DATABASE_URL": database_url,
        "SANMIN_AUDIT_KEY": BASE_CONFIG["AUDIT_KEY"],
    }
    return subprocess.run([SANMIN, *arguments], env=env, capture_output=True, text=True)


def test_a_backup_taken_mid_vote_restores_every_acknowledged_ballot(
    app, election, db, tmp_path, fresh_database
):
    cards = issue_cards(db.session, election.box, CARDS, "admin", over_limit_reason="备份演练")
    body = urllib.parse.urlencode(election.full_ballot()).encode()
    box_id = election.box.id
    db.session.commit()
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    server = _start_server(source, port, tmp_path / "server.log", AUDIT_KEY="test-audit-key")
    acknowledged: list[str] = []
    lock = threading.Lock()

    def voter(chunk: list) -> None:
        for card in chunk:
            url = f"http://127.0.0.1:{port}/v/{card.token}"
            with urllib.request.urlopen(url, data=body, timeout=30) as response:
                receipt = re.search(r'<p class="receipt">(\w+)</p>', response.read().decode())
            assert receipt
            with lock:
                acknowledged.append(receipt[1])

    threads = [threading.Thread(target=voter, args=(cards[i::6],)) for i in range(6)]
    backup = tmp_path / "mid-vote.backup"
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < CARDS // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        with lock:
            before_backup = set(acknowledged)
        taken = _sanmin(source, "backup", str(backup))
        assert taken.returncode == 0, taken.stderr
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert CARDS // 3 <= len(before_backup) < len(acknowledged)  # the vote went on around it

    # Into an empty database, nothing is refused; the chain is checked as part of restoring.
    restored = _sanmin(fresh_database, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "审计日志核验通过" in restored.stdout
    # A database holding data is never overwritten without --force, and is left as it was.
    again = _sanmin(fresh_database, "restore", str(backup))
    assert again.returncode != 0 and "--force" in again.stderr

    copy = create_app({**BASE_CONFIG, "DATABASE_URL": fresh_database})
    with copy.app_context():
        session = _db.session
        stored = {r.code for r in session.query(Receipt)}
        assert before_backup <= stored
        pooled = session.query(PendingBallot).count()
        assert pooled == len(stored) == session.query(VotingToken).filter_by(state="used").count()
        assert audit.verify_chain(session).ok
        box = session.get(BallotBox, box_id)
        move_box(session, box, BoxState.CLOSED, None)
        seal(session, box)
        session.commit()
        assert session.query(Ballot).filter_by(box_id=box_id).count() == pooled
        _db.session.remove()
        _db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(app, election, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a backup")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    refused = _sanmin(url, "restore", str(stray))
    assert refused.returncode != 0 and "数据库未改动" in refused.stderr
    kept = _sanmin(url, "audit", "verify")
    assert kept.returncode == 0, kept.stderr
