"""What an operator watches: Prometheus metrics and one JSON log line per request.

Metrics are kept only under `sanmin serve --metrics-bind` (which sets PROMETHEUS_MULTIPROC_DIR
before the workers start: each worker writes its figures to files there, and the master
serves their sum on its own address). `prometheus_client` picks single- or multi-process mode
when it is first imported, so it is imported here lazily, never before that choice is made.

Neither a metric label nor a log line holds a voting token, an answer link, a query string or
anything a person typed: requests are named by their route's rule (`/v/<token>`), never by
their path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from functools import cache
from typing import Any

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session
from werkzeug.wrappers import Response

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Seconds; a ballot's post is usually 5-20 ms, an export several seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
request_log = logging.getLogger("sanmin.requests")


def enabled() -> bool:
    """Metrics are kept: this process is a worker of `sanmin serve --metrics-bind`."""
    return bool(os.environ.get(MULTIPROCESS_DIR))


@cache
def _metrics() -> dict[str, Any]:
    from prometheus_client import Counter, Histogram

    return {
        "requests": Counter(
            "sanmin_requests", "Requests answered, by route and status", ["route", "status"]
        ),
        "latency": Histogram(
            "sanmin_request_seconds",
            "Time to answer a request, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
        ),
        "ballots": Counter("sanmin_ballots_cast", "Ballots stored, by channel", ["channel"]),
        "refusals": Counter("sanmin_refusals", "Requests refused, by kind", ["kind"]),
    }


def count_refusal(kind: str) -> None:
    """A refusal a citizen or a script met: `card-used`, `rate-limited`, `csrf`, …"""
    if enabled():
        _metrics()["refusals"].labels(kind).inc()


def count_ballot_when_committed(session: Session, channel: str) -> None:
    """Count a ballot once its transaction commits (never one that was rolled back)."""
    if not enabled():
        return
    target = session() if isinstance(session, scoped_session) else session
    event.listen(
        target,
        "after_commit",
        lambda _s: _metrics()["ballots"].labels(channel).inc(),
        once=True,
    )


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the
    request's fields where the record carries them."""

    FIELDS = ("method", "route", "status", "ms", "pid")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def use_json_logs(app: Flask) -> None:
    """Every log line of the process as JSON on stderr (SANMIN_LOG_FORMAT=json)."""
    from flask.logging import default_handler

    from evaluation.core.security import MaskVotingTokens

    app.logger.removeHandler(default_handler)  # its lines go to the root's, as JSON
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    handler.addFilter(MaskVotingTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "(unmatched)"


def init_observability(app: Flask) -> None:
    """Time every request; record it in the metrics and, with JSON logs, in one log line."""
    json_logs = app.config.get("LOG_FORMAT") == "json"
    if json_logs:
        use_json_logs(app)

    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.get("started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = _route()
        if enabled():
            metrics = _metrics()
            metrics["requests"].labels(route, str(response.status_code)).inc()
            metrics["latency"].labels(route).observe(seconds)
        if json_logs:
            request_log.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "ms": round(seconds * 1000, 1),
                    "pid": os.getpid(),
                },
            )
        return response
