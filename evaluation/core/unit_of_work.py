"""One request, one transaction: a request commits once, when it has answered without a
refusal; a refusal (any 4xx or 5xx) rolls back everything it did. GET never writes.

Views and services never commit; commands use `evaluation.core.cli.one_transaction`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from evaluation.core.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WROTE = "sanmin.wrote"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, flush_context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_write(session: Session) -> None:
    session.info.pop(WROTE, None)


class ReadOnlyRequestWrote(RuntimeError):
    """A GET changed the database: a bug, never a page."""


def finish_request(response: Response) -> Response:
    """Commit what a successful POST did; roll back a refusal, and whatever a GET tried."""
    session = db.session
    if request.method in SAFE_METHODS:
        changed = [o for o in session.dirty if session.is_modified(o)]
        wrote = bool(session.new or session.deleted or changed or session.info.get(WROTE))
        session.rollback()
        if wrote:
            raise ReadOnlyRequestWrote(f"{request.method} {request.path} wrote to the database")
    elif response.status_code >= 400:
        session.rollback()
    else:
        session.commit()  # before the answer leaves: acknowledged only once durable
    return response


def init_unit_of_work(app: Flask) -> None:
    app.after_request(finish_request)


def after_commit(work: Callable[[], None]) -> None:
    """Run `work` once this unit of work has committed (never if it rolls back): e.g. start a
    background job that reads what the request wrote."""
    event.listen(db.session(), "after_commit", lambda _session: work(), once=True)
