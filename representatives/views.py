"""The representatives' office pages: the statistics bureau's roster, quotas and draw, and a
district venue's review of its drawn people."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length

from evaluation.campaign.forms import ImportForm
from evaluation.campaign.imports import ImportRefused, read_table
from evaluation.campaign.services import meetings_of, require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import Forbidden
from evaluation.core.extensions import db
from evaluation.core.forms import REQUIRED, ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from representatives.draw import run_draw
from representatives.letters import export_invited, letters_pdf, sms_csv
from representatives.models import categories_of
from representatives.review import (
    MAX_REASON,
    accept_list,
    acceptance_of,
    cancel_invitee,
    draw_of,
    invitees,
    replace_invitee,
    roster_counts,
    venue_counts,
)
from representatives.roster import MAX_ROSTER_ROWS, import_quotas, import_roster

admin_bp = Blueprint("representatives_office", __name__, url_prefix="/office/representatives")


class DrawForm(FlaskForm):
    seed = StringField(_l("随机种子（公开的数字）"), validators=[DataRequired(REQUIRED)])
    seed_again = StringField(
        _l("再输入一遍"),
        validators=[DataRequired(REQUIRED), EqualTo("seed", _l("两次输入的随机种子不一致。"))],
    )
    not_last_year = BooleanField(_l("不抽上一年度的代表"))


class ReplaceForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(REQUIRED), Length(max=MAX_REASON)])


@admin_bp.route("/")
@requires(Capability.MANAGE_REPRESENTATIVES)
def overview() -> str:
    return _overview(ImportForm(prefix="roster"), ImportForm(prefix="quotas"), DrawForm(), [], 200)


def _overview(
    roster: ImportForm, quotas: ImportForm, draw: DrawForm, errors: list, status: int
) -> Any:
    campaign = require_campaign(db.session)
    return render_template(
        "representatives/office.html",
        campaign=campaign,
        categories=categories_of(campaign),
        roster=roster_counts(db.session, campaign),
        counts=venue_counts(db.session, campaign),
        drawn=draw_of(db.session, campaign),
        meetings=meetings_of(db.session, campaign),
        roster_form=roster,
        quotas_form=quotas,
        draw_form=draw,
        errors=errors,
        export_form=ConfirmForm(),
    ), status


def _import(prefix: str, work: Any) -> Any:
    form = ImportForm(prefix=prefix)
    errors: list = []

    def run() -> Any:
        try:
            rows = read_table(form.file.data.filename, form.file.data.stream, MAX_ROSTER_ROWS)
            return work(db.session, require_campaign(db.session), rows, actor())
        except ImportRefused as refusal:
            errors.extend(refusal.errors)
            raise

    outcome = run_form(form, run)
    if outcome.done:
        flash(_("已导入。"))
        return redirect(url_for("representatives_office.overview"))
    forms = {"roster": ImportForm(prefix="roster"), "quotas": ImportForm(prefix="quotas")}
    forms[prefix] = form
    return _overview(forms["roster"], forms["quotas"], DrawForm(), errors, outcome.status)


@admin_bp.route("/roster", methods=["POST"])
@requires(Capability.MANAGE_REPRESENTATIVES)
def roster_import() -> Any:
    return _import("roster", import_roster)


@admin_bp.route("/quotas", methods=["POST"])
@requires(Capability.MANAGE_REPRESENTATIVES)
def quotas_import() -> Any:
    return _import("quotas", import_quotas)


@admin_bp.route("/draw", methods=["POST"])
@requires(Capability.MANAGE_REPRESENTATIVES)
def draw() -> Any:
    form = DrawForm()
    outcome = run_form(
        form,
        lambda: run_draw(
            db.session,
            require_campaign(db.session),
            form.seed.data,
            actor(),
            form.not_last_year.data,
        ),
    )
    if outcome.done:
        flash(_("已抽取 %(n)s 位代表。", n=sum(len(d.invited) for d in outcome.value)))
        return redirect(url_for("representatives_office.overview"))
    return _overview(
        ImportForm(prefix="roster"), ImportForm(prefix="quotas"), form, [], outcome.status
    )


@admin_bp.route("/letters/<int:group_number>.pdf", methods=["POST"])
@requires(Capability.MANAGE_REPRESENTATIVES)
def letters(group_number: int) -> Response:
    """A meeting's invitation letters, as they stand after any replacement (audited)."""
    pdf = letters_pdf(db.session, require_campaign(db.session), group_number, actor())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=letters-{group_number}.pdf"},
    )


@admin_bp.route("/sms/<int:group_number>.csv", methods=["POST"])
@requires(Capability.MANAGE_REPRESENTATIVES)
def sms(group_number: int) -> Response:
    text = sms_csv(db.session, require_campaign(db.session), group_number, actor())
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=sms-{group_number}.csv"},
    )


@admin_bp.route("/export/<int:group_number>.csv", methods=["POST"])
@requires(Capability.MANAGE_REPRESENTATIVES)
def export(group_number: int) -> Response:
    """A meeting's invited list with phones (personal data: each download is audited, so it
    is asked for with a button, not a link)."""
    text = export_invited(db.session, require_campaign(db.session), group_number, actor())
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=representatives-{group_number}.csv"},
    )


def _own_venue() -> Any:
    if current_user.venue is None:
        raise Forbidden(_("您的账号没有对应的会场。"))
    return current_user.venue


@admin_bp.route("/review")
@requires(Capability.REVIEW_DRAWN)
def review() -> str:
    return _review(None, ReplaceForm(), 200)


def _review(
    failed: int | None, form: ReplaceForm, status: int, refused: FlaskForm | None = None
) -> Any:
    venue = _own_venue()
    campaign = require_campaign(db.session)
    lists = [
        (m, invitees(db.session, m.id, venue.id), acceptance_of(db.session, m.id, venue.id))
        for m in meetings_of(db.session, campaign)
    ]
    return render_template(
        "representatives/review.html",
        venue=venue,
        lists=lists,
        form=form,
        failed=failed,
        refused=refused or (form if failed else None),
        accept_form=ConfirmForm(),
    ), status


@admin_bp.route("/review/<int:meeting_id>/accept", methods=["POST"])
@requires(Capability.REVIEW_DRAWN)
def accept(meeting_id: int) -> Any:
    """The district accepts its venue's list for the meeting as it stands."""
    venue = _own_venue()
    form = ConfirmForm()
    outcome = run_form(form, lambda: accept_list(db.session, meeting_id, venue.id, actor()))
    if outcome.done:
        flash(_("已确认本场名单。"))
        return redirect(url_for("representatives_office.review"))
    return _review(None, ReplaceForm(), outcome.status, refused=form)


def _take_off(person_id: int, service: Any, done: Any) -> Any:
    """Replace or cancel a drawn person of the user's venue, with a reason."""
    venue = _own_venue()
    form = ReplaceForm()
    outcome = run_form(
        form, lambda: service(db.session, person_id, venue.id, form.reason.data, actor())
    )
    if outcome.done:
        flash(done(outcome.value.name))
        return redirect(url_for("representatives_office.review"))
    return _review(person_id, form, outcome.status)


@admin_bp.route("/review/<int:person_id>/replace", methods=["POST"])
@requires(Capability.REVIEW_DRAWN)
def replace(person_id: int) -> Any:
    """Replace a drawn person with the stratum's next reserve."""
    return _take_off(
        person_id, replace_invitee, lambda name: _("已替换为候补 %(name)s。", name=name)
    )


@admin_bp.route("/review/<int:person_id>/cancel", methods=["POST"])
@requires(Capability.REVIEW_DRAWN)
def cancel(person_id: int) -> Any:
    """Cancel a drawn person's invitation without a replacement."""
    return _take_off(
        person_id, cancel_invitee, lambda name: _("已取消 %(name)s 的邀请。", name=name)
    )
