"""The sanmin Flask application: create_app() builds it from defaults, SANMIN_* and overrides."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import format_date, format_datetime, get_locale, gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from evaluation.config import load_config
from evaluation.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALE_COOKIE = "sanmin_lang"

SECURITY_HEADERS = {
    # Nothing inline, nothing from elsewhere: venue networks may be closed and pages must
    # not run injected script.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Voting URLs carry a token: never send them on to another page.
    "Referrer-Policy": "no-referrer",
}


class RowIdConverter(IntegerConverter):
    """`<int:…>` in routes: only numbers that can be a row id match; others are a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class MaskVotingTokens(logging.Filter):
    """Access logs never show a voting card's token nor an answer link's secret.

    /v/<token> is written as /v/***, and /q/<link> as /q/***.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/v/" in message or "/q/" in message:
            record.msg, record.args = VOTING_PATH.sub(r"/\1/***", message), None
        return True


# Pages that show what only one person may see: every back-office page, a voting card's
# page and receipt, an answer link, the login and a suggestion's tracking page.
PRIVATE_PREFIXES = ("/office", "/v/", "/q/", "/login", "/logout", "/suggestions/track")
HSTS = "max-age=31536000; includeSubDomains"


def _holds_secrets(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES) or path == "/suggestions/new"


VOTING_PATH = re.compile(r"/([vq])/[^\s?\"/]+")
for _logger in ("werkzeug", "gunicorn.access", "gunicorn.error"):
    logging.getLogger(_logger).addFilter(MaskVotingTokens())


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        # Deleted rows and freed pages are overwritten, so no copy of the file keeps a
        # sealed box's pool or key pieces (DESIGN.md invariant 2).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def select_locale() -> str:
    from flask import current_app, has_request_context

    chosen = request.cookies.get(LOCALE_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. `config` overrides everything else (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        # Data lives beside where the command runs, never inside the installed package.
        instance_path=os.environ.get("SANMIN_INSTANCE_PATH") or str(Path.cwd() / "instance"),
    )
    load_config(app, config)
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.logger.addFilter(MaskVotingTokens())
    app.url_map.converters["int"] = RowIdConverter  # /things/<int:id> never overflows a query

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from analysis import models as analysis_models  # noqa: F401  (tables for Alembic)
    from analysis import views as analysis_views
    from ballots import models as ballot_models  # noqa: F401  (tables for Alembic)
    from ballots import views as ballots_views
    from evaluation import models  # noqa: F401  (tables for Alembic)
    from evaluation.api import api_bp
    from evaluation.audit_events import EVENTS as AUDIT_EVENTS
    from evaluation.auth import auth_bp
    from evaluation.cli import register_commands
    from evaluation.errors import register_error_handlers
    from evaluation.forms import (
        BOX_STATE_LABELS,
        MODE_LABELS,
        PHASE_LABELS,
        REPORT_STATE_LABELS,
        ROLE_LABELS,
        VENUE_KIND_LABELS,
    )
    from evaluation.office import admin_bp
    from evaluation.reports import models as report_models  # noqa: F401  (tables for Alembic)
    from evaluation.reports import views as report_views
    from evaluation.views import public_bp
    from questionnaires import models as questionnaire_models  # noqa: F401  (tables for Alembic)
    from questionnaires import views as questionnaire_views
    from suggestions import models as suggestion_models  # noqa: F401  (tables for Alembic)
    from suggestions import views as suggestion_views

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(report_views.public_bp)
    app.register_blueprint(report_views.admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(analysis_views.public_bp)
    app.register_blueprint(analysis_views.admin_bp)
    app.register_blueprint(ballots_views.public_bp)
    app.register_blueprint(ballots_views.admin_bp)
    app.register_blueprint(suggestion_views.public_bp)
    app.register_blueprint(suggestion_views.admin_bp)
    app.register_blueprint(questionnaire_views.public_bp)
    app.register_blueprint(questionnaire_views.admin_bp)
    suggestion_views.register_template_helpers(app)
    register_error_handlers(app)
    register_commands(app)

    app.jinja_env.globals.update(
        get_locale=get_locale,
        AUDIT_LABELS=AUDIT_EVENTS,
        BOX_STATE_LABELS=BOX_STATE_LABELS,
        REPORT_STATE_LABELS=REPORT_STATE_LABELS,
        PHASE_LABELS=PHASE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        MODE_LABELS=MODE_LABELS,
        VENUE_KIND_LABELS=VENUE_KIND_LABELS,
    )
    app.jinja_env.filters["date"] = lambda d, fmt="long": format_date(d, fmt) if d else ""
    # Stored times are UTC; people read them in Beijing time.
    app.jinja_env.filters["datetime"] = lambda t: (
        format_datetime(t, "yyyy-MM-dd HH:mm:ss") if t else ""
    )
    app.jinja_env.filters["hm"] = lambda t: t.strftime("%H:%M") if t else ""

    @app.before_request
    def refuse_nul_characters() -> None:
        # PostgreSQL cannot store NUL in text; no honest form sends one.
        given = [
            request.path,
            *(v for d in (request.args, request.form) for _k, v in d.items(multi=True)),
        ]
        if any("\x00" in value for value in given):
            from evaluation.errors import Refused

            raise Refused(gettext("提交的内容含有无法处理的字符。"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if _holds_secrets(request.path):
            # Card sheets, receipts, tracking codes, contact details: never kept by a
            # browser, a proxy or a shared phone's back button.
            response.headers["Cache-Control"] = "no-store"
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return app
