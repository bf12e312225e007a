"""The metrics address of `sanmin serve --metrics-bind HOST:PORT`, served by gunicorn's master.

Each worker writes its counters to files in one folder (prometheus_client's multiprocess
mode, `evaluation.core.observe`); the master adds them up on every scrape, together with the
ballot boxes by state, read from the database at that moment. The address is separate from
the site's, so that only the monitoring network reaches it (never put it behind nginx).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from ballots.models import BallotBox, BoxState
from evaluation.core.observe import MULTIPROCESS_DIR


def prepare_folder() -> str:
    """The workers' metrics folder (PROMETHEUS_MULTIPROC_DIR if set, else a new one), emptied:
    figures of an earlier run must not be added to this one's."""
    folder = os.environ.get(MULTIPROCESS_DIR) or tempfile.mkdtemp(prefix="sanmin-metrics-")
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR] = folder  # before the workers start, and before any import
    return folder


class BoxStates:
    """`sanmin_ballot_boxes{state}` and `sanmin_database_up`, asked of the database per scrape
    on a connection of its own (the master never holds one the workers could inherit)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        engine = create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(BallotBox.state, func.count()).group_by(BallotBox.state)
                ).all()
            counts, up = {state: n for state, n in rows}, 1
        except SQLAlchemyError:
            counts, up = {}, 0
        finally:
            engine.dispose()
        boxes = GaugeMetricFamily("sanmin_ballot_boxes", "Ballot boxes by state", labels=["state"])
        for state in BoxState:
            boxes.add_metric([state.value], counts.get(state.value, 0))
        yield boxes
        yield GaugeMetricFamily("sanmin_database_up", "The database answered the scrape", up)


def serve_metrics(bind: str, database_url: str) -> None:
    """Start the master's metrics address (a thread): every worker's figures, summed."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(BoxStates(database_url))
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)


def forget_worker(pid: int) -> None:
    """A worker exited: its live figures go; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
