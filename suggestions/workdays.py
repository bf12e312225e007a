"""Working days (工作日) on China's official calendar, with the city's own extra days off.

Public holidays and make-up working days (调休) come from the `chinesecalendar` package, which
knows the years up to the latest State Council notice. For a later year we count weekends only
and say so, so that the office can warn the admin instead of silently guessing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def official_working_day(day: dt.date) -> bool | None:
    """Whether `day` is a working day on the official calendar; None for a year it does not know."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar plus local extra days off (the admin keeps them)."""

    local_days_off: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def with_days_off(cls, days: Iterable[dt.date]) -> WorkCalendar:
        return cls(frozenset(days))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.local_days_off:
            return False
        official = official_working_day(day)
        if official is None:  # a year the package does not know: weekends only
            return day.weekday() < 5
        return official

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start`; `start` itself is never counted."""
        if days < 1:
            raise ValueError("days must be at least 1")
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    @staticmethod
    def unknown_years(*days: dt.date) -> list[int]:
        """The years among `days` for which only weekends are counted."""
        return sorted({d.year for d in days if official_working_day(dt.date(d.year, 1, 1)) is None})
