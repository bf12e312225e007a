"""The clock: Beijing's date for people and deadlines; naive UTC for stored times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def beijing_date(stored: dt.datetime) -> dt.date:
    """The Beijing date of a stored (naive UTC) time."""
    return stored.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()
