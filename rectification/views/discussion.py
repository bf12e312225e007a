"""The discussion meeting's pages (恳谈会): the office plans it (agenda, invitees), records the
minutes and the follow-ups; a follow-up opens the new-task page with its draft."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.extensions import db
from evaluation.core.forms import SelectChoice, run_form
from evaluation.core.permissions import Capability, requires
from rectification import discussion
from rectification.forms import (
    INVITEE_LABELS,
    DiscussionForm,
    FollowUpForm,
    InviteeForm,
    MinutesForm,
)
from rectification.models import InviteeKind
from rectification.views.blueprints import admin_bp


def _units() -> list[SelectChoice]:
    campaign = require_campaign(db.session)
    return [SelectChoice(d.id, f"{d.code} · {d.name}") for d in campaign.departments]


@admin_bp.route("/discussions", methods=["GET", "POST"])
@requires(Capability.HOLD_DISCUSSIONS)
def discussions() -> Any:
    campaign = require_campaign(db.session)
    form = DiscussionForm()
    outcome = run_form(
        form,
        lambda: discussion.create_meeting(
            db.session,
            campaign,
            form.title.data,
            form.held_on.data,
            form.place.data,
            form.agenda.data,
            actor(),
        ),
    )
    if outcome.done:
        flash(_("恳谈会已建立，请邀请参会人员。"))
        return redirect(
            url_for("rectification_office.discussion_page", meeting_id=outcome.value.id)
        )
    page = render_template(
        "rectification/discussions.html",
        form=form,
        meetings=discussion.meetings_of(db.session, campaign),
    )
    return page, outcome.status


def _page(meeting_id: int, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    campaign = require_campaign(db.session)
    meeting = discussion.get_meeting(db.session, campaign, meeting_id)
    invitee = forms.get("invitee") or InviteeForm(formdata=None)
    follow_up = forms.get("follow_up") or FollowUpForm(formdata=None)
    invitee.department_id.choices = follow_up.department_id.choices = _units()
    minutes = forms.get("minutes") or MinutesForm(formdata=None, minutes=meeting.minutes)
    page = render_template(
        "rectification/discussion.html",
        meeting=meeting,
        invitee_form=invitee,
        minutes_form=minutes,
        follow_up_form=follow_up,
        invitee_labels=INVITEE_LABELS,
        tasks=discussion.tasks_from(db.session, meeting),
    )
    return page, status


@admin_bp.route("/discussions/<int:meeting_id>")
@requires(Capability.READ_TASKS)
def discussion_page(meeting_id: int) -> tuple[str, int]:
    return _page(meeting_id)


def _post(meeting_id: int, name: str, form: FlaskForm, act: Callable[[Any], Any], done: str) -> Any:
    meeting = discussion.get_meeting(db.session, require_campaign(db.session), meeting_id)
    if hasattr(form, "department_id"):
        form.department_id.choices = _units()
    outcome = run_form(form, lambda: act(meeting))
    if outcome.done:
        flash(done)
        return redirect(url_for("rectification_office.discussion_page", meeting_id=meeting_id))
    return _page(meeting_id, outcome.status, **{name: form})


@admin_bp.route("/discussions/<int:meeting_id>/invitees", methods=["POST"])
@requires(Capability.HOLD_DISCUSSIONS)
def discussion_invite(meeting_id: int) -> Any:
    form = InviteeForm()
    return _post(
        meeting_id,
        "invitee",
        form,
        lambda meeting: discussion.add_invitee(
            db.session,
            meeting,
            InviteeKind(form.kind.data),
            form.department_id.data,
            form.name.data,
            form.code.data,
            form.note.data,
            actor(),
        ),
        _("已邀请。"),
    )


@admin_bp.route("/discussions/<int:meeting_id>/minutes", methods=["POST"])
@requires(Capability.HOLD_DISCUSSIONS)
def discussion_minutes(meeting_id: int) -> Any:
    form = MinutesForm()
    return _post(
        meeting_id,
        "minutes",
        form,
        lambda meeting: discussion.record_minutes(db.session, meeting, form.minutes.data, actor()),
        _("会议纪要已保存。"),
    )


@admin_bp.route("/discussions/<int:meeting_id>/follow-ups", methods=["POST"])
@requires(Capability.HOLD_DISCUSSIONS)
def discussion_follow_up(meeting_id: int) -> Any:
    form = FollowUpForm()
    return _post(
        meeting_id,
        "follow_up",
        form,
        lambda meeting: discussion.add_follow_up(
            db.session,
            meeting,
            form.department_id.data,
            form.text.data,
            form.raised_by.data,
            actor(),
        ),
        _("跟进事项已记录，可据此起草整改任务。"),
    )
