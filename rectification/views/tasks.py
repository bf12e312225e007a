"""Task pages: the office's and supervision's task list and task page, the department's own
tasks, and the public board (公开挂牌督办)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.clock import beijing_today
from evaluation.core.extensions import db
from evaluation.core.files import send_stored, storage
from evaluation.core.forms import ConfirmForm, SelectChoice, run_form
from evaluation.core.permissions import Capability, requires
from rectification import services
from rectification.board import with_standing
from rectification.forms import (
    CheckForm,
    CommentForm,
    CompletionForm,
    LookBackForm,
    PlanForm,
    ProgressForm,
    TaskForm,
)
from rectification.models import CheckKind, Evidence, TaskSource
from rectification.notices import notices_of
from rectification.sources import drafts
from rectification.views.blueprints import admin_bp, public_bp
from suggestions.routing import work_calendar


def _standing(task: Any) -> services.Standing:
    campaign = require_campaign(db.session)
    return services.standing(
        task, beijing_today(), work_calendar(db.session), campaign.progress_report_day
    )


# ---------------------------------------------------------------- the office and supervision


@admin_bp.route("/")
@requires(Capability.READ_TASKS)
def index() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "rectification/office.html",
        rows=with_standing(db.session, campaign, beijing_today()),
        mine=False,
    )


@admin_bp.route("/new", methods=["GET", "POST"])
@requires(Capability.OPEN_TASKS)
def new() -> Any:
    campaign = require_campaign(db.session)
    form = TaskForm()
    form.department_id.choices = [
        SelectChoice(d.id, f"{d.code} · {d.name}") for d in campaign.departments
    ]

    def create() -> Any:
        return services.create_task(
            db.session,
            campaign,
            services.TaskInput(
                department_id=form.department_id.data,
                official=form.official.data,
                leader=form.leader.data,
                source=TaskSource(form.source.data),
                problem=form.problem.data,
                commitment=form.commitment.data,
                co_units=form.co_units.data or "",
                source_note=form.source_note.data or "",
                listed=form.listed.data,
            ),
            actor(),
        )

    offered = drafts(db.session, campaign)
    chosen = next((d for d in offered if d.key == request.args.get("draft")), None)
    if chosen is not None and not form.is_submitted():
        form.department_id.data, form.source.data = chosen.department_id, chosen.source.value
        form.source_note.data, form.problem.data = chosen.source_note, chosen.problem
    outcome = run_form(form, create)
    if outcome.done:
        flash(_("已建立整改任务，等待牵头部门报送整改方案。"))
        return redirect(url_for("rectification_office.task", task_id=outcome.value.id))
    units = {d.id: d for d in campaign.departments}
    return render_template(
        "rectification/new.html", form=form, drafts=offered, units=units
    ), outcome.status


def _task_page(task: Any, mine: bool, status: int = 200, **forms: FlaskForm) -> Any:
    progress = forms.get("progress_form") or ProgressForm()
    progress.milestone_id.choices = [
        SelectChoice(m.id, f"{m.position}. {m.title}") for m in task.milestones
    ]
    upcoming = next((m for m in task.milestones if m.progress < 100), None)
    if progress.milestone_id.data is None and upcoming is not None:
        progress.milestone_id.data = upcoming.id  # the next milestone to report on
    defaults = {
        "plan_form": PlanForm(),
        "comment_form": CommentForm(),
        "completion_form": CompletionForm(),
        "check_form": CheckForm(),
        "look_back_form": LookBackForm(),
        "confirm_form": ConfirmForm(),
    }
    defaults.update(forms)
    defaults["progress_form"] = progress
    return render_template(
        "rectification/task.html",
        task=task,
        standing=_standing(task),
        open_check=services.open_check(task),
        history=services.history(db.session, task),
        mine=mine,
        **defaults,
    ), status


@admin_bp.route("/<int:task_id>")
@requires(Capability.READ_TASKS)
def task(task_id: int) -> Any:
    return _task_page(services.get_task(db.session, require_campaign(db.session), task_id), False)


def _office_step(task_id: int, form: FlaskForm, name: str, work: Any, done: str) -> Any:
    task = services.get_task(db.session, require_campaign(db.session), task_id)
    outcome = run_form(form, lambda: work(task))
    if outcome.done:
        flash(done)
        return redirect(url_for("rectification_office.task", task_id=task.id))
    return _task_page(task, False, outcome.status, **{name: form})


@admin_bp.route("/<int:task_id>/approve", methods=["POST"])
@requires(Capability.APPROVE_PLANS)
def approve(task_id: int) -> Any:
    return _office_step(
        task_id,
        ConfirmForm(),
        "confirm_form",
        lambda task: services.approve_plan(db.session, task, actor()),
        _("整改方案已批准，任务进入整改。"),
    )


@admin_bp.route("/<int:task_id>/return", methods=["POST"])
@requires(Capability.APPROVE_PLANS)
def return_plan(task_id: int) -> Any:
    form = CommentForm()
    return _office_step(
        task_id,
        form,
        "comment_form",
        lambda task: services.return_plan(db.session, task, form.comment.data, actor()),
        _("整改方案已退回部门修改。"),
    )


@admin_bp.route("/<int:task_id>/check", methods=["POST"])
@requires(Capability.CHECK_TASKS)
def check(task_id: int) -> Any:
    form = CheckForm()

    def record(task: Any) -> None:
        again = None
        if form.passed.data == "no" and form.again_title.data and form.again_due.data:
            again = services.MilestoneInput(form.again_title.data, form.again_due.data)
        services.record_check(
            db.session,
            task,
            CheckKind(form.kind.data),
            form.finding.data,
            form.passed.data == "yes",
            actor(),
            beijing_today(),
            again,
        )

    return _office_step(task_id, form, "check_form", record, _("核查结果已记录。"))


@admin_bp.route("/<int:task_id>/look-back", methods=["POST"])
@requires(Capability.CHECK_TASKS)
def look_back(task_id: int) -> Any:
    form = LookBackForm()
    return _office_step(
        task_id,
        form,
        "look_back_form",
        lambda task: services.schedule_look_back(
            db.session, task, form.due_on.data, actor(), beijing_today()
        ),
        _("已安排回头看。"),
    )


# ---------------------------------------------------------------- the department's own tasks


def _own(task_id: int) -> Any:
    task = services.get_task(db.session, require_campaign(db.session), task_id)
    if task.department_id != current_user.department_id:
        abort(404)
    return task


@admin_bp.route("/mine")
@requires(Capability.WORK_ON_OWN_TASKS)
def mine() -> str:
    campaign = require_campaign(db.session)
    rows = with_standing(db.session, campaign, beijing_today(), current_user.department)
    return render_template("rectification/office.html", rows=rows, mine=True)


@admin_bp.route("/mine/<int:task_id>")
@requires(Capability.WORK_ON_OWN_TASKS)
def own_task(task_id: int) -> Any:
    return _task_page(_own(task_id), True)


def _own_step(task_id: int, form: FlaskForm, name: str, work: Any, done: str) -> Any:
    task = _own(task_id)
    outcome = run_form(form, lambda: work(task))
    if outcome.done:
        flash(done)
        return redirect(url_for("rectification_office.own_task", task_id=task.id))
    return _task_page(task, True, outcome.status, **{name: form})


@admin_bp.route("/mine/<int:task_id>/plan", methods=["POST"])
@requires(Capability.WORK_ON_OWN_TASKS)
def plan(task_id: int) -> Any:
    form = PlanForm()
    items = [
        services.MilestoneInput(row.title.data, row.due_on.data, row.weight.data or 1)
        for row in form.milestones
        if (row.title.data or "").strip() and row.due_on.data
    ]
    return _own_step(
        task_id,
        form,
        "plan_form",
        lambda task: services.submit_plan(
            db.session,
            task,
            current_user.department,
            form.plan.data,
            items,
            actor(),
            beijing_today(),
        ),
        _("整改方案已报送，等待联席会议办公室审核。"),
    )


def _upload(file: Any) -> tuple[str | None, bytes, Any] | None:
    """An uploaded file as the services take it, or None when none was chosen."""
    if file is None or not getattr(file, "filename", ""):
        return None
    return file.filename, file.read(), storage()


@admin_bp.route("/mine/<int:task_id>/progress", methods=["POST"])
@requires(Capability.WORK_ON_OWN_TASKS)
def progress(task_id: int) -> Any:
    form = ProgressForm()
    return _own_step(
        task_id,
        form,
        "progress_form",
        lambda task: services.report_progress(
            db.session,
            task,
            current_user.department,
            form.milestone_id.data,
            form.progress.data,
            form.text.data,
            form.delay_reason.data or "",
            actor(),
            beijing_today(),
            _upload(form.evidence.data),
        ),
        _("进展已报送。"),
    )


@admin_bp.route("/mine/<int:task_id>/complete", methods=["POST"])
@requires(Capability.WORK_ON_OWN_TASKS)
def complete(task_id: int) -> Any:
    form = CompletionForm()
    return _own_step(
        task_id,
        form,
        "completion_form",
        lambda task: services.report_completion(
            db.session,
            task,
            current_user.department,
            form.evidence.data,
            actor(),
            beijing_today(),
            work_calendar(db.session),
        ),
        _("已报告整改完成，监察局将在 10 个工作日内核查。"),
    )


# ---------------------------------------------------------------- the public board


@public_bp.route("/")
def board() -> str:
    campaign = require_campaign(db.session)
    rows = with_standing(db.session, campaign, beijing_today(), listed_only=True)
    by_department: dict[Any, list] = {}
    for task, standing in rows:
        by_department.setdefault(task.department, []).append((task, standing))
    return render_template(
        "rectification/board.html",
        by_department=by_department,
        published=notices_of(db.session, campaign, published_only=True),
    )


@public_bp.route("/evidence/<int:evidence_id>")
def evidence(evidence_id: int) -> Response:
    """A progress report's evidence: public once its task is listed."""
    found = db.session.get(Evidence, evidence_id)
    if found is None or not found.report.task.listed:
        abort(404)
    return send_stored(found.sha256, found.content_type, found.filename)


@public_bp.route("/<int:task_id>")
def public_task(task_id: int) -> str:
    task = services.get_task(db.session, require_campaign(db.session), task_id)
    if not task.listed:
        abort(404)
    return render_template(
        "rectification/public_task.html",
        task=task,
        standing=_standing(task),
        history=services.history(db.session, task),
    )
