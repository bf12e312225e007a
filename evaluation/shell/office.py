"""Each role's own page in the back office (工作台) and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Length, Optional

from evaluation.campaign.forms import PhaseForm
from evaluation.campaign.models import Phase
from evaluation.campaign.services import current_campaign, meetings_of
from evaluation.core import audit
from evaluation.core.audit_events import EVENTS as AUDIT_EVENTS
from evaluation.core.auth import ROLE_HOME, actor
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, require_valid
from evaluation.core.models import Role
from evaluation.core.paging import Page
from evaluation.core.permissions import Capability, requires
from evaluation.core.spreadsheets import EXPORT_LOCALE, csv_row
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


class AuditFilterForm(Form):
    """The audit log's filters (GET: a link to a filtered view can be shared)."""

    actor = StringField(_l("操作人"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("操作"), default="")
    subject = StringField(_l("对象"), validators=[Optional(), Length(max=200)])
    text = StringField(_l("关键词"), validators=[Optional(), Length(max=100)])
    since = DateField(_l("起始日期"), validators=[Optional()], render_kw={"type": "date"})
    until = DateField(_l("截止日期"), validators=[Optional()], render_kw={"type": "date"})


def _audit_filter() -> tuple[AuditFilterForm, audit.EventFilter | None]:
    """The filter form as asked; None as the filter when the query cannot be read."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("全部操作"))] + [(k, str(v)) for k, v in AUDIT_EVENTS.items()]
    if not form.validate():
        for name, messages in form.errors.items():
            form[name].errors = [BAD_FILTER[name]] * len(messages)
        return form, None
    return form, audit.EventFilter(
        actor=(form.actor.data or "").strip(),
        action=form.action.data or "",
        subject=(form.subject.data or "").strip(),
        text=(form.text.data or "").strip(),
        since=form.since.data,
        until=form.until.data,
    )


# An event's object as a link to its page in the office, by the object's kind.
SUBJECT_PAGES = {
    "box": "ballots_office.box",
    "suggestion": "suggestions_office.item",
    "run": "results_office.preview",
    "questionnaire": "questionnaires_office.edit",
}


@desk_bp.app_template_filter("subject_url")
def subject_url(subject: str) -> str | None:
    """box:12:… → the box's page; None for objects without a page of their own."""
    kind, _sep, rest = subject.partition(":")
    number = rest.split(":", 1)[0]
    if kind not in SUBJECT_PAGES or not (number.isascii() and number.isdigit()):
        return None
    endpoint = SUBJECT_PAGES[kind]
    argument = {"box": "box_id", "suggestion": "suggestion_id", "run": "run_id"}.get(
        kind, "questionnaire_id"
    )
    return url_for(endpoint, **{argument: int(number)})


BAD_FILTER = {  # in Chinese, whatever WTForms would say
    "actor": _l("操作人最多 100 个字。"),
    "action": _l("没有这种操作。"),
    "subject": _l("对象最多 200 个字。"),
    "text": _l("关键词最多 100 个字。"),
    "since": _l("起始日期应写成 2026-12-01 的样子。"),
    "until": _l("截止日期应写成 2026-12-01 的样子。"),
}


@desk_bp.route("/audit")
@requires(Capability.READ_AUDIT_LOG)
def audit_log() -> tuple[str, int]:
    form, only = _audit_filter()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = audit.count_events(db.session, only) if only else 0
    events = (
        audit.recent_events(db.session, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE, only)
        if only
        else []
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "evaluation/office/audit.html",
        form=form,
        events=events,
        page=Page(events, total, page, Page.count(total, AUDIT_PAGE_SIZE)),
        args=args,
        chain=audit.check_events(db.session, events),
        full_check=audit.last_full_check(db.session),
        verify_form=ConfirmForm(),
    ), (200 if only else 400)


@desk_bp.route("/audit/verify", methods=["POST"])
@requires(Capability.READ_AUDIT_LOG)
def verify_audit_log() -> Response:
    """Walk the whole chain now; what was found is itself written into the log."""
    form = ConfirmForm()
    require_valid(form)
    report = audit.record_full_check(db.session, actor())
    if report.ok:
        flash(_("完整核验完成：哈希链完整，共 %(n)s 条记录。", n=report.count))
    else:
        flash(
            _(
                "完整核验发现问题：哈希链在第 %(id)s 条记录处断开：%(reason)s",
                id=report.broken_at,
                reason=report.reason,
            )
        )
    return redirect(url_for("desk.audit_log"))


@desk_bp.route("/audit.csv")
@requires(Capability.READ_AUDIT_LOG)
def audit_csv() -> Response:
    """The events the filters select, every one of them, as CSV (Chinese headers)."""
    form, only = _audit_filter()
    if only is None:
        message = next(iter(form.errors.values()))[0]
        raise Refused(str(message))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "时间（北京时间）", "操作人", "操作", "操作代码", "对象", "详情"])
    with force_locale(EXPORT_LOCALE):
        for e in audit.recent_events(db.session, None, 0, only):
            at = to_user_timezone(e.at.replace(tzinfo=dt.UTC)).strftime("%Y-%m-%d %H:%M:%S")
            label = str(AUDIT_EVENTS.get(e.action, e.action))
            writer.writerow(csv_row([e.id, at, e.actor, label, e.action, e.subject, e.detail]))
    return Response(
        out.getvalue().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
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
        chain=audit.check_tip(db.session),
        full_check=audit.last_full_check(db.session),
        verify_form=ConfirmForm(),
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


@desk_bp.route("/district")
@requires(Capability.DISTRICT_DESK)
def district_home() -> str:
    venue = current_user.venue
    return render_template(
        "evaluation/office/district_home.html",
        venue=venue,
        todos=todo.district(db.session, venue),
    )


@desk_bp.route("/reviews")
@requires(Capability.REVIEWER_DESK)
def reviewer_home() -> str:
    campaign = current_campaign(db.session)
    return render_template(
        "evaluation/office/reviewer_home.html",
        todos=todo.reviewer(db.session, campaign, current_user) if campaign else [],
    )
