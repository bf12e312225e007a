"""The statistics bureau's archive page (历年结果): import a past year's released results with
the score settings it was computed under, and record departments' code changes."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from analysis import archive
from analysis.forms import WEIGHTING_LABELS, ArchiveForm, CodeChangeForm
from analysis.office import admin_bp
from analysis.schemes import scheme_of
from evaluation.campaign.imports import ImportRefused
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.extensions import db
from evaluation.core.forms import run_form
from evaluation.core.permissions import Capability, requires


def _page(
    archive_form: FlaskForm | None = None, change_form: FlaskForm | None = None, status: int = 200
) -> tuple[str, int]:
    campaign = require_campaign(db.session)
    if archive_form is None:
        scheme = scheme_of(db.session, campaign)  # today's settings: the usual case
        archive_form = ArchiveForm(
            year=campaign.year - 1,
            w_satisfied=scheme.w_satisfied,
            w_basic=scheme.w_basic,
            w_dissatisfied=scheme.w_dissatisfied,
            venue_weighting=scheme.venue_weighting,
        )
    errors = getattr(archive_form, "row_errors", [])
    page = render_template(
        "analysis/archive.html",
        archive_form=archive_form,
        change_form=change_form or CodeChangeForm(effective_year=campaign.year),
        years=archive.archived_years(db.session),
        changes=archive.code_changes(db.session),
        weighting_labels=WEIGHTING_LABELS,
        row_errors=errors,
    )
    return page, status


@admin_bp.route("/archive", methods=["GET", "POST"])
@requires(Capability.KEEP_ARCHIVE)
def archive_page() -> Any:
    form = ArchiveForm()

    def bring_in() -> Any:
        settings = archive.ScoreSettings(
            float(form.w_satisfied.data),
            float(form.w_basic.data),
            float(form.w_dissatisfied.data),
            form.venue_weighting.data,
        )
        try:
            return archive.import_year(
                db.session,
                form.file.data.read(),
                form.year.data,
                form.title.data or "",
                settings,
                actor(),
                replace=form.replace.data,
            )
        except ImportRefused as refusal:
            form.row_errors = refusal.errors
            raise

    outcome = run_form(form, bring_in)
    if outcome.done:
        flash(
            _(
                "已导入 %(y)s 年度结果，%(n)s 个部门。",
                y=outcome.value.year,
                n=len(outcome.value.results),
            )
        )
        return redirect(url_for("results_office.archive_page"))
    if not form.is_submitted():
        return _page()
    return _page(archive_form=form, status=outcome.status)


@admin_bp.route("/archive/code-change", methods=["POST"])
@requires(Capability.KEEP_ARCHIVE)
def code_change() -> Any:
    form = CodeChangeForm()
    outcome = run_form(
        form,
        lambda: archive.record_code_change(
            db.session,
            form.effective_year.data,
            form.old_code.data,
            form.new_code.data,
            form.note.data or "",
            actor(),
        ),
    )
    if outcome.done:
        flash(_("代码变更已记录。"))
        return redirect(url_for("results_office.archive_page"))
    return _page(change_form=form, status=outcome.status)
