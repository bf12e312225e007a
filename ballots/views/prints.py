"""The office's print runs: a meeting's cards issued at once and written as one PDF in the
background, with a progress bar; the PDF is downloaded (audited) until, printed, it is
discarded."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ballots.models import PrintJobState
from ballots.printjobs import (
    discard_print_job,
    download_print_job,
    get_job,
    jobs_of,
    restart_print_job,
    run_in_background,
    stalled,
    start_print_job,
)
from ballots.views.blueprints import admin_bp
from evaluation.campaign.services import meetings_of, require_campaign
from evaluation.core.auth import actor
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from evaluation.core.unit_of_work import after_commit

PROGRESS_REFRESH_SECONDS = 2


def _start_after_commit(job_id: int) -> None:
    app = current_app._get_current_object()
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    after_commit(lambda: run_in_background(app, job_id, base))


@admin_bp.route("/prints/")
@requires(Capability.PRINT_CARD_RUNS)
def prints() -> Any:
    return _prints_page(None, 200)


def _prints_page(refused: FlaskForm | None, status: int) -> Any:
    campaign = require_campaign(db.session)
    return render_template(
        "ballots/prints.html",
        meetings=meetings_of(db.session, campaign),
        jobs=jobs_of(db.session, campaign),
        form=ConfirmForm(),
        refused=refused,
        stalled=stalled,
    ), status


@admin_bp.route("/prints/meeting/<int:group_number>", methods=["POST"])
@requires(Capability.PRINT_CARD_RUNS)
def print_meeting(group_number: int) -> Any:
    form = ConfirmForm()
    outcome = run_form(
        form,
        lambda: start_print_job(db.session, require_campaign(db.session), group_number, actor()),
    )
    if not outcome.done:
        return _prints_page(form, outcome.status)
    _start_after_commit(outcome.value.id)
    return redirect(url_for("ballots_office.print_job", job_id=outcome.value.id))


@admin_bp.route("/prints/<int:job_id>")
@requires(Capability.PRINT_CARD_RUNS)
def print_job(job_id: int) -> str:
    job = get_job(db.session, job_id)
    return render_template(
        "ballots/print_job.html",
        job=job,
        stalled=stalled(job),
        form=ConfirmForm(),
        refresh=PROGRESS_REFRESH_SECONDS if job.state == PrintJobState.RUNNING else None,
    )


@admin_bp.route("/prints/<int:job_id>/restart", methods=["POST"])
@requires(Capability.PRINT_CARD_RUNS)
def print_restart(job_id: int) -> Any:
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: restart_print_job(db.session, get_job(db.session, job_id), actor())
    )
    if not outcome.done:
        return _prints_page(form, outcome.status)
    _start_after_commit(job_id)
    return redirect(url_for("ballots_office.print_job", job_id=job_id))


@admin_bp.route("/prints/<int:job_id>/download", methods=["POST"])
@requires(Capability.PRINT_CARD_RUNS)
def print_download(job_id: int) -> Any:
    """The PDF, audited: it holds usable voting cards (a button, not a link)."""
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: download_print_job(db.session, get_job(db.session, job_id), actor())
    )
    if not outcome.done:
        return _prints_page(form, outcome.status)
    return Response(
        outcome.value,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=cards-job-{job_id}.pdf"},
    )


@admin_bp.route("/prints/<int:job_id>/discard", methods=["POST"])
@requires(Capability.PRINT_CARD_RUNS)
def print_discard(job_id: int) -> Any:
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: discard_print_job(db.session, get_job(db.session, job_id), actor())
    )
    if not outcome.done:
        return _prints_page(form, outcome.status)
    flash(_("PDF 已销毁：这批评议卡的令牌现在只在纸上。"))
    return redirect(url_for("ballots_office.prints"))
