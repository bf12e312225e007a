"""Report pages: the department's editor, the office's review, the public site and screen."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from evaluation.campaign.models import Meeting
from evaluation.campaign.reports.attachments import (
    add_attachment,
    public_attachment,
    remove_attachment,
)
from evaluation.campaign.reports.forms import (
    BLANK_GOAL_ROWS,
    GOAL_STATUS_LABELS,
    AttachmentForm,
    ReportForm,
    ReviewForm,
)
from evaluation.campaign.reports.models import SECTIONS, ReportState
from evaluation.campaign.reports.review import diff_for_review
from evaluation.campaign.reports.services import (
    approve,
    campaign_status,
    clean_goals,
    get_version,
    latest_version,
    public_department,
    publish,
    published_versions,
    render_markdown,
    return_report,
    save_draft,
    section_labels,
    submit,
    versions_of,
)
from evaluation.campaign.services import meetings_of, require_campaign
from evaluation.campaign.signals import department_page, report_editor
from evaluation.core import audit
from evaluation.core.auth import actor
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.files import send_stored, storage
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from evaluation.core.qr import qr_svg
from evaluation.core.security import SECURITY_HEADERS, framed_by_own_pages
from evaluation.core.signals import gathered

public_bp = Blueprint("reports", __name__)
admin_bp = Blueprint("reports_office", __name__, url_prefix="/office/reports")

SCREEN_REFRESH_SECONDS = 30
PUBLISH_WARNING_DAYS = 3  # the office is warned this many days before a meeting


def public_url(endpoint: str, **values: Any) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _render_sections(version: Any) -> dict[str, Markup]:
    return {field: render_markdown(getattr(version, field)) for field in ("duties", *SECTIONS)}


# ---------------------------------------------------------------- public


@public_bp.route("/departments/<code>")
def department(code: str) -> str:
    campaign = require_campaign(db.session)
    department = public_department(db.session, campaign, code)
    published = published_versions(db.session, department)
    current, first = published[0], published[-1]
    url = public_url("reports.department", code=code)
    return render_template(
        "evaluation/reports/public.html",
        **gathered(department_page, current_app, campaign=campaign, department=department),
        department=department,
        version=current,
        first_published=first.published_at,
        html=_render_sections(current),
        labels=section_labels(),
        goal_labels=GOAL_STATUS_LABELS,
        qr=qr_svg(url),
        url=url,
        meeting=department.group.meeting if department.group else None,
    )


@public_bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> Response:
    found = public_attachment(db.session, attachment_id)
    return send_stored(found.sha256, found.content_type, found.filename)


@public_bp.route("/screen/<int:meeting_id>")
def screen(meeting_id: int) -> Any:
    """The venue's big screen: who reports now, their report's QR code, who is next; beside
    the meeting's live stream, where it has one (the panel then refreshes in its own frame,
    so the stream plays on)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise Refused(_("找不到该会议。"), 404)
    if meeting.stream_url and "panel" not in request.args:
        response = make_response(render_template("evaluation/reports/stream.html", meeting=meeting))
        stream = urlsplit(meeting.stream_url)
        response.headers["Content-Security-Policy"] = (
            f"{SECURITY_HEADERS['Content-Security-Policy']}; "
            f"media-src 'self' {stream.scheme}://{stream.netloc}"
        )
        return response
    slots = meeting.slots()
    now_index = _screen_index(meeting, slots)
    current = slots[now_index] if 0 <= now_index < len(slots) else None
    following = slots[now_index + 1] if 0 <= now_index + 1 < len(slots) else None
    qr = url = None
    if current is not None:
        url = public_url("reports.department", code=current[0].code)
        qr = qr_svg(url)
    page = render_template(
        "evaluation/reports/screen.html",
        meeting=meeting,
        current=current,
        following=following,
        qr=qr,
        url=url,
        refresh=SCREEN_REFRESH_SECONDS,
        panel="panel" in request.args,
    )
    return framed_by_own_pages(make_response(page))


def _screen_index(meeting: Meeting, slots: list) -> int:
    if meeting.screen_position is not None:
        return meeting.screen_position - 1
    now = to_user_timezone(dt.datetime.now(dt.UTC))
    if now.date() != meeting.date:
        return 0
    for index, (_department, _begins, ends) in enumerate(slots):
        if now.time() < ends:
            return index
    return len(slots) - 1


# ---------------------------------------------------------------- the department's editor


def _editor_page(
    report_form: ReportForm | None = None,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
    preview: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """The department's editor. The form that was posted and refused comes back as it was
    sent, with its messages; the others are filled afresh from the latest version. While a
    version is under review, the department reads what it submitted. `preview`: the posted
    text as the public page will show it (rendered sections and goals), nothing saved."""
    department = current_user.department
    latest = latest_version(db.session, department)
    extra = gathered(report_editor, current_app, department=department)
    if report_form is None:  # a first draft starts from what higher rooms offer (last year)
        report_form = ReportForm(formdata=None)
        start = {"duties": department.duties, **extra.get("report_start", {})}
        for field in ("duties", *SECTIONS):
            report_form[field].data = getattr(latest, field) if latest else start.get(field, "")
        goals = list(latest.goals) if latest else []
        for goal in goals + [{}] * BLANK_GOAL_ROWS:
            report_form.goals.append_entry(goal or None)
    editable = latest is None or latest.state != ReportState.SUBMITTED
    return render_template(
        "evaluation/reports/edit.html",
        department=department,
        form=report_form,
        latest=latest,
        versions=versions_of(db.session, department),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
        delete_form=ConfirmForm(),
        published=bool(published_versions(db.session, department)),
        editable=editable,
        html=None if editable else _render_sections(latest),
        labels=section_labels(),
        goal_labels=GOAL_STATUS_LABELS,
        version=latest,
        preview=preview,
        **extra,
    ), status


@admin_bp.route("/mine", methods=["GET", "POST"])
@requires(Capability.EDIT_OWN_REPORT)
def edit() -> Any:
    """Save what is on the screen as the draft; with 保存并提交审核, submit it too (both or,
    refused, neither: the page comes back with everything typed)."""
    if request.method == "GET":
        return _editor_page()
    form = ReportForm()
    if form.preview.data:
        return _preview(form)

    def save() -> bool:
        values: dict[str, Any] = {f: form[f].data for f in ("duties", *SECTIONS)}
        values["goals"] = [entry.data for entry in form.goals.entries]
        department = current_user.department
        save_draft(db.session, department, values, actor())
        if form.send.data:
            submit(db.session, department, actor(), form.correction_note.data or "")
        return bool(form.send.data)

    outcome = run_form(form, save)
    if not outcome.done:
        return _editor_page(report_form=form, status=outcome.status)
    flash(_("报告已保存并提交，等待联席会议办公室审核。") if outcome.value else _("草稿已保存。"))
    return redirect(url_for("reports_office.edit"))


def _preview(form: ReportForm) -> tuple[str, int]:
    """What is on the screen, formatted as the public will read it; nothing is saved."""

    def render() -> dict[str, Any]:
        goals = clean_goals([entry.data for entry in form.goals.entries])
        html = {f: render_markdown(form[f].data or "") for f in ("duties", *SECTIONS)}
        return {"html": html, "goals": goals}

    outcome = run_form(form, render)
    return _editor_page(
        report_form=form, status=outcome.status, preview=outcome.value if outcome.done else None
    )


@admin_bp.route("/mine/attachments", methods=["POST"])
@requires(Capability.EDIT_OWN_REPORT)
def attach() -> Any:
    form = AttachmentForm()

    def add() -> None:
        upload = form.file.data
        add_attachment(
            db.session, current_user.department, upload.filename, upload.read(), storage(), actor()
        )

    outcome = run_form(form, add)
    if outcome.done:
        flash(_("附件已上传。"))
        return redirect(url_for("reports_office.edit"))
    return _editor_page(attachment_form=form, status=outcome.status)


@admin_bp.route("/mine/attachments/<int:attachment_id>/delete", methods=["POST"])
@requires(Capability.EDIT_OWN_REPORT)
def detach(attachment_id: int) -> Response:
    remove_attachment(db.session, current_user.department, attachment_id, actor())
    flash(_("附件已删除。"))
    return redirect(url_for("reports_office.edit"))


# ---------------------------------------------------------------- the office's review


@admin_bp.route("/")
@requires(Capability.REVIEW_REPORTS)
def overview() -> str:
    campaign = require_campaign(db.session)
    today = to_user_timezone(dt.datetime.now(dt.UTC)).date()
    meetings = {m.group_id: m for m in meetings_of(db.session, campaign)}
    rows = campaign_status(db.session, campaign)
    counts: dict[int | None, Counter[str]] = defaultdict(Counter)
    for row in rows:
        waiting = row.latest is not None and row.latest.state == ReportState.SUBMITTED
        stage = "waiting" if waiting else "published" if row.published else "open"
        counts[row.department.group_id][stage] += 1
    return render_template(
        "evaluation/reports/overview.html",
        campaign=campaign,
        rows=rows,
        counts=counts,
        meetings=meetings,
        today=today,
        warn_before=dt.timedelta(days=PUBLISH_WARNING_DAYS),
    )


@admin_bp.route("/<int:version_id>")
@requires(Capability.REVIEW_REPORTS)
def review(version_id: int, status: int = 200, **posted: FlaskForm) -> tuple[str, int]:
    """A version under review; a refused form comes back as it was sent, with its message."""
    version = get_version(db.session, version_id)
    base, sections = diff_for_review(db.session, version)
    return render_template(
        "evaluation/reports/review.html",
        version=version,
        base=base,
        sections=sections,
        html=_render_sections(version),
        labels=section_labels(),
        goal_labels=GOAL_STATUS_LABELS,
        form=posted.get("form") or ReviewForm(formdata=None),
        confirm=posted.get("confirm") or ConfirmForm(formdata=None),
    ), status


def _review_step(version_id: int, name: str, form: FlaskForm, step: Any, done: str) -> Any:
    version = get_version(db.session, version_id)
    outcome = run_form(form, lambda: step(version))
    if not outcome.done:
        return review(version_id, outcome.status, **{name: form})
    flash(done)
    return redirect(url_for("reports_office.review", version_id=version.id))


@admin_bp.route("/<int:version_id>/approve", methods=["POST"])
@requires(Capability.REVIEW_REPORTS)
def approve_version(version_id: int) -> Any:
    return _review_step(
        version_id,
        "confirm",
        ConfirmForm(),
        lambda version: approve(db.session, version, actor()),
        _("报告已审核通过。"),
    )


@admin_bp.route("/<int:version_id>/return", methods=["POST"])
@requires(Capability.REVIEW_REPORTS)
def return_version(version_id: int) -> Any:
    form = ReviewForm()
    return _review_step(
        version_id,
        "form",
        form,
        lambda version: return_report(db.session, version, form.comment.data or "", actor()),
        _("报告已退回修改。"),
    )


@admin_bp.route("/<int:version_id>/publish", methods=["POST"])
@requires(Capability.REVIEW_REPORTS)
def publish_version(version_id: int) -> Any:
    return _review_step(
        version_id,
        "confirm",
        ConfirmForm(),
        lambda version: publish(db.session, version, actor()),
        _("报告已发布。"),
    )


@admin_bp.route("/screen/<int:meeting_id>", methods=["POST"])
@requires(Capability.MANAGE_CAMPAIGN)
def move_screen(meeting_id: int) -> Response:
    """Advance the venue screens by hand, or give them back to the schedule."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise Refused(_("找不到该会议。"), 404)
    count = len(meeting.group.departments)
    step = request.form.get("step", "")
    if step == "auto":
        meeting.screen_position = None
    elif step in ("next", "previous"):
        now = meeting.screen_position or _screen_index(meeting, meeting.slots()) + 1
        meeting.screen_position = max(1, min(count, now + (1 if step == "next" else -1)))
    else:
        raise Refused(_("无效的操作。"))
    audit.record(
        db.session,
        actor(),
        "screen.move",
        f"group:{meeting.group.number}",
        position=meeting.screen_position,
    )
    return redirect(url_for("reports.screen", meeting_id=meeting.id))
