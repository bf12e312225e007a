"""Public pages of the campaign (no login): home page, language switch, health check."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from analysis.services import released_run
from evaluation.campaign.models import Phase
from evaluation.campaign.reports.services import published_codes
from evaluation.campaign.services import current_campaign, meetings_of
from evaluation.core.auth import safe_next
from evaluation.core.extensions import db, limiter
from evaluation.core.i18n import LOCALE_COOKIE

public_bp = Blueprint("public", __name__)

LOCALE_COOKIE_DAYS = 365


@public_bp.route("/")
def home() -> str:
    campaign = current_campaign(db.session)
    meetings = meetings_of(db.session, campaign) if campaign is not None else []
    today = dt.date.today()
    # The next meeting (or today's) is shown unfolded; the others fold away on a phone.
    next_meeting = next((m for m in meetings if m.date >= today), None)
    return render_template(
        "evaluation/home.html",
        campaign=campaign,
        meetings={m.group_id: m for m in meetings},
        next_meeting_id=next_meeting.id if next_meeting else None,
        published=published_codes(db.session, campaign) if campaign else set(),
        phases=list(Phase),
        results_released=campaign is not None and released_run(db.session, campaign) is not None,
    )


@public_bp.route("/lang/<code>")
def switch_language(code: str) -> Response:
    response = redirect(safe_next(request.args.get("next")) or url_for("public.home"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LOCALE_COOKIE,
            code,
            max_age=LOCALE_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["PRODUCTION"],
        )
    return response


@public_bp.route("/healthz")
def healthz() -> tuple[str, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "database unavailable\n", 503
    return "ok\n", 200


@public_bp.route("/readyz")
def readyz() -> tuple[str, int]:
    """Ready for traffic: the database answers and the rate limiter's storage (Redis in
    production) is reachable. `/healthz` stays the cheap liveness check."""
    problems = []
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        problems.append("database unavailable")
    try:
        reachable = limiter.storage.check()
    except Exception:  # a storage that cannot even be asked is not reachable
        reachable = False
    if not reachable:
        problems.append("rate limit storage unavailable")
    if problems:
        return "\n".join(problems) + "\n", 503
    return "ready\n", 200
