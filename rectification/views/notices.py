"""Notice and talk pages: supervision composes a notice (督查通报) from the figures and
publishes it, printable as a PDF; the office and supervision record formal talks (约谈)."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.clock import beijing_today
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, SelectChoice, run_form
from evaluation.core.permissions import Capability, requires
from rectification import notices
from rectification.forms import NoticeForm, TalkForm
from rectification.services import tasks_of
from rectification.views.blueprints import admin_bp, public_bp
from suggestions.routing import work_calendar


def _units() -> list[SelectChoice]:
    campaign = require_campaign(db.session)
    return [SelectChoice(d.id, f"{d.code} · {d.name}") for d in campaign.departments]


@admin_bp.route("/notices", methods=["GET", "POST"])
@requires(Capability.ISSUE_NOTICES)
def notices_page() -> Any:
    campaign = require_campaign(db.session)
    form = NoticeForm()
    # The departments the notice can name: those with rectification tasks.
    with_tasks = {t.department_id for t in tasks_of(db.session, campaign)}
    form.praised.choices = form.criticised.choices = [
        SelectChoice(d.id, d.short_name) for d in campaign.departments if d.id in with_tasks
    ]
    outcome = run_form(
        form,
        lambda: notices.compose_notice(
            db.session,
            campaign,
            form.title.data,
            form.praised.data or [],
            form.criticised.data or [],
            form.remarks.data,
            actor(),
            beijing_today(),
            work_calendar(db.session),
        ),
    )
    if outcome.done:
        flash(_("通报草稿已生成，核对后发布。"))
        return redirect(url_for("rectification_office.notice", notice_id=outcome.value.id))
    today = beijing_today()
    return render_template(
        "rectification/notices.html",
        form=form,
        drafts=notices.notices_of(db.session, campaign),
        figures=notices.unit_figures(db.session, campaign, today, work_calendar(db.session)),
    ), outcome.status


def _notice_page(notice: Any, office: bool, status: int = 200, form: Any = None) -> Any:
    campaign = require_campaign(db.session)
    return render_template(
        "rectification/notice.html",
        notice=notice,
        figures=notices.figures_of(notice),
        praised=notices.names(campaign, notice.praised),
        criticised=notices.names(campaign, notice.criticised),
        office=office,
        form=form or ConfirmForm(),
    ), status


@admin_bp.route("/notices/<int:notice_id>")
@requires(Capability.READ_TASKS)
def notice(notice_id: int) -> Any:
    return _notice_page(
        notices.get_notice(db.session, require_campaign(db.session), notice_id), True
    )


@admin_bp.route("/notices/<int:notice_id>/publish", methods=["POST"])
@requires(Capability.ISSUE_NOTICES)
def publish_notice(notice_id: int) -> Any:
    found = notices.get_notice(db.session, require_campaign(db.session), notice_id)
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: notices.publish_notice(db.session, found, actor(), beijing_today())
    )
    if outcome.done:
        flash(_("通报已发布。"))
        return redirect(url_for("rectification_office.notice", notice_id=found.id))
    return _notice_page(found, True, outcome.status, form)


@admin_bp.route("/talks", methods=["GET", "POST"])
@requires(Capability.RECORD_TALKS)
def talks() -> Any:
    campaign = require_campaign(db.session)
    form = TalkForm()
    form.department_id.choices = _units()
    outcome = run_form(
        form,
        lambda: notices.record_talk(
            db.session,
            campaign,
            form.department_id.data,
            form.held_on.data,
            form.participants.data,
            form.reason.data,
            form.outcome.data,
            actor(),
            beijing_today(),
        ),
    )
    if outcome.done:
        flash(_("约谈已记录。"))
        return redirect(url_for("rectification_office.talks"))
    return render_template(
        "rectification/talks.html", form=form, talks=notices.talks_of(db.session, campaign)
    ), outcome.status


@public_bp.route("/notices/<int:notice_id>")
def public_notice(notice_id: int) -> Any:
    found = notices.get_notice(db.session, require_campaign(db.session), notice_id, True)
    return _notice_page(found, False)


@public_bp.route("/notices/<int:notice_id>.pdf")
def notice_pdf(notice_id: int) -> Response:
    campaign = require_campaign(db.session)
    found = notices.get_notice(db.session, campaign, notice_id, True)
    return Response(
        notices.notice_pdf(campaign, found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"inline; filename=notice-{notice_id}.pdf"},
    )
