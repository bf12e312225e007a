"""Which language a page is in: Simplified Chinese unless the visitor chose another."""

from __future__ import annotations

from flask import current_app, has_request_context, request

LOCALE_COOKIE = "sanmin_lang"


def select_locale() -> str:
    chosen = request.cookies.get(LOCALE_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
