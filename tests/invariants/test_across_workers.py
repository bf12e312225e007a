"""Invariants 1 and the rate limits with several gunicorn workers, as in production.

Each request may land on another process: one card still gives one ballot, and a limit
counted in Redis holds across all of them.
"""

import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ballots.models import PendingBallot
from tests.invariants.test_nothing_lost import _free_port, _start_server

WORKERS = 4
LIMITER = os.environ.get("SANMIN_TEST_RATELIMIT_STORAGE_URI", "memory://")


def _post(url: str, body: bytes) -> int:
    try:
        with urllib.request.urlopen(url, data=body, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def serve(app, tmp_path):
    servers = []

    def start(**settings: str) -> str:
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        database = app.config["SQLALCHEMY_DATABASE_URI"]
        servers.append(_start_server(database, port, log, workers=WORKERS, **settings))
        return f"http://127.0.0.1:{port}"

    yield start
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
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: _post(f"{base}/login", body), range(24)))
    assert statuses.count(429) == 19, statuses  # 5 tries allowed in all, whichever worker
