"""Which language a page is in: Simplified Chinese unless the visitor chose another."""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, request
from flask_babel import format_date, format_time

LOCALE_COOKIE = "sanmin_lang"


def select_locale() -> str:
    chosen = request.cookies.get(LOCALE_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def show_date(day: dt.date | dt.datetime | None, weekday: bool = False) -> str:
    """A date as people write it: 2026年12月1日 (December 1, 2026), with the weekday if asked
    (2026年12月1日星期二); a stored UTC time's date in Beijing time."""
    return format_date(day, "full" if weekday else "long") if day else ""


def show_time(moment: dt.datetime | None) -> str:
    """A stored UTC time in Beijing time: 2026年12月1日 14:05."""
    return f"{format_date(moment, 'long')} {format_time(moment, 'HH:mm')}" if moment else ""
