"""The bureaus' results office: the scoring scheme, the tally, and the three signatures
(签发, 会签, 发布), each on its confirmation step; previews and exports of any run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from analysis.appeals import appeals_of, correction_open
from analysis.computation import figures_of
from analysis.forms import (
    NEXT_SIGNATURE,
    RUN_STATE_LABELS,
    TIE_BREAK_LABELS,
    WEIGHTING_LABELS,
    SchemeForm,
    TallyForm,
)
from analysis.models import ResultRun, RunState
from analysis.schemes import SCHEME_FIELDS, scheme_of, scheme_warnings
from analysis.services import (
    countersign,
    current_run,
    get_run,
    release,
    released_run,
    run_tally,
    sign_off,
    step_refusal,
    unfinished_boxes,
    update_scheme,
)
from analysis.views import download, questionnaire_page, results_page
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor, person
from evaluation.core.confirm import Confirmation, confirm_page
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, TypedConfirmForm, run_form
from evaluation.core.i18n import show_time
from evaluation.core.permissions import Capability, requires

admin_bp = Blueprint("results_office", __name__, url_prefix="/office/results")


def _office(
    form: SchemeForm | None = None, tally_form: TallyForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The bureaus' page; a refused form comes back as it was sent, with its message."""
    campaign = require_campaign(db.session)
    scheme = scheme_of(db.session, campaign)
    if form is None:
        form = SchemeForm(obj=scheme)
        form.tie_breaks.data = [t for t in scheme.tie_breaks.split(",") if t]
    # A refused post renders the default scheme without keeping it: a refusal changes nothing.
    run = current_run(db.session, campaign)
    tally_form = tally_form or TallyForm(formdata=None)
    tally_form.seen.data = run.id if run else 0  # the run this page shows
    return render_template(
        "analysis/office.html",
        campaign=campaign,
        scheme=scheme,
        form=form,
        warnings=scheme_warnings(scheme),
        waiting=unfinished_boxes(db.session, campaign),
        run=run,
        released=released_run(db.session, campaign),
        correction=correction_open(db.session, campaign),
        appeals=appeals_of(db.session, campaign),
        tally_form=tally_form,
        state_labels=RUN_STATE_LABELS,
        next_step=NEXT_SIGNATURE.get(run.state) if run else None,
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
    form = TallyForm()
    outcome = run_form(
        form,
        lambda: run_tally(db.session, require_campaign(db.session), current_user, form.seen_run()),
    )
    if not outcome.done:
        return _office(tally_form=form, status=outcome.status)
    flash(_("计票完成，请预览核对后签发。"))
    return redirect(url_for("results_office.preview", run_id=outcome.value.id))


@dataclass(frozen=True)
class Signature:
    """One of the three signatures on the results, as its confirmation step tells it."""

    service: Callable[..., None]
    state: RunState  # the state the run must be in
    title: str
    consequence: str
    submit: str
    done: str  # may say %(year)s


SIGN = Signature(
    sign_off,
    RunState.DRAFT,
    _l("签发评议结果"),
    _l(
        "统计局签发后，这次计票的全部数字即告确定，不能再修改；之后由监察局会签，再由联席会议办公室发布。"
    ),
    _l("确认签发"),
    _l("统计局已签发，等待监察局会签。"),
)
COUNTERSIGN = Signature(
    countersign,
    RunState.SIGNED,
    _l("会签评议结果"),
    _l("监察局会签，证明计票经过监督、所有投票箱均已封箱或正式撤销；会签后只待发布。"),
    _l("确认会签"),
    _l("监察局已会签，等待联席会议办公室发布。"),
)
RELEASE = Signature(
    release,
    RunState.COUNTERSIGNED,
    _l("发布评议结果"),
    _l("发布后，结果立即在公开页面、下载文件和接口中向社会公开，不能撤回；本年度不能再重新计票。"),
    _l("确认发布"),
    _l("%(year)s年度评议结果已发布。"),
)


def _signature(run_id: int, signature: Signature, typed: bool = False) -> Any:
    """One signature on the results (签发, 会签, 发布), on its confirmation step: the run's
    figures, who has signed, and that it cannot be undone; `typed`: the year is typed to
    confirm. Refused, the step says why."""
    run = get_run(db.session, run_id)
    year = str(run.campaign.year)
    form: FlaskForm = TypedConfirmForm() if typed else ConfirmForm()
    if typed:
        form.expect(year, _("请输入年度 %(year)s 以确认发布", year=year))

    def sign() -> None:
        if typed:
            form.check_typed()
        signature.service(db.session, run, current_user)

    outcome = run_form(form, sign)
    if not outcome.done:
        return confirm_page(_run_step(run, signature), form, outcome.status)
    flash(str(signature.done) % {"year": year})
    return redirect(url_for("results_office.overview"))


def _run_step(run: ResultRun, signature: Signature) -> Confirmation:
    figures = figures_of(run)
    departments = figures.all_departments()
    rows: list[tuple[str, object]] = [
        (
            _("计票"),
            _(
                "#%(id)s，%(at)s，%(who)s",
                id=run.id,
                at=show_time(run.computed_at),
                who=person(run.computed_by),
            ),
        ),
        (
            _("计入投票箱"),
            _("%(n)s 个（撤销 %(w)s 个）", n=figures.audit.boxes, w=len(figures.audit.withdrawn)),
        ),
        (
            _("参评部门"),
            _(
                "%(n)s 个，其中参与排名 %(r)s 个",
                n=len(departments),
                r=sum(d.rank is not None for d in departments),
            ),
        ),
        (_("输入记录哈希"), figures.audit.input_hash),
    ]
    if run.signed_by:
        rows.append((_("统计局签发"), f"{person(run.signed_by)} {show_time(run.signed_at)}"))
    if run.countersigned_by:
        rows.append(
            (
                _("监察局会签"),
                f"{person(run.countersigned_by)} {show_time(run.countersigned_at)}",
            )
        )
    blocked = step_refusal(db.session, run, signature.state)
    return Confirmation(
        title=str(signature.title),
        consequence=str(signature.consequence),
        submit=str(signature.submit),
        figures=rows,
        back=url_for("results_office.preview", run_id=run.id),
        possible=blocked is None,
        blocked=blocked or "",
    )


@admin_bp.route("/<int:run_id>/sign", methods=["GET", "POST"])
@requires(Capability.SIGN_RESULTS)
def sign(run_id: int) -> Any:
    return _signature(run_id, SIGN)


@admin_bp.route("/<int:run_id>/countersign", methods=["GET", "POST"])
@requires(Capability.COUNTERSIGN_RESULTS)
def countersign_run(run_id: int) -> Any:
    return _signature(run_id, COUNTERSIGN)


@admin_bp.route("/<int:run_id>/release", methods=["GET", "POST"])
@requires(Capability.RELEASE_RESULTS)
def release_run(run_id: int) -> Any:
    return _signature(run_id, RELEASE, typed=True)


@admin_bp.route("/<int:run_id>")
@requires(Capability.READ_RESULT_RUNS)
def preview(run_id: int) -> str:
    return results_page(get_run(db.session, run_id), preview=True)


@admin_bp.route("/<int:run_id>/export.<fmt>")
@requires(Capability.READ_RESULT_RUNS)
def export_run(run_id: int, fmt: str) -> Response:
    return download(get_run(db.session, run_id), fmt)


@admin_bp.route("/<int:run_id>/questionnaires/<int:questionnaire_id>")
@requires(Capability.READ_RESULT_RUNS)
def questionnaire_preview(run_id: int, questionnaire_id: int) -> str:
    return questionnaire_page(get_run(db.session, run_id), questionnaire_id, preview=True)
