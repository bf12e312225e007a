"""Opening, closing and sealing a box. Closing and sealing cannot be undone: each has its
confirmation step, showing the box's figures; sealing is confirmed by typing the box's number."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ballots.boxes import box_name
from ballots.forms import SealForm
from ballots.keys import unlock_holders
from ballots.lifecycle import check_move, move_box
from ballots.manifest import manifest
from ballots.models import BallotBox, BoxState
from ballots.views.blueprints import admin_bp
from ballots.views.office import box_action, box_for_user
from evaluation.core.confirm import Confirmation, confirm_page
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires


@admin_bp.route("/<int:box_id>/open", methods=["POST"])
@requires(Capability.OPEN_AND_CLOSE_BOXES)
def box_open(box_id: int) -> Any:
    box = box_for_user(box_id)
    return box_action(
        box,
        "form",
        ConfirmForm(),
        lambda: move_box(db.session, box, BoxState.OPEN, current_user),
        _("投票箱已开箱，可以开始投票。"),
    )


def _step(box: BallotBox, target: BoxState, **text: str) -> Confirmation:
    """The step's page: the box's manifest, and why the move cannot be made, if it cannot."""
    figures = manifest(db.session, box)
    try:
        check_move(box, target, current_user)
        blocked = ""
    except Refused as refusal:
        blocked = refusal.message
    rows: list[tuple[str, object]] = [
        (_("投票箱"), box_name(box)),
        (_("编号"), box.id),
        (_("已发评议卡"), _("%(n)s 张", n=figures.cards_issued)),
        (
            _("已用评议卡"),
            _("%(n)s 张（其中纸质 %(p)s 张）", n=figures.cards_used, p=figures.cards_used_by_paper),
        ),
        (_("箱内选票"), _("%(n)s 张", n=figures.ballots)),
        (_("回执"), _("%(n)s 个", n=figures.receipts)),
    ]
    if figures.present is not None:
        rows.append((_("签到代表"), _("%(n)s 人", n=figures.present)))
    notes = []
    if figures.paper_pending:
        notes.append(
            _(
                "还有 %(n)s 张纸质票只录入了一次或两次录入不一致，尚未入箱。",
                n=figures.paper_pending,
            )
        )
    if not figures.reconciles:
        notes.append(_("选票台账未对上：已用评议卡、选票与回执的数目不一致，请先核对。"))
    return Confirmation(
        figures=rows,
        back=url_for("ballots_office.box", box_id=box.id),
        possible=not blocked,
        blocked=blocked,
        notes=notes,
        **text,
    )


def _close_step(box: BallotBox) -> Confirmation:
    return _step(
        box,
        BoxState.CLOSED,
        title=_("关箱（结束投票）"),
        consequence=_(
            "关箱后，本箱的评议卡不能再用手机投票，未用的卡随之失效；已收的纸质票仍可在封箱前"
            "录入核对。随后由两位持钥人核验并封箱。"
        ),
        submit=_("确认关箱"),
    )


@admin_bp.route("/<int:box_id>/close", methods=["GET", "POST"])
@requires(Capability.OPEN_AND_CLOSE_BOXES)
def box_close(box_id: int) -> Any:
    box = box_for_user(box_id)
    form = ConfirmForm()
    outcome = run_form(form, lambda: move_box(db.session, box, BoxState.CLOSED, current_user))
    if not outcome.done:
        return confirm_page(_close_step(box), form, outcome.status)
    ballots = manifest(db.session, box).ballots
    flash(_("投票箱已关箱：箱内选票 %(n)s 张，不再接受手机投票。", n=ballots))
    return redirect(url_for("ballots_office.box", box_id=box.id))


def _seal_step(box: BallotBox) -> Confirmation:
    return _step(
        box,
        BoxState.SEALED,
        title=_("核验并封箱"),
        consequence=_(
            "封箱时开启选票：需要两位持钥人在场，各自输入口令。选票随后打乱顺序写出并计票，"
            "生成封箱记录，箱的密钥随即销毁。封箱后本箱不能再收任何选票。"
        ),
        submit=_("确认封箱"),
    )


def _seal_form(box: BallotBox) -> SealForm:
    form = SealForm()
    form.expect(str(box.id), _("请输入投票箱编号 %(n)s 以确认封箱", n=box.id))
    return form


@admin_bp.route("/<int:box_id>/seal", methods=["GET", "POST"])
@requires(Capability.SEAL_BOXES)
def box_seal(box_id: int) -> Any:
    box = box_for_user(box_id)
    form = _seal_form(box)

    def seal() -> None:
        check_move(box, BoxState.SEALED, current_user)  # the state first: then the passphrases
        form.check_typed()
        keys = unlock_holders(db.session, box.campaign, form.passphrases())
        move_box(db.session, box, BoxState.SEALED, current_user, keys, form.note.data)

    outcome = run_form(form, seal)
    if not outcome.done:
        return confirm_page(_seal_step(box), form, outcome.status)
    figures = manifest(db.session, box)
    flash(_("投票箱已封箱：计入选票 %(n)s 张，封箱记录已生成。", n=figures.ballots))
    return redirect(url_for("ballots_office.box", box_id=box.id))
