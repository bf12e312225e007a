"""Production pieces: one trusted proxy hop, `sanmin serve` workers, `sanmin backup`."""

import sqlite3
import urllib.request

import pytest

from evaluation.core import audit
from evaluation.core.models import AuditEvent
from tests.conftest import on_postgresql
from tests.invariants.test_nothing_lost import _free_port, _start_server


def _bad_logins(client, address: str, count: int) -> list[int]:
    headers = {"X-Forwarded-For": address}
    form = {"username": "nobody", "password": "wrong"}
    return [client.post("/login", data=form, headers=headers).status_code for _ in range(count)]


def test_behind_one_proxy_limits_count_each_citizens_address(make_app):
    app = make_app(PROXY_HOPS=1, LOGIN_LIMIT_PER_IP="2 per minute")
    client = app.test_client()
    assert _bad_logins(client, "10.0.0.1", 3) == [401, 401, 429]
    assert _bad_logins(client, "10.0.0.2", 1) == [401]  # another citizen, same proxy


def test_without_a_trusted_proxy_the_header_is_ignored(make_app):
    app = make_app(LOGIN_LIMIT_PER_IP="2 per minute")
    client = app.test_client()
    assert _bad_logins(client, "10.0.0.1", 2) == [401, 401]
    assert _bad_logins(client, "10.0.0.2", 1) == [429]  # a forged header changes nothing


def test_sanmin_serve_runs_several_workers(app, tmp_path):
    port = _free_port()
    server = _start_server(app.config["SQLALCHEMY_DATABASE_URI"], port, tmp_path / "serve.log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = (tmp_path / "serve.log").read_text()
    assert log.count("Booting worker") == 2


@pytest.mark.skipif(on_postgresql(), reason="the SQLite online backup")
def test_backup_of_sqlite_is_a_consistent_copy_and_never_overwrites(app, runner, db, tmp_path):
    for n in range(3):
        audit.record(db.session, "test", "campaign.update", str(n))
    db.session.commit()
    events = db.session.query(AuditEvent).count()
    assert events == 3
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM audit_event").fetchone()[0] == events
    copy.close()
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "不会覆盖" in again.output


@pytest.mark.skipif(not on_postgresql(), reason="pg_dump of the PostgreSQL database")
def test_backup_of_postgresql_uses_pg_dump(app, runner, tmp_path):
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"PGDMP")
