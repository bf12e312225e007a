"""The office's suggestion settings: categories, routing rules and local days off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from suggestions import routing
from suggestions.forms import (
    CategoryForm,
    DayOffForm,
    RuleForm,
)
from suggestions.models import (
    LocalDayOff,
)
from suggestions.views.blueprints import admin_bp, category_choices, unit_choices

# ---------------------------------------------------------------- office: settings


@admin_bp.route("/settings")
@requires(Capability.TRIAGE_SUGGESTIONS)
def settings(status: int = 200, **posted: FlaskForm) -> tuple[str, int]:
    """Categories, routing rules and local days off, each with its own small form; a form
    that was posted and refused comes back as it was sent, with its message."""
    campaign = require_campaign(db.session)
    forms = {
        "category": posted.get("category") or CategoryForm(formdata=None),
        "rule": posted.get("rule") or RuleForm(formdata=None),
        "day": posted.get("day") or DayOffForm(formdata=None),
    }
    forms["rule"].category.choices = category_choices(campaign, _("任意类别"))
    forms["rule"].unit.choices = unit_choices(campaign, _("请选择"))
    return render_template(
        "suggestions/office/settings.html",
        forms=forms,
        categories=routing.categories_of(db.session, campaign),
        rules=routing.rules_of(db.session, campaign),
        days=db.session.query(LocalDayOff).order_by(LocalDayOff.day).all(),
        confirm=posted.get("confirm") or ConfirmForm(formdata=None),
        calendar_years=routing.calendar_warning(),
    ), status


def _settings_action(name: str, form: FlaskForm, action: Callable[[], Any]) -> Any:
    outcome = run_form(form, action)
    if outcome.done:
        flash(_("已保存。"))
        return redirect(url_for(".settings"))
    return settings(outcome.status, **{name: form})


@admin_bp.route("/settings/categories", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def add_category() -> Any:
    campaign = require_campaign(db.session)
    form = CategoryForm()
    return _settings_action(
        "category",
        form,
        lambda: routing.add_category(db.session, campaign, form.name.data, actor()),
    )


@admin_bp.route("/settings/rules", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def add_rule() -> Any:
    campaign = require_campaign(db.session)
    form = RuleForm()
    form.category.choices = category_choices(campaign, _("任意类别"))
    form.unit.choices = unit_choices(campaign, _("请选择"))
    return _settings_action(
        "rule",
        form,
        lambda: routing.add_rule(
            db.session, campaign, form.category.data, form.keywords.data, form.unit.data, actor()
        ),
    )


@admin_bp.route("/settings/rules/<int:rule_id>/delete", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def remove_rule(rule_id: int) -> Any:
    campaign = require_campaign(db.session)
    return _settings_action(
        "confirm",
        ConfirmForm(),
        lambda: routing.remove_rule(db.session, campaign, rule_id, actor()),
    )


@admin_bp.route("/settings/days", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def add_day_off() -> Any:
    form = DayOffForm()
    return _settings_action(
        "day",
        form,
        lambda: routing.add_day_off(db.session, form.day.data, form.reason.data, actor()),
    )


@admin_bp.route("/settings/days/<day>/delete", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def remove_day_off(day: str) -> Any:
    try:
        when = dt.date.fromisoformat(day) if day.isascii() else None
    except ValueError:
        when = None
    if when is None:
        raise Refused(_("日期不正确。"), 404)
    return _settings_action(
        "confirm", ConfirmForm(), lambda: routing.remove_day_off(db.session, when, actor())
    )
