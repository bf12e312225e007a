"""The back office's boxes: turnout, keys, cards, sealing, paper ballots, attendance."""

from __future__ import annotations

import base64
import csv
import io
from itertools import groupby
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ballots.attendance import (
    attendance_by_box,
    attendance_summary,
    import_representatives,
    mark_attendance,
    representatives,
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
from ballots.casting import IncompleteBallot
from ballots.forms import (
    ApproveCardsForm,
    IssueCardsForm,
    PaperEntryForm,
    PassphraseForm,
    ScanForm,
    SealForm,
    VoidCardForm,
    WithdrawForm,
)
from ballots.keys import HOLDER_LABELS, HOLDER_OF_ROLE, holders, set_passphrase, unlock_holders
from ballots.lifecycle import check_move, confirm_withdrawal, move_box, request_withdrawal
from ballots.manifest import attach_scan, confirm_minutes, minutes_of
from ballots.models import BoxState, MinutesKind, Rating
from ballots.paper import conflicts, enter_paper_ballot, resolve_conflict, unfinished_entries
from ballots.views.blueprints import (
    PAPER_OUTCOMES,
    TURNOUT_REFRESH_SECONDS,
    admin_bp,
    rating_labels,
)
from ballots.views.boxes import storage
from evaluation.campaign.forms import ImportForm
from evaluation.campaign.imports import ImportRefused, read_table
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor, role_required
from evaluation.core.errors import NotFound, Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, require_valid
from evaluation.core.models import Role
from evaluation.core.qr import qr_svg

OVERSIGHT = (Role.ADMIN, Role.SUPERVISION)
BOX_STAFF = (Role.ADMIN, Role.VENUE_STAFF, Role.SUPERVISION)


@admin_bp.route("/")
@role_required(*BOX_STAFF)
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
@role_required(Role.ADMIN)
def setup() -> Response:
    created = ensure_boxes(db.session, require_campaign(db.session), actor())
    db.session.commit()
    flash(_("已生成 %(n)s 个投票箱。", n=created))
    return redirect(url_for("ballots_office.turnout"))


@admin_bp.route("/<int:box_id>")
@role_required(*BOX_STAFF)
def box(box_id: int) -> str:
    box = _box_for_user(box_id)
    return render_template(
        "ballots/box.html",
        box=box,
        counts=turnout_by_box(db.session, [box])[box.id],
        form=ConfirmForm(),
        seal_form=SealForm(),
        approve_form=ApproveCardsForm(),
        withdraw_form=WithdrawForm(),
        scan_form=ScanForm(),
        minutes=minutes_of(db.session, box),
        limit=card_limit(db.session, box),
        void_form=VoidCardForm(),
        refresh=TURNOUT_REFRESH_SECONDS,
    )


@admin_bp.route("/<int:box_id>/state", methods=["POST"])
@role_required(*BOX_STAFF)
def box_state(box_id: int) -> Response:
    box = _box_for_user(box_id)
    try:
        target = BoxState(request.form.get("target", ""))
    except ValueError:
        raise Refused(_("无效的投票箱操作。")) from None
    keys, note = None, None
    if target == BoxState.SEALED:
        check_move(box, target, current_user)  # the role first: then the passphrases
        form = SealForm()
        require_valid(form)
        keys = unlock_holders(db.session, box.campaign, form.passphrases())
        note = form.note.data
    move_box(db.session, box, target, current_user, keys, note)
    db.session.commit()
    flash(_("投票箱状态已更新。"))
    return redirect(url_for("ballots_office.box", box_id=box.id))


KEY_HOLDING_ROLES = tuple(HOLDER_OF_ROLE)


@admin_bp.route("/keys", methods=["GET", "POST"])
@role_required(*KEY_HOLDING_ROLES)
def keys() -> Any:
    """The key ceremony (密钥仪式): each holder sets the passphrase only they will know."""
    campaign = require_campaign(db.session)
    holder = HOLDER_OF_ROLE[Role(current_user.role)]
    form = PassphraseForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                set_passphrase(
                    db.session,
                    campaign,
                    holder,
                    form.passphrase.data,
                    actor(),
                    current_app.config["BALLOT_KEY_COST"],
                    form.old_passphrase.data or None,
                )
                db.session.commit()
            except Refused as refusal:
                db.session.rollback()
                form.form_errors.append(refusal.message)
                status = refusal.status
            else:
                flash(_("口令已设置。请牢记：系统不保存口令，忘记后只能由另外两位持钥人开箱。"))
                return redirect(url_for("ballots_office.keys"))
        else:
            status = 400
    return render_template(
        "ballots/keys.html",
        campaign=campaign,
        holder=holder,
        labels=HOLDER_LABELS,
        done=holders(db.session, campaign),
        form=form,
    ), status


@admin_bp.route("/<int:box_id>/cards", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.VENUE_STAFF)
def cards(box_id: int) -> Any:
    box = _box_for_user(box_id)
    check_box_access(current_user, box)
    form = IssueCardsForm()
    limit, have = card_limit(db.session, box), valid_cards(db.session, box)
    if not form.is_submitted():
        form.count.data = max(min(default_card_count(box), limit - have), 1)
        form.base_url.data = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                issued = issue_cards(db.session, box, form.count.data, actor())
                db.session.commit()
            except Refused as refusal:
                db.session.rollback()
                form.form_errors.append(refusal.message)
                status = refusal.status
            else:
                return _card_sheet(box, issued, form.base_url.data.rstrip("/"))
        else:
            status = 400
    return render_template("ballots/issue.html", box=box, form=form, limit=limit, have=have), status


@admin_bp.route("/<int:box_id>/minutes/<kind>/confirm", methods=["POST"])
@role_required(*BOX_STAFF)
def confirm(box_id: int, kind: str) -> Response:
    """The venue's staff and supervision confirm the zero report or the closing minutes."""
    box = _box_for_user(box_id)
    require_valid(ConfirmForm())
    try:
        which = MinutesKind(kind)
    except ValueError:
        raise NotFound(_("该投票箱还没有这份记录。")) from None
    confirm_minutes(db.session, box, which, current_user)
    db.session.commit()
    flash(_("已确认。"))
    return redirect(url_for("ballots_office.box", box_id=box.id))


@admin_bp.route("/<int:box_id>/minutes/scan", methods=["POST"])
@role_required(*BOX_STAFF)
def minutes_scan(box_id: int) -> Response:
    """A scan of the signed paper closing minutes, kept beside the recorded ones."""
    box = _box_for_user(box_id)
    form = ScanForm()
    require_valid(form)
    attach_scan(db.session, box, form.file.data.read(), storage(), current_user)
    db.session.commit()
    flash(_("扫描件已上传。"))
    return redirect(url_for("ballots_office.box", box_id=box.id))


@admin_bp.route("/<int:box_id>/withdraw", methods=["POST"])
@role_required(Role.ADMIN, Role.SUPERVISION)
def withdraw(box_id: int) -> Response:
    """The office asks to withdraw an empty box (撤销) with a reason; supervision countersigns."""
    box = get_box(db.session, box_id)
    if current_user.role == Role.SUPERVISION:
        require_valid(ConfirmForm())
        confirm_withdrawal(db.session, box, current_user)
        message = _("投票箱已撤销。")
    else:
        form = WithdrawForm()
        require_valid(form)
        request_withdrawal(db.session, box, current_user, form.reason.data)
        message = _("撤销申请已提交，等待监察局会签。")
    db.session.commit()
    flash(message)
    return redirect(url_for("ballots_office.box", box_id=box.id))


@admin_bp.route("/<int:box_id>/approve-cards", methods=["POST"])
@role_required(Role.SUPERVISION)
def approve_cards(box_id: int) -> Response:
    """Supervision approves cards beyond the box's seats and spares, with a reason."""
    box = get_box(db.session, box_id)
    form = ApproveCardsForm()
    require_valid(form)
    approve_extra_cards(db.session, box, form.count.data, form.reason.data, actor())
    db.session.commit()
    flash(_("已批准追加 %(n)s 张评议卡。", n=form.count.data))
    return redirect(url_for("ballots_office.box", box_id=box.id))


@admin_bp.route("/<int:box_id>/void", methods=["POST"])
@role_required(Role.ADMIN, Role.VENUE_STAFF)
def void(box_id: int) -> Response:
    box = _box_for_user(box_id)
    check_box_access(current_user, box)
    form = VoidCardForm()
    if not form.validate():
        raise Refused(_("请填写评议卡短码。"))
    void_card(db.session, box, form.short_code.data, actor())
    db.session.commit()
    flash(_("评议卡已作废。"))
    return redirect(url_for("ballots_office.box", box_id=box.id))


@admin_bp.route("/<int:box_id>/paper", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.VENUE_STAFF)
def paper(box_id: int) -> Any:
    box = _box_for_user(box_id)
    form = PaperEntryForm()
    chosen = {d.id: request.form.get(f"r{d.id}", "") for d in box.departments}
    missing: set[int] = set()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                outcome = enter_paper_ballot(
                    db.session,
                    box,
                    form.short_code.data,
                    chosen,
                    current_user,
                    current_app.config["SECRET_KEY"],
                )
                db.session.commit()
            except IncompleteBallot as refusal:
                db.session.rollback()
                missing, status = refusal.missing, refusal.status
                form.form_errors.append(refusal.message)
            except Refused as refusal:
                db.session.rollback()
                form.form_errors.append(refusal.message)
                status = refusal.status
            else:
                flash(PAPER_OUTCOMES[outcome])
                return redirect(url_for("ballots_office.paper", box_id=box.id))
        else:
            status = 400
    return render_template(
        "ballots/paper.html",
        box=box,
        form=form,
        chosen=chosen,
        missing=missing,
        ratings=list(Rating),
        labels=rating_labels(),
        unfinished=unfinished_entries(db.session, box),
    ), status


@admin_bp.route("/<int:box_id>/conflicts")
@role_required(Role.ADMIN, Role.SUPERVISION)
def paper_conflicts(box_id: int) -> str:
    box = get_box(db.session, box_id)
    return render_template(
        "ballots/conflicts.html",
        box=box,
        entries=conflicts(db.session, box),
        ratings=list(Rating),
        labels=rating_labels(),
        form=PaperEntryForm(),
    )


@admin_bp.route("/<int:box_id>/conflicts/<int:entry_id>", methods=["POST"])
@role_required(Role.ADMIN, Role.SUPERVISION)
def resolve(box_id: int, entry_id: int) -> Response:
    box = get_box(db.session, box_id)
    form = PaperEntryForm()
    if not form.validate():
        raise Refused(_("请填写原票上的评议卡短码。"))
    ratings = {d.id: request.form.get(f"r{d.id}", "") for d in box.departments}
    resolve_conflict(db.session, box, entry_id, form.short_code.data, ratings, current_user)
    db.session.commit()
    flash(_("已按纸质票核对结果计入。"))
    return redirect(url_for("ballots_office.paper_conflicts", box_id=box.id))


@admin_bp.route("/<int:box_id>/attendance")
@role_required(*BOX_STAFF)
def attendance(box_id: int) -> str:
    box = _box_for_user(box_id)
    return _attendance_page(box, ImportForm(), [], 200)


def _attendance_page(box: Any, form: ImportForm, errors: list, status: int) -> Any:
    return render_template(
        "ballots/attendance.html",
        box=box,
        people=representatives(db.session, box),
        summary=attendance_summary(db.session, box),
        import_form=form,
        errors=errors,
        mark_form=ConfirmForm(),
    ), status


@admin_bp.route("/<int:box_id>/attendance/import", methods=["POST"])
@role_required(Role.ADMIN, Role.VENUE_STAFF)
def attendance_import(box_id: int) -> Any:
    box = _box_for_user(box_id)
    form = ImportForm()
    if not form.validate():
        return _attendance_page(box, form, [], 400)
    try:
        added = import_representatives(
            db.session, box, read_table(form.file.data.filename, form.file.data.stream), actor()
        )
        db.session.commit()
    except ImportRefused as refusal:
        db.session.rollback()
        form.form_errors.append(refusal.message)
        return _attendance_page(box, form, refusal.errors, refusal.status)
    except Refused as refusal:
        db.session.rollback()
        form.form_errors.append(refusal.message)
        return _attendance_page(box, form, [], refusal.status)
    flash(_("已导入 %(n)s 位代表。", n=added))
    return redirect(url_for("ballots_office.attendance", box_id=box.id))


@admin_bp.route("/<int:box_id>/attendance/mark", methods=["POST"])
@role_required(Role.ADMIN, Role.VENUE_STAFF)
def attendance_mark(box_id: int) -> Response:
    box = _box_for_user(box_id)
    try:
        present = {int(v) for v in request.form.getlist("present")}
    except ValueError:
        raise Refused(_("名单中没有这些代表。")) from None
    came = mark_attendance(db.session, box, present, actor())
    db.session.commit()
    flash(_("已登记出席 %(n)s 人。", n=came))
    return redirect(url_for("ballots_office.attendance", box_id=box.id))


def _box_for_user(box_id: int) -> Any:
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
