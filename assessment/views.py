"""Assessment pages: the office sets the plan (versions, locked at release), the statistics
bureau computes and signs the points, supervision countersigns them; the public reads the plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assessment import exports, services, summary
from assessment.figures import COMPONENTS
from assessment.forms import BAND_LABELS, COMPONENT_LABELS, STATE_LABELS, PlanForm
from assessment.models import PointsRun, PointsState
from evaluation.campaign.services import current_campaign, require_campaign
from evaluation.core.auth import actor, person
from evaluation.core.confirm import Confirmation, confirm_page
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db
from evaluation.core.files import attachment
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.i18n import show_time
from evaluation.core.permissions import Capability, requires

admin_bp = Blueprint("assessment_office", __name__, url_prefix="/office/assessment")
public_bp = Blueprint("assessment", __name__, url_prefix="/assessment")


@admin_bp.context_processor
@public_bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "component_labels": COMPONENT_LABELS,
        "band_labels": BAND_LABELS,
        "points_states": STATE_LABELS,
        "components": COMPONENTS,
    }


def _plan_values(form: PlanForm) -> services.PlanInput:
    def number(field: Any) -> float:
        value = field.data
        return float(value) if isinstance(value, Decimal | int | float) else 0.0

    return services.PlanInput(
        full_points=number(form.full_points),
        w_evaluation=int(form.w_evaluation.data),
        w_on_time=int(form.w_on_time.data),
        w_reply_satisfaction=int(form.w_reply_satisfaction.data),
        w_rectification=int(form.w_rectification.data),
        f_above=number(form.f_above),
        f_within=number(form.f_within),
        f_below=number(form.f_below),
        f_unranked=number(form.f_unranked),
        note=(form.note.data or "").strip(),
    )


def _overview(compute_form: ConfirmForm, status: int = 200) -> tuple[str, int]:
    campaign = require_campaign(db.session)
    page = render_template(
        "assessment/office.html",
        campaign=campaign,
        plans=services.plans_of(db.session, campaign),
        locked=services.locked_by(db.session, campaign),
        runs=services.runs_of(db.session, campaign),
        compute_form=compute_form,
        defaults=services.DEFAULT_PLAN,
    )
    return page, status


@admin_bp.route("/")
@requires(Capability.READ_ASSESSMENT)
def overview() -> tuple[str, int]:
    return _overview(ConfirmForm())


@admin_bp.route("/plan", methods=["GET", "POST"])
@requires(Capability.SET_ASSESSMENT_PLAN)
def plan() -> Any:
    campaign = require_campaign(db.session)
    in_force = services.plan_in_force(db.session, campaign)
    form = PlanForm(obj=in_force or services.DEFAULT_PLAN)
    outcome = run_form(
        form, lambda: services.save_plan(db.session, campaign, _plan_values(form), actor())
    )
    if outcome.done:
        flash(_("考核计分办法已保存为第 %(v)s 版并公开。", v=outcome.value.version))
        return redirect(url_for("assessment_office.overview"))
    locked = services.locked_by(db.session, campaign)
    page = render_template("assessment/plan_form.html", form=form, locked=locked, plan=in_force)
    return page, outcome.status


@admin_bp.route("/compute", methods=["POST"])
@requires(Capability.RUN_TALLY)
def compute() -> Any:
    campaign = require_campaign(db.session)
    form = ConfirmForm()
    outcome = run_form(form, lambda: services.compute_points(db.session, campaign, current_user))
    if outcome.done:
        flash(_("考核得分已计算，核对后签发。"))
        return redirect(url_for("assessment_office.run", run_id=outcome.value.id))
    return _overview(form, outcome.status)


@admin_bp.route("/runs/<int:run_id>")
@requires(Capability.READ_ASSESSMENT)
def run(run_id: int) -> str:
    campaign = require_campaign(db.session)
    points_run = services.get_points_run(db.session, campaign, run_id)
    return render_template(
        "assessment/run.html",
        run=points_run,
        points=services.points_of(points_run),
        final=points_run.state == PointsState.FINAL,
    )


def _step(points_run: PointsRun, title: str, consequence: str, submit: str) -> Confirmation:
    points = services.points_of(points_run)
    rows: list[tuple[str, object]] = [
        (
            _("计算"),
            f"#{points_run.id}，{show_time(points_run.computed_at)}，"
            f"{person(points_run.computed_by)}",
        ),
        (_("计分办法"), _("第 %(v)s 版", v=points.plan.version)),
        (_("评议结果"), _("第 %(id)s 次计票（已发布）", id=points.result_run)),
        (_("办理与整改数据截至"), points.as_of),
        (_("部门数"), len(points.departments)),
    ]
    if points_run.signed_by:
        rows.append(
            (_("统计局签发"), f"{person(points_run.signed_by)} {show_time(points_run.signed_at)}")
        )
    return Confirmation(
        title=title,
        consequence=consequence,
        figures=rows,
        submit=submit,
        back=url_for("assessment_office.run", run_id=points_run.id),
    )


@admin_bp.route("/runs/<int:run_id>/sign", methods=["GET", "POST"])
@requires(Capability.SIGN_RESULTS)
def sign(run_id: int) -> Any:
    points_run = services.get_points_run(db.session, require_campaign(db.session), run_id)
    form = ConfirmForm()
    outcome = run_form(form, lambda: services.sign_points(db.session, points_run, current_user))
    if outcome.done:
        flash(_("考核得分已签发，等待监察局会签。"))
        return redirect(url_for("assessment_office.run", run_id=run_id))
    step = _step(
        points_run,
        _("签发考核得分"),
        _("统计局签发后，由监察局会签定稿；签发后不能修改，只能重新计算后再签发。"),
        _("确认签发"),
    )
    return confirm_page(step, form, outcome.status)


@admin_bp.route("/runs/<int:run_id>/countersign", methods=["GET", "POST"])
@requires(Capability.COUNTERSIGN_RESULTS)
def countersign(run_id: int) -> Any:
    points_run = services.get_points_run(db.session, require_campaign(db.session), run_id)
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: services.countersign_points(db.session, points_run, current_user)
    )
    if outcome.done:
        flash(_("考核得分已会签定稿，可报送考核办。"))
        return redirect(url_for("assessment_office.run", run_id=run_id))
    step = _step(
        points_run,
        _("会签考核得分"),
        _("会签后得分定稿，导出文件即报送考核办的正式文件；本年度不能再重新计算。"),
        _("确认会签"),
    )
    return confirm_page(step, form, outcome.status)


@admin_bp.route("/runs/<int:run_id>/export.<fmt>")
@requires(Capability.READ_ASSESSMENT)
def export(run_id: int, fmt: str) -> Response:
    points_run = services.get_points_run(db.session, require_campaign(db.session), run_id)
    points = services.points_of(points_run)
    if fmt == "xlsx":
        body = exports.points_xlsx(points_run, points)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body, mimetype = exports.points_csv(points_run, points), "text/csv"
    else:
        raise NotFound(_("没有这种导出格式。"))
    return attachment(body, mimetype, exports.export_name(points, points_run, fmt))


@public_bp.route("/")
def public_plan() -> str:
    """The published conversion: the version in force, its history and whether it is locked."""
    campaign = current_campaign(db.session)
    plans = services.plans_of(db.session, campaign) if campaign else []
    locked = services.locked_by(db.session, campaign) if campaign else None
    return render_template(
        "assessment/public.html",
        campaign=campaign,
        plans=plans,
        locked=locked,
        defaults=services.DEFAULT_PLAN,
    )


def _summary() -> summary.WorkSummary:
    campaign = current_campaign(db.session)
    found = summary.work_summary(db.session, campaign) if campaign else None
    if found is None:
        raise NotFound(_("评议结果发布后生成工作总结。"))
    return found


@public_bp.route("/summary")
def work_summary() -> str:
    """The campaign's work summary: every figure from the released and published records."""
    return render_template("assessment/summary.html", s=_summary())


@public_bp.route("/summary.pdf")
def work_summary_pdf() -> Response:
    found = _summary()
    name = f"{found.campaign.year}年度三民活动工作总结.pdf"
    return attachment(summary.summary_pdf(found), "application/pdf", name)
