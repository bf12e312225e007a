"""Appeal pages (申诉复核): a department files against its released figures; the statistics
bureau proposes a decision, supervision confirms it; the office reads every appeal."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from analysis import appeals
from analysis.computation import figures_of
from analysis.forms import (
    APPEAL_FIGURE_LABELS,
    APPEAL_STATE_LABELS,
    AppealForm,
    DecisionForm,
    ProposalForm,
)
from analysis.office import admin_bp
from analysis.services import released_run
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.clock import beijing_today
from evaluation.core.errors import Forbidden, NotFound
from evaluation.core.extensions import db
from evaluation.core.files import send_stored, storage
from evaluation.core.forms import run_form
from evaluation.core.permissions import Capability, requires

LABELS = {"figure_labels": APPEAL_FIGURE_LABELS, "appeal_states": APPEAL_STATE_LABELS}


@admin_bp.context_processor
def _labels() -> dict[str, Any]:
    return LABELS


@admin_bp.route("/appeal", methods=["GET", "POST"])
@requires(Capability.FILE_APPEALS)
def appeal_mine() -> Any:
    """The department's own appeal: the form while the window is open, then its progress."""
    campaign = require_campaign(db.session)
    unit = current_user.department
    if unit is None or unit.campaign_id != campaign.id:
        raise Forbidden(_("您的账号没有所属部门。"))
    run = released_run(db.session, campaign)
    form = AppealForm()
    if run is None:
        return render_template("analysis/appeal_mine.html", run=None, form=form)
    mine = appeals.own_appeal(db.session, run, unit)
    files = [(f.filename, f.read()) for f in (form.files.data or []) if f and f.filename]
    outcome = run_form(
        form,
        lambda: appeals.file_appeal(
            db.session,
            run,
            unit,
            form.figure.data,
            form.reasons.data,
            files,
            storage(),
            actor(),
            beijing_today(),
        ),
    )
    if outcome.done:
        flash(_("申诉已提交，统计局复核、监察局确认后告知结果。"))
        return redirect(url_for("results_office.appeal_mine"))
    page = render_template(
        "analysis/appeal_mine.html",
        run=run,
        form=form,
        mine=mine,
        result=figures_of(run).department(unit.code),
        deadline=appeals.deadline(db.session, run),
        open=beijing_today() <= appeals.deadline(db.session, run),
    )
    return page, outcome.status


def _appeal_page(
    appeal_id: int,
    proposal: ProposalForm | None = None,
    decision: DecisionForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    campaign = require_campaign(db.session)
    appeal = appeals.get_appeal(db.session, campaign, appeal_id)
    result = figures_of(appeal.result_run).department(appeal.department.code)
    page = render_template(
        "analysis/appeal.html",
        appeal=appeal,
        result=result,
        proposal=proposal or ProposalForm(formdata=None),
        decision=decision or DecisionForm(formdata=None),
    )
    return page, status


@admin_bp.route("/appeals/<int:appeal_id>")
@requires(Capability.READ_APPEALS)
def appeal(appeal_id: int) -> tuple[str, int]:
    return _appeal_page(appeal_id)


@admin_bp.route("/appeals/<int:appeal_id>/propose", methods=["POST"])
@requires(Capability.PROPOSE_APPEAL_DECISIONS)
def appeal_propose(appeal_id: int) -> Any:
    found = appeals.get_appeal(db.session, require_campaign(db.session), appeal_id)
    form = ProposalForm()
    outcome = run_form(
        form,
        lambda: appeals.propose(
            db.session, found, form.proposal.data == "uphold", form.reasons.data, current_user
        ),
    )
    if outcome.done:
        flash(_("复核意见已提出，等待监察局确认。"))
        return redirect(url_for("results_office.appeal", appeal_id=appeal_id))
    return _appeal_page(appeal_id, proposal=form, status=outcome.status)


@admin_bp.route("/appeals/<int:appeal_id>/decide", methods=["POST"])
@requires(Capability.CONFIRM_APPEAL_DECISIONS)
def appeal_decide(appeal_id: int) -> Any:
    found = appeals.get_appeal(db.session, require_campaign(db.session), appeal_id)
    form = DecisionForm()
    outcome = run_form(
        form,
        lambda: appeals.decide(
            db.session, found, form.agree.data == "yes", form.note.data, current_user
        ),
    )
    if outcome.done:
        flash(_("已确认。"))
        return redirect(url_for("results_office.appeal", appeal_id=appeal_id))
    return _appeal_page(appeal_id, decision=form, status=outcome.status)


@admin_bp.route("/appeals/<int:appeal_id>/files/<int:file_id>")
@requires(Capability.READ_APPEALS)
def appeal_file(appeal_id: int, file_id: int) -> Response:
    found = appeals.get_appeal(db.session, require_campaign(db.session), appeal_id)
    kept = next((f for f in found.files if f.id == file_id), None)
    if kept is None:
        raise NotFound(_("找不到该附件。"))
    return send_stored(kept.sha256, kept.content_type, kept.filename)
