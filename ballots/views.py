"""Voting pages (public, no login) and the back office's boxes, cards and turnout."""

from __future__ import annotations

import base64
import csv
import io
import threading
from collections.abc import Callable
from itertools import groupby
from typing import Any

from cachetools import TTLCache
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ballots.attendance import (
    attendance_by_box,
    attendance_summary,
    import_representatives,
    mark_attendance,
    representatives,
)
from ballots.forms import (
    ApproveCardsForm,
    IssueCardsForm,
    PaperEntryForm,
    PassphraseForm,
    SealForm,
    VoidCardForm,
    WithdrawForm,
)
from ballots.keys import HOLDER_LABELS, HOLDER_OF_ROLE, holders, set_passphrase, unlock_holders
from ballots.models import BoxState, PaperEntryState, Rating
from ballots.paper import conflicts, enter_paper_ballot, resolve_conflict, unfinished_entries
from ballots.services import (
    Card,
    IncompleteBallot,
    VoteRefused,
    approve_extra_cards,
    ballot_shape,
    boxes_of,
    card_box_id,
    card_limit,
    cast_ballot,
    check_box_access,
    check_move,
    confirm_withdrawal,
    default_card_count,
    ensure_boxes,
    format_short_code,
    get_box,
    issue_cards,
    load_box,
    move_box,
    request_withdrawal,
    turnout_by_box,
    valid_cards,
    void_card,
)
from ballots.tally import receipts_text, records_csv
from evaluation.auth import actor, role_required
from evaluation.errors import Refused
from evaluation.extensions import csrf, db, limiter
from evaluation.forms import ConfirmForm, ImportForm, require_valid
from evaluation.imports import ImportRefused, read_table
from evaluation.models import Role
from evaluation.qr import qr_svg
from evaluation.services import require_campaign
from questionnaires.services import make_pass, open_questionnaires

public_bp = Blueprint("ballots", __name__)
admin_bp = Blueprint("ballots_office", __name__, url_prefix="/office/ballots")

TURNOUT_REFRESH_SECONDS = 15
PAPER_OUTCOMES = {
    PaperEntryState.PENDING: _l("第一次录入已保存。请另一位工作人员再录入一次。"),
    None: _l("两次录入一致，这张纸质票已计入。"),
    PaperEntryState.CONFLICT: _l("两次录入不一致，已转监察局对照纸质票核对。"),
}
RATING_LABELS = {
    Rating.SATISFIED: _l("满意"),
    Rating.BASICALLY_SATISFIED: _l("基本满意"),
    Rating.DISSATISFIED: _l("不满意"),
    Rating.UNKNOWN: _l("不了解"),
}

# ---------------------------------------------------------------- voting (public)


def _only_unknown_cards(response: Response) -> bool:
    return response.status_code == 404


@public_bp.route("/v/<token>", methods=["GET", "POST"])
# The card's token is the secret that authorises the post, so a CSRF token adds nothing;
# leaving it out keeps voting pages free of cookies.
@csrf.exempt
@limiter.limit(lambda: current_app.config["VOTE_GUESS_LIMIT"], deduct_when=_only_unknown_cards)
def vote(token: str) -> Any:
    if request.method == "GET":
        try:
            box_id = card_box_id(db.session, token)
        except VoteRefused as refusal:
            return _vote_refused(refusal)
        return _shared_page(
            ("page", box_id, str(get_locale())),
            token,
            lambda: render_template(
                "ballots/vote.html", form=_ballot_form(load_box(db.session, box_id))
            ),
        )
    chosen = _numbered_fields("r")
    comments = _numbered_fields("c")
    try:
        cast = cast_ballot(
            db.session,
            token,
            chosen,
            comments,
            shape_of=lambda b: _cached(("shape", b), lambda: ballot_shape(db.session, b)),
        )
        db.session.commit()  # acknowledged only once durable
    except VoteRefused as refusal:
        db.session.rollback()
        return _vote_refused(refusal)
    except Refused as refusal:
        db.session.rollback()
        missing = refusal.missing if isinstance(refusal, IncompleteBallot) else set()
        box = load_box(db.session, card_box_id(db.session, token))  # rare: only on a refusal
        form = _ballot_form(box, chosen, comments, missing, refusal.message)
        return render_template("ballots/vote.html", form=form), refusal.status
    link = _questionnaire_link(cast.box_id)
    return _shared_page(
        ("receipt", str(get_locale()), link is not None),
        token,
        lambda: render_template(
            "ballots/receipt.html", receipt=RECEIPT_MARK, questionnaires=link and LINK_MARK
        ),
        {RECEIPT_MARK: cast.receipt, LINK_MARK: link or ""},
    )


# Every phone at a venue gets the same pages but for its card's token (in the language
# link), and after voting its receipt code and questionnaire link. They are rendered once
# per box and language with marks in those places, filled in for each phone. A visitor with
# a session (a member of staff signed in, a message waiting) gets the page rendered afresh.
TOKEN_MARK, RECEIPT_MARK, LINK_MARK = "zqTOKENqz", "zqRECEIPTqz", "zqLINKqz"


def _shared_page(
    key: tuple, token: str, render: Callable[[], str], fills: dict[str, str] | None = None
) -> str:
    personal = current_user.is_authenticated or session
    page = render() if personal else _cached(key, lambda: render().replace(token, TOKEN_MARK))
    for mark, value in {TOKEN_MARK: token, **(fills or {})}.items():
        page = page.replace(mark, value)
    return page


def _questionnaire_link(box_id: int) -> str | None:
    """A fresh answer link for this voter when the campaign has questionnaires open.

    Made here and stored nowhere: nothing joins the answers to this ballot.
    """
    campaign_id = _cached(("campaign", box_id), lambda: load_box(db.session, box_id).campaign_id)
    if not _cached(("questionnaires", campaign_id), lambda: _open_questionnaire_ids(campaign_id)):
        return None
    return url_for(
        "questionnaires.start", pass_token=make_pass(current_app.config["SECRET_KEY"], box_id)
    )


def _open_questionnaire_ids(campaign_id: int) -> list[int]:
    return [q.id for q in open_questionnaires(db.session, campaign_id)]


def _numbered_fields(prefix: str) -> dict[int, str]:
    """Form fields named like r12 / c12 (department 12), as {12: value}."""
    return {
        int(name[1:]): value
        for name, value in request.form.items()
        if name.startswith(prefix) and name[1:].isdigit()
    }


def _ballot_form(
    box: Any,
    chosen: dict[int, str] | None = None,
    comments: dict[int, str] | None = None,
    missing: set[int] | None = None,
    message: str | None = None,
) -> Markup:
    return Markup(
        render_template(
            "ballots/_ballot_form.html",
            box=box,
            chosen=chosen or {},
            comments=comments or {},
            missing=missing or set(),
            message=message,
            ratings=list(Rating),
            labels=_rating_labels(),
        )
    )


# Box pages and department lists change only when the office edits a group; a minute of
# staleness is the price of not rendering the same page for every phone. One cache per app.
BOX_CACHE_SECONDS = 60


def _cached(key: tuple, compute: Callable[[], Any]) -> Any:
    cache, lock = current_app.extensions.setdefault(
        "ballot_page_cache", (TTLCache(maxsize=1024, ttl=BOX_CACHE_SECONDS), threading.Lock())
    )
    with lock:
        value = cache.get(key)
    if value is None:
        value = compute()
        with lock:
            cache[key] = value
    return value


def _vote_refused(refusal: VoteRefused) -> tuple[str, int]:
    return render_template("ballots/refused.html", reason=refusal.reason), refusal.status


@public_bp.route("/boxes/<int:box_id>/records.csv")
def box_records(box_id: int) -> Response:
    box = get_box(db.session, box_id)
    return Response(
        records_csv(db.session, box),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=box-{box.id}-records.csv"},
    )


@public_bp.route("/boxes/<int:box_id>/receipts.txt")
def box_receipts(box_id: int) -> Response:
    box = get_box(db.session, box_id)
    return Response(receipts_text(db.session, box), mimetype="text/plain")


# ---------------------------------------------------------------- back office

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
    keys = None
    if target == BoxState.SEALED:
        check_move(box, target, current_user)  # the role first: then the passphrases
        form = SealForm()
        require_valid(form)
        keys = unlock_holders(db.session, box.campaign, form.passphrases())
    move_box(db.session, box, target, current_user, keys)
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
        labels=_rating_labels(),
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
        labels=_rating_labels(),
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


def _rating_labels() -> dict[Rating, str]:
    return {r: str(label) for r, label in RATING_LABELS.items()}  # translated once a page


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
