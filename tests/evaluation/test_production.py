"""Production pieces: one trusted proxy hop, `sanmin serve` workers, `sanmin backup`, the
shipped nginx configuration."""

import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from deploy.local_nginx import nginx_binary, start_nginx, stop_nginx
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


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx)")
def test_behind_the_shipped_nginx_config_static_files_tokens_and_body_size(app, election, tmp_path):
    """deploy/nginx as an operator installs it (plain HTTP on loopback instead of TLS): nginx
    serves the static files itself, its access log never holds a voting token, and an upload
    over the app's 8 MiB is stopped at nginx."""
    port = _free_port()
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    server = _start_server(database, port, tmp_path / "serve.log", PROXY_HOPS="1")
    front, nginx = start_nginx(port, tmp_path / "nginx")
    base = f"http://127.0.0.1:{front}"
    token = election.cards[0].token
    try:
        with urllib.request.urlopen(f"{base}/static/style.css", timeout=10) as response:
            assert response.status == 200 and "Expires" in response.headers  # nginx's own
        body = urllib.parse.urlencode(election.full_ballot()).encode()
        with urllib.request.urlopen(f"{base}/v/{token}", data=body, timeout=10) as response:
            assert response.status == 200 and "receipt" in response.read().decode()
        big = urllib.request.Request(
            f"{base}/suggestions/new", data=b"x" * (9 * 1024 * 1024), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(big, timeout=30)
        assert refused.value.code == 413
    finally:
        stop_nginx(nginx)
        server.terminate()
        server.wait(timeout=30)
    logged = (tmp_path / "nginx" / "access.log").read_text()
    assert '"POST /v/***"' in logged and token not in logged
    assert "/static/" not in logged  # static files are not logged at all
