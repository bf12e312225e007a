"""The application factory: create_app() builds the app from defaults, SANMIN_* and overrides,
and registers every room's blueprints, commands and template helpers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import get_locale, gettext
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from analysis import appeal_views, archive_views  # noqa: F401  (routes on the results office)
from analysis import office as analysis_office
from analysis import views as analysis_views
from assessment import views as assessment_views
from ballots import views as ballots_views
from ballots.forms import BOX_STATE_LABELS
from evaluation.campaign import views as campaign_views
from evaluation.campaign.forms import (
    MODE_LABELS,
    PHASE_LABELS,
    REPORT_STATE_LABELS,
    VENUE_KIND_LABELS,
)
from evaluation.campaign.reports import views as report_views
from evaluation.core.audit_events import EVENTS as AUDIT_EVENTS
from evaluation.core.auth import auth_bp, person
from evaluation.core.config import load_config
from evaluation.core.errors import Refused, register_error_handlers
from evaluation.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from evaluation.core.forms import ROLE_LABELS
from evaluation.core.i18n import select_locale, show_date, show_time
from evaluation.core.observe import init_observability
from evaluation.core.permissions import current_user_can
from evaluation.core.security import HSTS, SECURITY_HEADERS, MaskVotingTokens, holds_secrets
from evaluation.core.unit_of_work import init_unit_of_work
from evaluation.shell import tables  # noqa: F401  (every room's tables, for Alembic)
from evaluation.shell.api import api_bp
from evaluation.shell.cli import register_commands
from evaluation.shell.office import desk_bp
from evaluation.shell.views import public_bp
from evaluation.shell.wiring import connect_signals
from questionnaires import views as questionnaire_views
from rectification import views as rectification_views
from representatives import views as representative_views
from suggestions import views as suggestion_views

# Templates and migrations are inside the package (in a checkout, links to the top-level
# folders), so an installed wheel finds them as an editable install does.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]

# Every blueprint of every room, registered in this order.
BLUEPRINTS = (
    public_bp,
    auth_bp,
    desk_bp,
    campaign_views.admin_bp,
    report_views.public_bp,
    report_views.admin_bp,
    api_bp,
    analysis_views.public_bp,
    analysis_office.admin_bp,
    ballots_views.public_bp,
    ballots_views.admin_bp,
    suggestion_views.public_bp,
    suggestion_views.admin_bp,
    questionnaire_views.public_bp,
    questionnaire_views.admin_bp,
    representative_views.admin_bp,
    rectification_views.public_bp,
    rectification_views.admin_bp,
    assessment_views.public_bp,
    assessment_views.admin_bp,
)


class RowIdConverter(IntegerConverter):
    """`<int:…>` in routes: only numbers that can be a row id match; others are a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. `config` overrides everything else (tests use it)."""
    app = Flask(
        "evaluation",  # static files and translations live in the evaluation package
        template_folder=str(PACKAGE_ROOT / "templates"),
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
    migrate.init_app(app, db, directory=str(PACKAGE_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    connect_signals()
    suggestion_views.register_template_helpers(app)
    register_error_handlers(app)
    init_unit_of_work(app)
    init_observability(app)
    register_commands(app)

    app.jinja_env.globals.update(
        get_locale=get_locale,
        can=current_user_can,
        AUDIT_LABELS=AUDIT_EVENTS,
        BOX_STATE_LABELS=BOX_STATE_LABELS,
        REPORT_STATE_LABELS=REPORT_STATE_LABELS,
        PHASE_LABELS=PHASE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        MODE_LABELS=MODE_LABELS,
        VENUE_KIND_LABELS=VENUE_KIND_LABELS,
    )
    # One way to write a date everywhere; stored times are UTC, people read Beijing time.
    app.jinja_env.filters["date"] = show_date
    app.jinja_env.filters["datetime"] = show_time
    app.jinja_env.filters["hm"] = lambda t: t.strftime("%H:%M") if t else ""
    app.jinja_env.filters["person"] = person

    @app.before_request
    def refuse_nul_characters() -> None:
        # PostgreSQL cannot store NUL in text; no honest form sends one.
        given = [
            request.path,
            *(v for d in (request.args, request.form) for _k, v in d.items(multi=True)),
        ]
        if any("\x00" in value for value in given):
            raise Refused(gettext("提交的内容含有无法处理的字符。"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if holds_secrets(request.path):
            # Card sheets, receipts, tracking codes, contact details: never kept by a
            # browser, a proxy or a shared phone's back button.
            response.headers["Cache-Control"] = "no-store"
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return app
