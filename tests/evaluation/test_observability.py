"""What the operator watches, under gunicorn with several workers as in production: the
metrics address sums every worker's figures (requests by route and status, latency, ballots,
refusals by kind, boxes by state), and the JSON log has one line a request and no secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.invariants.test_nothing_lost import _free_port

WORKERS = 3
SANMIN = str(Path(sys.executable).with_name("sanmin"))


def _request(url: str, body: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(url, data=body, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _samples(url: str) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_sum_every_worker_and_json_logs_hold_no_secret(app, election, tmp_path):
    port, metrics_port = _free_port(), _free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"} | {
        "SANMIN_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SANMIN_SECRET_KEY": "k" * 40,
        "SANMIN_AUDIT_KEY": "test-audit-key",
        "SANMIN_LOG_FORMAT": "json",
        "SANMIN_VOTE_GUESS_LIMIT": "100000 per minute",
    }
    server = subprocess.Popen(
        [SANMIN, "serve", "--workers", str(WORKERS), "--threads", "2"]
        + ["--bind", f"127.0.0.1:{port}", "--metrics-bind", f"127.0.0.1:{metrics_port}"],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base, metrics = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                urllib.request.urlopen(metrics, timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        body = urllib.parse.urlencode(election.full_ballot()).encode()
        cards = election.cards[:12]
        # Many requests, so that every worker answers some (each keeps its own figures).
        for card in cards:
            assert _request(f"{base}/v/{card.token}") == 200
            assert _request(f"{base}/v/{card.token}", body) == 200
        assert _request(f"{base}/v/{cards[0].token}", body) == 409  # used
        assert _request(f"{base}/v/not-a-card-at-all") == 404
        assert _request(f"{base}/no/such/page") == 404
        time.sleep(0.2)
        samples = _samples(metrics)
    finally:
        server.terminate()
        server.wait(timeout=30)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0)

    assert value("sanmin_ballots_cast_total", channel="phone") == len(cards)
    assert value("sanmin_requests_total", route="/v/<token>", status="200") == 2 * len(cards)
    assert value("sanmin_requests_total", route="/v/<token>", status="409") == 1
    assert value("sanmin_requests_total", route="(unmatched)", status="404") == 1
    assert value("sanmin_refusals_total", kind="card-used") == 1
    assert value("sanmin_refusals_total", kind="card-unknown") == 1
    assert value("sanmin_refusals_total", kind="not-found") == 1
    assert value("sanmin_request_seconds_count", route="/v/<token>") == 2 * len(cards) + 2
    assert value("sanmin_ballot_boxes", state="open") == 1
    assert value("sanmin_ballot_boxes", state="sealed") == 0
    assert value("sanmin_database_up") == 1

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    requests = [
        line
        for line in lines
        if line["logger"] == "sanmin.requests" and line["route"] != "/healthz"
    ]
    assert len(requests) == 2 * len(cards) + 3
    assert {line["pid"] for line in requests} and all(line["ms"] >= 0 for line in requests)
    assert {(r["method"], r["route"], r["status"]) for r in requests} >= {
        ("POST", "/v/<token>", 200),
        ("GET", "/v/<token>", 200),
    }
    everything = log.read_text()
    for card in election.cards:
        assert card.token not in everything
    assert "not-a-card-at-all" not in everything
    assert any(line["logger"].startswith("gunicorn") for line in lines)  # its lines too
