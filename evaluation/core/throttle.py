"""Throttling failures only (a wrong card token, a wrong password): a success is never refused.

A rate limit on every request would let one phone at a venue, whose people share one
address, lock the whole room out, and let anyone anywhere lock a named official out by
typing wrong passwords. Here only failures count, under keys the caller chooses, in the
rate limiter's storage (Redis in production, so every worker sees the same counts).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many

from evaluation.core.errors import Refused
from evaluation.core.extensions import limiter


class TooManyFailures(Refused):
    """Too many failures under a key: try again once its window has passed."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("操作过于频繁，请 %(n)s 秒后再试。", n=retry_after))
        self.retry_after = retry_after


def _keys(scope: str, key: str) -> tuple[str, ...]:
    return (current_app.config.get("RATELIMIT_KEY_PREFIX") or "sanmin", "failures", scope, key)


def _limits(limit: str) -> list[RateLimitItem]:
    return parse_many(limit)


def refuse_if_exhausted(scope: str, key: str, limit: str) -> None:
    """Refuse before the work when this key has used up its failures."""
    for item in _limits(limit):
        if not limiter.limiter.test(item, *_keys(scope, key)):
            raise TooManyFailures(item.get_expiry())


def count_failure(scope: str, key: str, limit: str) -> None:
    """Count one failure; the one beyond the limit is itself refused (atomic in the store,
    so concurrent failures on several workers cannot all slip through)."""
    for item in _limits(limit):
        if not limiter.limiter.hit(item, *_keys(scope, key)):
            raise TooManyFailures(item.get_expiry())
