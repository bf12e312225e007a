"""The public's pages: the suggestion form, tracking a suggestion, the board and lists."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from evaluation.campaign.services import require_campaign
from evaluation.core.errors import Refused
from evaluation.core.extensions import db, limiter
from evaluation.core.forms import run_form
from suggestions import board as boards
from suggestions import handling, routing, services, tracking
from suggestions import selection as selections
from suggestions.forms import (
    FeedbackForm,
    SuggestionForm,
    TrackForm,
)
from suggestions.models import PUBLIC_STATUSES, Channel, Satisfaction, Status
from suggestions.selection_models import NomineeKind
from suggestions.views.blueprints import category_choices, public_bp, unit_choices


@public_bp.route("/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUGGESTION_LIMIT"], methods=["POST"])
def new() -> Any:
    campaign = require_campaign(db.session)
    form = SuggestionForm()
    form.category.choices = category_choices(campaign, _("请选择"))
    form.target_unit.choices = unit_choices(campaign, _("不指定"))
    if form.is_submitted() and form.website.data:  # only a robot fills the hidden field
        raise Refused(_("提交未被接受。"))

    def receive() -> Any:
        real = form.identity.data == "real"
        intake = services.Intake(
            channel=Channel.ONLINE,
            text=form.text.data,
            category_id=form.category.data,
            target_unit_id=form.target_unit.data,
            author_name=form.author_name.data if real else None,
            author_phone=form.author_phone.data if real else None,
            name_consent=real and form.name_consent.data,
        )
        return services.receive(db.session, campaign, intake, "citizen")

    outcome = run_form(form, receive)
    if outcome.done:  # committed before the receipt leaves: acknowledged once durable
        return render_template("suggestions/submitted.html", suggestion=outcome.value)
    return render_template("suggestions/new.html", form=form, campaign=campaign), outcome.status


def _only_failed_lookups(response: Response) -> bool:
    return response.status_code == 404


@public_bp.route("/track", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["TRACK_GUESS_LIMIT"],
    methods=["POST"],
    deduct_when=_only_failed_lookups,
)
def track() -> Any:
    """The submitter follows the handling and rates the reply (code, plus phone if real-name)."""
    form = TrackForm()
    feedback = FeedbackForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("suggestions/track.html", form=form), status
    suggestion = tracking.track(db.session, form.code.data, form.phone.data)
    status = 200
    if "rate" in request.form or "rating" in request.form:  # the rating form was sent
        outcome = run_form(
            feedback,
            lambda: tracking.give_feedback(
                db.session,
                suggestion,
                Satisfaction(feedback.rating.data),
                reason=feedback.reason.data or "",
            ),
        )
        if outcome.done:
            flash(_("感谢您的评价。"))
        status = outcome.status
    if status == 200:
        feedback = FeedbackForm(code=suggestion.tracking_code, phone=form.phone.data, formdata=None)
    return render_template(
        "suggestions/tracked.html",
        suggestion=suggestion,
        followed=handling.effective(suggestion),
        feedback=feedback,
        bounds=boards.warning_bounds(db.session),
    ), status


@public_bp.route("/")
def index() -> str:
    campaign = require_campaign(db.session)
    filters, number = boards.board_query(request.args)
    bounds = boards.warning_bounds(db.session)
    page = boards.board(db.session, campaign, filters, number, bounds)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "suggestions/board.html",
        page=page,
        filters=filters,
        args=args,
        bounds=bounds,
        units=[(d.code, d.name) for d in campaign.departments],
        categories=routing.categories_of(db.session, campaign),
        statuses=[s for s in Status if s != Status.REJECTED],
        summary=boards.summary(db.session, campaign),
    )


@public_bp.route("/<int:suggestion_id>")
def detail(suggestion_id: int) -> str:
    campaign = require_campaign(db.session)
    suggestion = handling.get_suggestion(db.session, campaign, suggestion_id)
    if suggestion.status not in PUBLIC_STATUSES:  # not triaged yet, or not taken up
        raise Refused(_("找不到该意见建议。"), 404)
    return render_template(
        "suggestions/detail.html",
        suggestion=suggestion,
        followed=handling.effective(suggestion),
        bounds=boards.warning_bounds(db.session),
    )


@public_bp.route("/units")
def units() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "suggestions/units.html",
        stats=boards.unit_statistics(db.session, campaign),
        summary=boards.summary(db.session, campaign),
    )


@public_bp.route("/outstanding")
def outstanding() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "suggestions/outstanding.html",
        suggestions=selections.outstanding(db.session, campaign, NomineeKind.SUGGESTION),
        units=selections.outstanding(db.session, campaign, NomineeKind.UNIT),
    )
