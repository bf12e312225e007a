"""A box's life: opening, closing and sealing it, and withdrawing an empty one from the count."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ballots.boxes import box_label, check_box_access, checked_reason, turnout_by_box
from ballots.keys import HolderKeys, box_private_key, prepare_box_key
from ballots.manifest import record_closing_minutes, record_zero_report
from ballots.models import (
    BallotBox,
    BoxState,
    TokenState,
    VotingToken,
)
from ballots.paper import unfinished_entries
from ballots.sealing import PURGE_AFTER_COMMIT, open_pool
from ballots.tally import store_tally
from evaluation.campaign.models import Phase
from evaluation.campaign.services import require_count_open, require_phase
from evaluation.core import audit
from evaluation.core.errors import Conflict, Refused
from evaluation.core.models import Role, User
from evaluation.core.permissions import Capability, require

# Who may move a box from one state to the next.
BOX_MOVES = {
    (BoxState.NOT_OPEN, BoxState.OPEN): Capability.OPEN_AND_CLOSE_BOXES,
    (BoxState.OPEN, BoxState.CLOSED): Capability.OPEN_AND_CLOSE_BOXES,
    (BoxState.CLOSED, BoxState.SEALED): Capability.SEAL_BOXES,
}


def check_move(box: BallotBox, target: BoxState, user: User | None) -> None:
    """Whether this user may move the box to `target` from its present state."""
    move = (box.current_state, target)
    if move not in BOX_MOVES:
        raise Conflict(_("投票箱当前状态不能进行此操作。"))
    require(user, BOX_MOVES[move])
    if user is not None and user.role == Role.VENUE_STAFF:
        check_box_access(user, box)


def move_box(
    session: Session,
    box: BallotBox,
    target: BoxState,
    user: User | None,
    keys: HolderKeys | None = None,
    note: str | None = None,
) -> None:
    """Open, close or seal a box. `user` None is the command line, which may do every move.

    Opening gives the box its key pair and records the zero report; sealing needs two
    holders' keys (`keys`) to open the pool, writes the box's ballots out in random order,
    counts them and records the closing minutes (`note`: supervision's explanation when
    there are more ballots than representatives checked in).
    """

    check_move(box, target, user)
    if target == BoxState.OPEN:
        require_phase(box.campaign, Phase.REPORTING)
        require_count_open(box.campaign)
        prepare_box_key(session, box)
        record_zero_report(session, box)
    if target == BoxState.CLOSED:
        # Voting has ended: no receipt is kept for a repeat post any longer.
        session.execute(
            update(VotingToken).where(VotingToken.box_id == box.id).values(repeat_receipt=None)
        )
    if target == BoxState.SEALED:
        # Wait for the ballots still being stored (their cards were taken while the box was
        # open) and take the box from every later one: then open the pool and count.
        session.execute(select(BallotBox.id).where(BallotBox.id == box.id).with_for_update())
        if unfinished_entries(session, box):
            raise Conflict(_("还有纸质票未完成两次录入或未经核对，不能封箱。"))
        if box.public_key is not None:
            if keys is None:
                raise Refused(_("开启投票箱需要两位不同持钥人的口令。"))
            open_pool(session, box, box_private_key(session, box, keys))
            session.info[PURGE_AFTER_COMMIT] = True
        store_tally(session, box)
        record_closing_minutes(session, box, note)
    session.execute(
        update(BallotBox)
        .where(BallotBox.id == box.id, BallotBox.state == box.state)
        .values(state=target.value)
    )
    session.refresh(box)
    actor = user.username if user is not None else audit.command_line_actor()
    audit.record(session, actor, f"box.{target.value}", box_label(box))


def request_withdrawal(session: Session, box: BallotBox, user: User | None, reason: str) -> None:
    """The office asks to take a box out of the count (撤销); supervision must countersign.

    Only a box that holds no ballot and whose cards are all unused can be withdrawn:
    nothing acknowledged to a voter may leave the count.
    """
    require(user, Capability.REQUEST_BOX_WITHDRAWAL)
    reason = checked_reason(reason)
    _check_withdrawable(session, box)
    box.withdrawal_reason = reason
    box.withdrawal_requested_by = user.username if user else audit.command_line_actor()
    session.flush()
    audit.record(
        session, box.withdrawal_requested_by, "box.withdraw_request", box_label(box), reason=reason
    )


def confirm_withdrawal(session: Session, box: BallotBox, user: User | None) -> None:
    """Supervision countersigns a withdrawal asked for by someone else."""
    actor = user.username if user else audit.command_line_actor()
    require(user, Capability.COUNTERSIGN_BOX_WITHDRAWAL)
    if box.withdrawal_reason is None:
        raise Conflict(_("这个投票箱没有待会签的撤销申请。"))
    if box.withdrawal_requested_by == actor:
        raise Conflict(_("会签须由另一人进行。"))
    session.execute(select(BallotBox.id).where(BallotBox.id == box.id).with_for_update())
    _check_withdrawable(session, box)
    session.execute(
        update(BallotBox)
        .where(BallotBox.id == box.id, BallotBox.state == box.state)
        .values(state=BoxState.WITHDRAWN.value)
    )
    session.refresh(box)
    audit.record(session, actor, "box.withdrawn", box_label(box), reason=box.withdrawal_reason)


def _check_withdrawable(session: Session, box: BallotBox) -> None:
    if box.current_state in (BoxState.SEALED, BoxState.WITHDRAWN):
        raise Conflict(_("投票箱当前状态不能进行此操作。"))
    used = session.execute(
        select(func.count())
        .select_from(VotingToken)
        .where(VotingToken.box_id == box.id, VotingToken.state == TokenState.USED.value)
    ).scalar_one()
    if used or turnout_by_box(session, [box])[box.id].cast:
        raise Conflict(_("投票箱里已有选票，不能撤销：请按正常程序关箱、封箱。"))
