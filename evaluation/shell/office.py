"""Each role's own page in the back office (工作台) and the audit log."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from evaluation.campaign.forms import PhaseForm
from evaluation.campaign.models import Phase
from evaluation.campaign.services import current_campaign, meetings_of
from evaluation.core import audit
from evaluation.core.auth import ROLE_HOME
from evaluation.core.extensions import db
from evaluation.core.models import Role
from evaluation.core.permissions import Capability, requires
from evaluation.shell import todo

desk_bp = Blueprint("desk", __name__, url_prefix="/office")

AUDIT_PAGE_SIZE = 50


@desk_bp.route("/")
@login_required
def home() -> Response:
    return redirect(url_for(ROLE_HOME[Role(current_user.role)]))


# ---------------------------------------------------------------- admin: campaign and phases


@desk_bp.route("/admin")
@requires(Capability.ADMIN_DESK)
def admin_home() -> str:
    campaign = current_campaign(db.session)
    phase_form = PhaseForm()
    if campaign is not None and campaign.current_phase != Phase.CLOSED:
        phase_form.target.data = list(Phase)[campaign.current_phase.index + 1].value
    return render_template(
        "evaluation/office/admin_home.html",
        campaign=campaign,
        phase_form=phase_form,
        meetings=meetings_of(db.session, campaign) if campaign else [],
        events=audit.recent_events(db.session, 10),
        todos=todo.admin(db.session, campaign) if campaign else [],
    )


# ---------------------------------------------------------------- oversight


@desk_bp.route("/audit")
@requires(Capability.READ_AUDIT_LOG)
def audit_log() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = audit.count_events(db.session)
    events = audit.recent_events(db.session, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    return render_template(
        "evaluation/office/audit.html",
        events=events,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
        total=total,
        chain=audit.verify_chain(db.session),
    )


# ---------------------------------------------------------------- each role's own page


@desk_bp.route("/department")
@requires(Capability.DEPARTMENT_DESK)
def department_home() -> str:
    department = current_user.department
    meeting = department.group.meeting if department.group else None
    slot = None
    if meeting is not None:
        slot = next((s for s in meeting.slots() if s[0] is department), None)
    return render_template(
        "evaluation/office/department_home.html",
        department=department,
        meeting=meeting,
        slot=slot,
        todos=todo.department(db.session, department),
    )


@desk_bp.route("/venue")
@requires(Capability.VENUE_DESK)
def venue_home() -> str:
    venue = current_user.venue
    return render_template(
        "evaluation/office/venue_home.html",
        venue=venue,
        meetings=meetings_of(db.session, venue.campaign),
        todos=todo.venue(db.session, venue, current_user),
    )


@desk_bp.route("/supervision")
@requires(Capability.SUPERVISION_DESK)
def supervision_home() -> str:
    campaign = current_campaign(db.session)
    return render_template(
        "evaluation/office/overview.html",
        campaign=campaign,
        meetings=meetings_of(db.session, campaign) if campaign else [],
        title=_("监察局工作台"),
        chain=audit.verify_chain(db.session),
        todos=todo.supervision(db.session, campaign) if campaign else [],
    )


@desk_bp.route("/statistics")
@requires(Capability.STATISTICS_DESK)
def statistics_home() -> str:
    campaign = current_campaign(db.session)
    return render_template(
        "evaluation/office/overview.html",
        campaign=campaign,
        meetings=meetings_of(db.session, campaign) if campaign else [],
        title=_("统计局工作台"),
        chain=None,
        todos=todo.statistics(db.session, campaign) if campaign else [],
    )


@desk_bp.route("/reviews")
@requires(Capability.REVIEWER_DESK)
def reviewer_home() -> str:
    campaign = current_campaign(db.session)
    return render_template(
        "evaluation/office/reviewer_home.html",
        todos=todo.reviewer(db.session, campaign, current_user) if campaign else [],
    )
