"""The joint office's set-up pages (后台): campaign, phases, groups, departments, venues,
meetings, imports and users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from evaluation.campaign.forms import (
    CampaignForm,
    DepartmentForm,
    GroupForm,
    ImportForm,
    MeetingForm,
    PhaseForm,
    UserForm,
    VenueForm,
)
from evaluation.campaign.imports import (
    DEPARTMENT_COLUMNS,
    VENUE_COLUMNS,
    ImportRefused,
    import_departments,
    import_venues,
    read_table,
)
from evaluation.campaign.models import (
    DEFAULT_APPEAL_WORKING_DAYS,
    DEFAULT_PROGRESS_REPORT_DAY,
    Department,
    Group,
    Meeting,
    Phase,
    Venue,
)
from evaluation.campaign.services import (
    current_campaign,
    get_in_campaign,
    meetings_of,
    move_phase,
    require_campaign,
    save_campaign,
    save_department,
    save_group,
    save_meeting,
    save_venue,
    shift_department,
)
from evaluation.campaign.users import save_user
from evaluation.core.auth import actor
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.models import User
from evaluation.core.permissions import Capability, requires

admin_bp = Blueprint("office", __name__, url_prefix="/office")

NONE_CHOICE = 0


def _form_page(
    form: FlaskForm, title: str, save: Callable[[], Any], done: str
) -> str | Response | tuple[str, int]:
    """Show a form; on a valid post run `save` and go to `done`. Refusals stay here."""
    outcome = run_form(form, save)
    if outcome.done:
        flash(_("已保存。"))
        return redirect(url_for(done))
    return render_template("evaluation/office/form.html", form=form, title=title), outcome.status


def _values(form: FlaskForm) -> dict[str, Any]:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


# ---------------------------------------------------------------- admin: campaign and phases


@admin_bp.route("/campaign/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def campaign_new() -> Any:
    form = CampaignForm()
    if not form.is_submitted():
        form.slot_minutes.data = 10
        form.progress_report_day.data = DEFAULT_PROGRESS_REPORT_DAY
        form.appeal_working_days.data = DEFAULT_APPEAL_WORKING_DAYS
    return _form_page(
        form,
        _("新建年度活动"),
        lambda: save_campaign(db.session, actor(), _values(form)),
        "desk.admin_home",
    )


@admin_bp.route("/campaign/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def campaign_edit() -> Any:
    campaign = require_campaign(db.session)
    form = CampaignForm(obj=campaign)
    return _form_page(
        form,
        _("活动设置"),
        lambda: save_campaign(db.session, actor(), _values(form), campaign),
        "desk.admin_home",
    )


@admin_bp.route("/campaign/phase", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def campaign_phase() -> Any:
    campaign = require_campaign(db.session)
    form = PhaseForm()
    if not form.is_submitted() and campaign.current_phase != Phase.CLOSED:
        form.target.data = list(Phase)[campaign.current_phase.index + 1].value
    outcome = run_form(
        form,
        lambda: move_phase(
            db.session, campaign, Phase(form.target.data), actor(), form.reason.data
        ),
    )
    if outcome.done:
        flash(_("活动阶段已更新。"))
        return redirect(url_for("desk.admin_home"))
    return render_template(
        "evaluation/office/form.html", form=form, title=_("切换活动阶段")
    ), outcome.status


# ---------------------------------------------------------------- admin: groups


@admin_bp.route("/groups")
@requires(Capability.MANAGE_CAMPAIGN)
def groups() -> str:
    campaign = require_campaign(db.session)
    return render_template("evaluation/office/groups.html", campaign=campaign)


@admin_bp.route("/groups/new", methods=["GET", "POST"], defaults={"group_id": None})
@admin_bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def group_edit(group_id: int | None) -> Any:
    campaign = require_campaign(db.session)
    group = get_in_campaign(db.session, Group, campaign, group_id) if group_id else None
    form = GroupForm(obj=group)
    return _form_page(
        form,
        _("编辑述职组") if group else _("新建述职组"),
        lambda: save_group(db.session, campaign, actor(), form.number.data, form.name.data, group),
        "office.groups",
    )


# ---------------------------------------------------------------- admin: departments


@admin_bp.route("/departments")
@requires(Capability.MANAGE_CAMPAIGN)
def departments() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "evaluation/office/departments.html", campaign=campaign, move_form=ConfirmForm()
    )


@admin_bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@admin_bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def department_edit(department_id: int | None) -> Any:
    campaign = require_campaign(db.session)
    department = (
        get_in_campaign(db.session, Department, campaign, department_id) if department_id else None
    )
    form = DepartmentForm(obj=department)
    form.group_id.choices = [SelectChoice(NONE_CHOICE, "—")] + [
        SelectChoice(g.id, f"{g.number} · {g.name}") for g in campaign.groups
    ]
    return _form_page(
        form,
        _("编辑部门") if department else _("新建部门"),
        lambda: save_department(db.session, campaign, actor(), _values(form), department),
        "office.departments",
    )


@admin_bp.route("/departments/<int:department_id>/move", methods=["POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def department_move(department_id: int) -> Response:
    campaign = require_campaign(db.session)
    department = get_in_campaign(db.session, Department, campaign, department_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        raise Refused(_("无效的移动方向。"))
    shift_department(db.session, department, step, actor())
    return redirect(url_for("office.departments") + f"#d{department.id}")


# ---------------------------------------------------------------- admin: venues


@admin_bp.route("/venues")
@requires(Capability.MANAGE_CAMPAIGN)
def venues() -> str:
    campaign = require_campaign(db.session)
    return render_template("evaluation/office/venues.html", campaign=campaign)


@admin_bp.route("/venues/new", methods=["GET", "POST"], defaults={"venue_id": None})
@admin_bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def venue_edit(venue_id: int | None) -> Any:
    campaign = require_campaign(db.session)
    venue = get_in_campaign(db.session, Venue, campaign, venue_id) if venue_id else None
    form = VenueForm(obj=venue)
    return _form_page(
        form,
        _("编辑会场") if venue else _("新建会场"),
        lambda: save_venue(db.session, campaign, actor(), _values(form), venue),
        "office.venues",
    )


# ---------------------------------------------------------------- admin: imports

IMPORTS = {
    "departments": (import_departments, DEPARTMENT_COLUMNS, "office.departments"),
    "venues": (import_venues, VENUE_COLUMNS, "office.venues"),
}


@admin_bp.route("/import/<kind>", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def import_file(kind: str) -> Any:
    if kind not in IMPORTS:
        raise Refused(_("找不到该页面，请检查网址是否正确。"), 404)
    importer, columns, done = IMPORTS[kind]
    campaign = require_campaign(db.session)
    form = ImportForm()
    errors: list = []

    def run() -> Any:
        upload = form.file.data
        try:
            return importer(
                db.session, campaign, read_table(upload.filename, upload.stream), actor()
            )
        except ImportRefused as refusal:
            errors.extend(refusal.errors)  # every bad row, listed under the form
            raise

    outcome = run_form(form, run)
    if outcome.done:
        flash(
            _(
                "导入完成：新增 %(c)s 条，更新 %(u)s 条。",
                c=outcome.value.created,
                u=outcome.value.updated,
            )
        )
        return redirect(url_for(done))
    return render_template(
        "evaluation/office/import.html", form=form, kind=kind, columns=columns, errors=errors
    ), outcome.status


# ---------------------------------------------------------------- admin: meetings


@admin_bp.route("/meetings")
@requires(Capability.MANAGE_CAMPAIGN)
def meetings() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "evaluation/office/meetings.html",
        campaign=campaign,
        meetings=meetings_of(db.session, campaign),
    )


@admin_bp.route("/meetings/new", methods=["GET", "POST"], defaults={"meeting_id": None})
@admin_bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def meeting_edit(meeting_id: int | None) -> Any:
    campaign = require_campaign(db.session)
    meeting = None
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.group.campaign_id != campaign.id:
            raise Refused(_("找不到该记录。"), 404)
    form = MeetingForm(obj=meeting)
    form.group_id.choices = [SelectChoice(g.id, f"{g.number} · {g.name}") for g in campaign.groups]
    return _form_page(
        form,
        _("编辑述职评议会") if meeting else _("安排述职评议会"),
        lambda: save_meeting(
            db.session,
            campaign,
            actor(),
            form.group_id.data,
            form.date.data,
            form.starts_at.data,
            meeting,
            form.stream_url.data,
        ),
        "office.meetings",
    )


# ---------------------------------------------------------------- admin: users


@admin_bp.route("/users")
@requires(Capability.MANAGE_CAMPAIGN)
def users() -> str:
    accounts = db.session.execute(db.select(User).order_by(User.role, User.username)).scalars()
    return render_template("evaluation/office/users.html", users=list(accounts))


@admin_bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@admin_bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def user_edit(user_id: int | None) -> Any:
    campaign = current_campaign(db.session)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user_id is not None and user is None:
        raise Refused(_("找不到该记录。"), 404)
    form = UserForm(obj=user)
    if user is not None and not form.is_submitted():
        form.department_id.data = user.department_id or NONE_CHOICE
        form.venue_id.data = user.venue_id or NONE_CHOICE
    form.department_id.choices = [SelectChoice(NONE_CHOICE, "—")] + [
        SelectChoice(d.id, f"{d.code} {d.name}") for d in (campaign.departments if campaign else [])
    ]
    form.venue_id.choices = [SelectChoice(NONE_CHOICE, "—")] + [
        SelectChoice(v.id, v.name) for v in (campaign.venues if campaign else [])
    ]
    return _form_page(
        form,
        _("编辑账号") if user else _("新建账号"),
        lambda: save_user(db.session, campaign, actor(), _values(form), user),
        "office.users",
    )
