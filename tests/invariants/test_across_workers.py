"""Invariants 1 and the rate limits with several gunicorn workers, as in production: reached
directly, and through Debian's nginx with the shipped configuration (deploy/nginx).

Each request may land on another process: one card still gives one ballot, and a limit
counted in Redis holds across all of them, whatever X-Forwarded-For a script sends.
"""

import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ballots.models import PendingBallot
from deploy.local_nginx import nginx_binary, start_nginx, stop_nginx
from tests.invariants.test_nothing_lost import _free_port, _start_server

WORKERS = 4
LIMITER = os.environ.get("SANMIN_TEST_RATELIMIT_STORAGE_URI", "memory://")


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(params=["direct", "nginx"])
def serve(app, tmp_path, request):
    """Start `sanmin serve` with settings; give the address phones reach it at."""
    through_nginx = request.param == "nginx"
    if through_nginx and nginx_binary() is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    servers, fronts = [], []

    def start(**settings: str) -> str:
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        database = app.config["SQLALCHEMY_DATABASE_URI"]
        if through_nginx:
            settings = {"PROXY_HOPS": "1", **settings}  # as the README's production recipe
        servers.append(_start_server(database, port, log, workers=WORKERS, **settings))
        if not through_nginx:
            return f"http://127.0.0.1:{port}"
        front, process = start_nginx(port, tmp_path / f"nginx-{port}")
        fronts.append(process)
        return f"http://127.0.0.1:{front}"

    yield start
    for process in fronts:
        stop_nginx(process)
    for server in servers:
        server.terminate()
        server.wait(timeout=30)


def test_one_card_posted_to_every_worker_at_once_gives_one_ballot(serve, election, db):
    base = serve()
    body = urllib.parse.urlencode(election.full_ballot()).encode()
    url = f"{base}/v/{election.cards[0].token}"
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(lambda _: _post(url, body), range(40)))
    assert statuses.count(200) == 1, statuses
    assert all(s in (200, 409) for s in statuses), statuses
    db.session.expire_all()
    assert db.session.query(PendingBallot).count() == 1


@pytest.mark.skipif(not LIMITER.startswith("redis"), reason="needs the Redis limiter storage")
def test_a_rate_limit_holds_across_workers(serve):
    base = serve(
        RATELIMIT_STORAGE_URI=LIMITER,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        LOGIN_LIMIT_PER_IP="5 per minute",
        LOGIN_LIMIT_PER_USERNAME="1000 per minute",
        WTF_CSRF_ENABLED="false",  # the limit, not the form token, is under test
    )
    body = urllib.parse.urlencode({"username": "nobody", "password": "wrong"}).encode()

    def attempt(n: int) -> int:  # a script claiming to be a new address each time
        return _post(f"{base}/login", body, {"X-Forwarded-For": f"10.9.{n // 250}.{n % 250}"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(24)))
    assert statuses.count(429) == 19, statuses  # 5 tries allowed in all, whichever worker
