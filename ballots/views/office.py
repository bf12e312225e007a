"""The back office's boxes: turnout, the key ceremony, cards, opening, closing and sealing,
minutes and withdrawals."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Callable
from itertools import groupby
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ballots.attendance import (
    attendance_by_box,
)
from ballots.boxes import boxes_of, check_box_access, ensure_boxes, get_box, turnout_by_box
from ballots.cards import (
    Card,
    approve_extra_cards,
    card_limit,
    default_card_count,
    format_short_code,
    issue_cards,
    valid_cards,
    void_card,
)
from ballots.forms import (
    ApproveCardsForm,
    IssueCardsForm,
    PassphraseForm,
    ScanForm,
    VoidCardForm,
    WithdrawForm,
)
from ballots.keys import HOLDER_LABELS, HOLDER_OF_ROLE, holders, set_passphrase
from ballots.lifecycle import confirm_withdrawal, request_withdrawal
from ballots.manifest import attach_scan, confirm_minutes, minutes_of
from ballots.models import MinutesKind
from ballots.views.blueprints import (
    TURNOUT_REFRESH_SECONDS,
    admin_bp,
)
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db
from evaluation.core.files import storage
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.models import Role
from evaluation.core.permissions import Capability, requires
from evaluation.core.qr import qr_svg


@admin_bp.route("/")
@requires(Capability.WATCH_BOXES)
def turnout() -> str:
    campaign = require_campaign(db.session)
    venue_id = current_user.venue_id if current_user.role == Role.VENUE_STAFF else None
    boxes = boxes_of(db.session, campaign, venue_id)
    by_meeting = [(meeting, list(group)) for meeting, group in groupby(boxes, lambda b: b.meeting)]
    return render_template(
        "ballots/turnout.html",
        campaign=campaign,
        by_meeting=by_meeting,
        counts=turnout_by_box(db.session, boxes),
        attendance=attendance_by_box(db.session, boxes),
        refresh=TURNOUT_REFRESH_SECONDS,
        form=ConfirmForm(),
    )


@admin_bp.route("/setup", methods=["POST"])
@requires(Capability.SET_UP_BOXES)
def setup() -> Response:
    created = ensure_boxes(db.session, require_campaign(db.session), actor())
    flash(_("已生成 %(n)s 个投票箱。", n=created))
    return redirect(url_for("ballots_office.turnout"))


@admin_bp.route("/<int:box_id>")
@requires(Capability.WATCH_BOXES)
def box(box_id: int) -> tuple[str, int]:
    return _box_page(box_for_user(box_id))


def _box_page(box: Any, status: int = 200, **posted: FlaskForm) -> tuple[str, int]:
    """The box's page. A form that was posted and refused comes back as it was sent, its
    message above the page (the form may be one the box's new state no longer shows) and
    its fields' messages beside them; the others are empty. Refused, the page does not
    refresh itself, so nothing typed is lost."""
    forms = {
        "form": ConfirmForm,
        "approve_form": ApproveCardsForm,
        "withdraw_form": WithdrawForm,
        "scan_form": ScanForm,
        "void_form": VoidCardForm,
    }
    return render_template(
        "ballots/box.html",
        box=box,
        counts=turnout_by_box(db.session, [box])[box.id],
        minutes=minutes_of(db.session, box),
        limit=card_limit(db.session, box),
        refresh=TURNOUT_REFRESH_SECONDS if status == 200 else None,
        refused=[message for form in posted.values() for message in form.form_errors],
        **{name: posted.get(name) or form(formdata=None) for name, form in forms.items()},
    ), status


def box_action(
    box: Any, name: str, form: FlaskForm, action: Callable[[], Any], done: str
) -> Response | tuple[str, int]:
    """Run one of the box page's forms; done, back to the page with `done`, refused, the page
    with that form as it was sent."""
    outcome = run_form(form, action)
    if outcome.done:
        flash(done)
        return redirect(url_for("ballots_office.box", box_id=box.id))
    return _box_page(box, outcome.status, **{name: form})


@admin_bp.route("/keys", methods=["GET", "POST"])
@requires(Capability.HOLD_BALLOT_KEY)
def keys() -> Any:
    """The key ceremony (密钥仪式): each holder sets the passphrase only they will know."""
    campaign = require_campaign(db.session)
    holder = HOLDER_OF_ROLE[Role(current_user.role)]
    form = PassphraseForm()
    outcome = run_form(
        form,
        lambda: set_passphrase(
            db.session,
            campaign,
            holder,
            form.passphrase.data,
            actor(),
            current_app.config["BALLOT_KEY_COST"],
            form.old_passphrase.data or None,
        ),
    )
    if outcome.done:
        flash(_("口令已设置。请牢记：系统不保存口令，忘记后只能由另外两位持钥人开箱。"))
        return redirect(url_for("ballots_office.keys"))
    return render_template(
        "ballots/keys.html",
        campaign=campaign,
        holder=holder,
        labels=HOLDER_LABELS,
        done=holders(db.session, campaign),
        form=form,
    ), outcome.status


@admin_bp.route("/<int:box_id>/cards", methods=["GET", "POST"])
@requires(Capability.ISSUE_CARDS)
def cards(box_id: int) -> Any:
    box = box_for_user(box_id)
    check_box_access(current_user, box)
    form = IssueCardsForm()
    limit, have = card_limit(db.session, box), valid_cards(db.session, box)
    if not form.is_submitted():
        form.count.data = max(min(default_card_count(box), limit - have), 1)
        form.base_url.data = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    outcome = run_form(form, lambda: issue_cards(db.session, box, form.count.data, actor()))
    if outcome.done:
        return _card_sheet(box, outcome.value, form.base_url.data.rstrip("/"))
    return render_template(
        "ballots/issue.html", box=box, form=form, limit=limit, have=have
    ), outcome.status


@admin_bp.route("/<int:box_id>/minutes/<kind>/confirm", methods=["POST"])
@requires(Capability.WATCH_BOXES)
def confirm(box_id: int, kind: str) -> Any:
    """The venue's staff and supervision confirm the zero report or the closing minutes."""
    box = box_for_user(box_id)
    try:
        which = MinutesKind(kind)
    except ValueError:
        raise NotFound(_("该投票箱还没有这份记录。")) from None
    return box_action(
        box,
        "form",
        ConfirmForm(),
        lambda: confirm_minutes(db.session, box, which, current_user),
        _("已确认。"),
    )


@admin_bp.route("/<int:box_id>/minutes/scan", methods=["POST"])
@requires(Capability.WATCH_BOXES)
def minutes_scan(box_id: int) -> Any:
    """A scan of the signed paper closing minutes, kept beside the recorded ones."""
    box = box_for_user(box_id)
    form = ScanForm()
    return box_action(
        box,
        "scan_form",
        form,
        lambda: attach_scan(db.session, box, form.file.data.read(), storage(), current_user),
        _("扫描件已上传。"),
    )


@admin_bp.route("/<int:box_id>/withdraw", methods=["POST"])
@requires(Capability.REQUEST_BOX_WITHDRAWAL)
def withdraw(box_id: int) -> Any:
    """The office asks to withdraw an empty box (撤销) with a reason; supervision countersigns."""
    box = get_box(db.session, box_id)
    form = WithdrawForm()
    return box_action(
        box,
        "withdraw_form",
        form,
        lambda: request_withdrawal(db.session, box, current_user, form.reason.data),
        _("撤销申请已提交，等待监察局会签。"),
    )


@admin_bp.route("/<int:box_id>/withdraw/countersign", methods=["POST"])
@requires(Capability.COUNTERSIGN_BOX_WITHDRAWAL)
def countersign_withdrawal(box_id: int) -> Any:
    box = get_box(db.session, box_id)
    return box_action(
        box,
        "form",
        ConfirmForm(),
        lambda: confirm_withdrawal(db.session, box, current_user),
        _("投票箱已撤销。"),
    )


@admin_bp.route("/<int:box_id>/approve-cards", methods=["POST"])
@requires(Capability.APPROVE_EXTRA_CARDS)
def approve_cards(box_id: int) -> Any:
    """Supervision approves cards beyond the box's seats and spares, with a reason."""
    box = get_box(db.session, box_id)
    form = ApproveCardsForm()
    return box_action(
        box,
        "approve_form",
        form,
        lambda: approve_extra_cards(db.session, box, form.count.data, form.reason.data, actor()),
        _("已批准追加 %(n)s 张评议卡。", n=form.count.data),
    )


@admin_bp.route("/<int:box_id>/void", methods=["POST"])
@requires(Capability.ISSUE_CARDS)
def void(box_id: int) -> Any:
    box = box_for_user(box_id)
    check_box_access(current_user, box)
    form = VoidCardForm()
    return box_action(
        box,
        "void_form",
        form,
        lambda: void_card(db.session, box, form.short_code.data, actor()),
        _("评议卡已作废。"),
    )


def box_for_user(box_id: int) -> Any:
    box = get_box(db.session, box_id)
    if current_user.role == Role.VENUE_STAFF:
        check_box_access(current_user, box)
    return box


def _card_sheet(box: Any, issued: list[Card], base_url: str) -> str:
    """The only time raw tokens exist: the printable sheet, with the print shop's CSV inside."""
    rows = [(format_short_code(c.short_code), f"{base_url}/v/{c.token}") for c in issued]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["short_code", "url"])
    writer.writerows(rows)
    csv_data = base64.b64encode(out.getvalue().encode("utf-8-sig")).decode()
    cards_ = [{"short_code": code, "url": url, "qr": qr_svg(url)} for code, url in rows]
    return render_template("ballots/cards.html", box=box, cards=cards_, csv_data=csv_data)
