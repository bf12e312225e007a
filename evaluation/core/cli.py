"""Command-line helpers every room's commands use, and the audit log's commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
from flask.cli import with_appcontext

from evaluation.core import audit
from evaluation.core.errors import Refused
from evaluation.core.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def one_transaction(command: F) -> F:
    """A command is one unit of work: what it did is committed once, when it returns; a
    refusal rolls everything back, prints its Chinese message and exits non-zero."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = command(*args, **kwargs)
        except Refused as refusal:
            exit_refused(refusal)
        db.session.commit()
        return result

    return run  # type: ignore[return-value]


def exit_refused(refusal: Refused) -> NoReturn:
    """End a command on a refusal: roll back, print the Chinese message, exit non-zero."""
    db.session.rollback()
    click.echo(refusal.message, err=True)
    sys.exit(1)


def fail(message: str) -> NoReturn:
    """End a command with a message on standard error and a non-zero exit."""
    click.echo(message, err=True)
    sys.exit(1)


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.option(
    "--expect-head",
    default=None,
    help="A head hash noted down earlier (closing minutes, released results): it must still "
    "be in the chain, unchanged with every event before it.",
)
@with_appcontext
def audit_verify(expect_head: str | None) -> None:
    """Check the hash chain of the audit log; exit non-zero at the first broken link."""
    report = audit.verify_chain(db.session, expect_head)
    if not report.ok:
        at = f" at event {report.broken_at}" if report.broken_at is not None else ""
        fail(f"BROKEN{at}: {report.reason} ({report.count} events read)")
    click.echo(f"OK: {report.count} events, head {report.head_hash}")
