"""Results pages: the public results once released; the bureaus' tally, sign-off and release."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from analysis.charts import heat_map, scale_heat_map, score_bars
from analysis.computation import figures_of
from analysis.exports import export_name, questionnaire_csv, results_csv, results_xlsx
from analysis.figures import INTERNAL, Figures
from analysis.forms import (
    BAND_LABELS,
    TIE_BREAK_LABELS,
    VENUE_FLAG_LABELS,
    WEIGHTING_LABELS,
    SchemeForm,
)
from analysis.models import ResultRun, RunState
from analysis.schemes import SCHEME_FIELDS, scheme_of, scheme_warnings
from analysis.services import (
    countersign,
    current_run,
    get_run,
    release,
    released_result,
    released_run,
    run_tally,
    sign_off,
    unfinished_boxes,
    update_scheme,
)
from evaluation.campaign.models import Campaign, Department
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from questionnaires.figures import QuestionnaireFigures
from questionnaires.forms import QUESTION_KIND_LABELS
from questionnaires.models import QuestionKind
from questionnaires.results import response_records
from questionnaires.services import get_questionnaire
from suggestions.board import unit_statistics

public_bp = Blueprint("results", __name__, url_prefix="/results")
admin_bp = Blueprint("results_office", __name__, url_prefix="/office/results")

RUN_STATE_LABELS = {
    RunState.DRAFT: _l("待签发"),
    RunState.SIGNED: _l("统计局已签发，待监察局会签"),
    RunState.COUNTERSIGNED: _l("监察局已会签，待发布"),
    RunState.RELEASED: _l("已发布"),
    RunState.SUPERSEDED: _l("已被新的计票取代"),
}


def _page(run: ResultRun, preview: bool) -> str:
    figures = figures_of(run)
    names = figures.names()
    short = {d.code: d.short_name or d.name for d in run.campaign.departments if d.code in names}
    pools = []
    for pool in sorted(figures.rankings, key=lambda p: p == INTERNAL):
        rows = figures.pool(pool)
        pools.append((pool, rows, score_bars(rows, short)))
    return render_template(
        "analysis/results.html",
        run=run,
        figures=figures,
        pools=pools,
        heat_maps=[(g, heat_map(g, short)) for g in figures.groups],
        preview=preview,
        band_labels=BAND_LABELS,
        venue_flag_labels=VENUE_FLAG_LABELS,
        state_labels=RUN_STATE_LABELS,
    )


def _released() -> ResultRun:
    run = released_run(db.session, require_campaign(db.session))
    if run is None:
        raise NotFound(_("评议结果尚未发布。"))
    return run


def _download(figures: Figures, fmt: str) -> Response:
    if fmt == "xlsx":
        body, mimetype = (
            results_xlsx(figures),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        body, mimetype = results_csv(figures).encode("utf-8-sig"), "text/csv"
    else:
        raise NotFound(_("没有这种导出格式。"))
    return _attachment(body, mimetype, export_name(figures, fmt))


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


# ---------------------------------------------------------------- public


def department_result(sender: Any, campaign: Campaign, department: Department) -> dict[str, Any]:
    """Answers `evaluation.campaign.signals.department_page`: the department's released result."""
    return {"result": released_result(db.session, campaign, department.code)}


@public_bp.route("/")
def results() -> str:
    return _page(_released(), preview=False)


@public_bp.route("/departments/<code>")
def department(code: str) -> str:
    figures = figures_of(_released())
    found = figures.department(code)
    if found is None or found.group == INTERNAL:
        raise NotFound(_("没有这个部门的公开评议结果。"))
    venues = [(v.venue, v.counts[code]) for v in figures.group(found.group).per_venue]
    # Shown beside the evaluation as it stands today; never part of the signed figures.
    campaign = require_campaign(db.session)
    handling = next((u for u in unit_statistics(db.session, campaign) if u.code == code), None)
    return render_template(
        "analysis/department.html",
        d=found,
        venues=venues,
        figures=figures,
        band_labels=BAND_LABELS,
        handling=handling,
    )


@public_bp.route("/export.<fmt>")
def export(fmt: str) -> Response:
    return _download(figures_of(_released()), fmt)


def _questionnaire(figures: Figures, questionnaire_id: int) -> QuestionnaireFigures:
    found = figures.questionnaire(questionnaire_id)
    if found is None:
        raise NotFound(_("没有这份问卷的结果。"))
    return found


def _questionnaire_page(run: ResultRun, questionnaire_id: int, preview: bool) -> str:
    questionnaire = _questionnaire(figures_of(run), questionnaire_id)
    charts = {
        q.id: scale_heat_map(
            q.items,
            questionnaire.venues,
            [[venue.rows[i].mean for venue in q.venues] for i in range(len(q.items))],  # type: ignore[index],
        )
        for q in questionnaire.questions
        if q.kind == QuestionKind.MATRIX
    }
    return render_template(
        "analysis/questionnaire.html",
        run=run,
        q=questionnaire,
        charts=charts,
        preview=preview,
        question_kind_labels=QUESTION_KIND_LABELS,
    )


@public_bp.route("/questionnaires/<int:questionnaire_id>")
def questionnaire(questionnaire_id: int) -> str:
    return _questionnaire_page(_released(), questionnaire_id, preview=False)


@public_bp.route("/questionnaires/<int:questionnaire_id>/export.csv")
def questionnaire_export(questionnaire_id: int) -> Response:
    found = _questionnaire(figures_of(_released()), questionnaire_id)
    return _attachment(
        questionnaire_csv(found).encode("utf-8-sig"), "text/csv", f"{found.title}.csv"
    )


@public_bp.route("/questionnaires/<int:questionnaire_id>/records.csv")
def questionnaire_records(questionnaire_id: int) -> Response:
    """The counted responses, shuffled, for anyone to recount (`sanmin results verify`)."""
    campaign = require_campaign(db.session)
    _questionnaire(figures_of(_released()), questionnaire_id)  # released ones only
    questionnaire = get_questionnaire(db.session, campaign, questionnaire_id)
    text = response_records(db.session, campaign, questionnaire)
    return _attachment(text.encode(), "text/csv", f"questionnaire-{questionnaire_id}-records.csv")


# ---------------------------------------------------------------- the bureaus


def _office(
    form: SchemeForm | None = None, confirm: ConfirmForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The bureaus' page; a refused form comes back as it was sent, with its message."""
    campaign = require_campaign(db.session)
    scheme = scheme_of(db.session, campaign)
    if form is None:
        form = SchemeForm(obj=scheme)
        form.tie_breaks.data = [t for t in scheme.tie_breaks.split(",") if t]
    # A refused post renders the default scheme without keeping it: a refusal changes nothing.
    return render_template(
        "analysis/office.html",
        campaign=campaign,
        scheme=scheme,
        form=form,
        warnings=scheme_warnings(scheme),
        waiting=unfinished_boxes(db.session, campaign),
        run=current_run(db.session, campaign),
        released=released_run(db.session, campaign),
        confirm=confirm or ConfirmForm(formdata=None),
        state_labels=RUN_STATE_LABELS,
        weighting_labels=WEIGHTING_LABELS,
        tie_labels=TIE_BREAK_LABELS,
    ), status


@admin_bp.route("/")
@requires(Capability.READ_RESULT_RUNS)
def overview() -> tuple[str, int]:
    return _office()


@admin_bp.route("/scheme", methods=["POST"])
@requires(Capability.EDIT_SCORING_SCHEME)
def save_scheme() -> Any:
    form = SchemeForm()

    def save() -> list[str]:
        values = {name: form[name].data for name in SCHEME_FIELDS if name != "tie_breaks"}
        values["tie_breaks"] = ",".join(form.tie_breaks.data or [])
        return update_scheme(db.session, require_campaign(db.session), values, actor())

    outcome = run_form(form, save)
    if not outcome.done:
        return _office(form=form, status=outcome.status)
    flash(_("评分方案已保存。"))
    for warning in outcome.value:
        flash(warning)
    return redirect(url_for("results_office.overview"))


@admin_bp.route("/tally", methods=["POST"])
@requires(Capability.RUN_TALLY)
def tally() -> Any:
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: run_tally(db.session, require_campaign(db.session), current_user)
    )
    if not outcome.done:
        return _office(confirm=form, status=outcome.status)
    flash(_("计票完成，请预览核对后签发。"))
    return redirect(url_for("results_office.preview", run_id=outcome.value.id))


def _step(run_id: int, service: Callable[..., None], done: str) -> Any:
    """One step of the sign-off (签发, 会签, 发布): refused, the office page says why."""
    run = get_run(db.session, run_id)
    form = ConfirmForm()
    outcome = run_form(form, lambda: service(db.session, run, current_user))
    if not outcome.done:
        return _office(confirm=form, status=outcome.status)
    flash(done)
    return redirect(url_for("results_office.overview"))


@admin_bp.route("/<int:run_id>/sign", methods=["POST"])
@requires(Capability.SIGN_RESULTS)
def sign(run_id: int) -> Any:
    return _step(run_id, sign_off, _("统计局已签发，等待监察局会签。"))


@admin_bp.route("/<int:run_id>/countersign", methods=["POST"])
@requires(Capability.COUNTERSIGN_RESULTS)
def countersign_run(run_id: int) -> Any:
    return _step(run_id, countersign, _("监察局已会签，等待联席会议办公室发布。"))


@admin_bp.route("/<int:run_id>/release", methods=["POST"])
@requires(Capability.RELEASE_RESULTS)
def release_run(run_id: int) -> Any:
    return _step(run_id, release, _("结果已发布。"))


@admin_bp.route("/<int:run_id>")
@requires(Capability.READ_RESULT_RUNS)
def preview(run_id: int) -> str:
    return _page(get_run(db.session, run_id), preview=True)


@admin_bp.route("/<int:run_id>/export.<fmt>")
@requires(Capability.READ_RESULT_RUNS)
def export_run(run_id: int, fmt: str) -> Response:
    return _download(figures_of(get_run(db.session, run_id)), fmt)


@admin_bp.route("/<int:run_id>/questionnaires/<int:questionnaire_id>")
@requires(Capability.READ_RESULT_RUNS)
def questionnaire_preview(run_id: int, questionnaire_id: int) -> str:
    return _questionnaire_page(get_run(db.session, run_id), questionnaire_id, preview=True)
