"""A box's manifest (选票台账), its zero report (零票报告) and closing minutes (封箱记录).

The manifest is counts only: cards issued, voided and used (by phone and by paper), the
approvals beyond the seats, attendance by category, ballots and receipts. It must reconcile
before a box is sealed; the minutes keep it as it stood, with the box's tally hash and the
audit head, confirmed by the venue's staff and by supervision.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.attendance import attendance_summary
from ballots.boxes import box_label, box_seats, check_box_access, turnout_by_box
from ballots.cards import default_card_count
from ballots.models import (
    BallotBox,
    BoxMinutes,
    BoxState,
    CardApproval,
    MinutesKind,
    PaperEntry,
    Receipt,
    TokenState,
    VotingToken,
)
from ballots.publication import new_salt, records_text, stored_columns, tally_hash
from evaluation.core import audit
from evaluation.core.errors import Conflict, Forbidden, NotFound, Refused
from evaluation.core.files import store
from evaluation.core.models import Role, User


@dataclass(frozen=True)
class Approval:
    count: int
    reason: str
    approved_by: str
    approved_at: str


@dataclass(frozen=True)
class Manifest:
    """选票台账: what went into and out of one box, as counts."""

    box_id: int
    group: int | None
    venue: str | None
    state: str
    seats: int
    card_limit: int
    cards_issued: int
    cards_voided: int
    cards_used: int
    cards_used_by_paper: int
    paper_pending: int  # paper ballots keyed once (or disputed), not yet in the box
    ballots: int
    receipts: int
    present: int | None  # representatives checked in, where a list was imported
    attendance: dict[str, list[int]] = field(default_factory=dict)  # category: [invited, came]
    approvals: list[Approval] = field(default_factory=list)

    @property
    def cards_used_by_phone(self) -> int:
        return self.cards_used - self.cards_used_by_paper

    @property
    def reconciles(self) -> bool:
        """Every used card is a ballot (or a paper entry on its way), every phone ballot has
        its receipt."""
        paper_in_box = self.cards_used_by_paper - self.paper_pending
        return (
            self.ballots + self.paper_pending == self.cards_used
            and self.receipts == self.ballots - paper_in_box
        )

    @property
    def over_attendance(self) -> bool:
        return self.present is not None and self.ballots > self.present

    def as_json(self) -> dict:
        return asdict(self) | {
            "cards_used_by_phone": self.cards_used_by_phone,
            "reconciles": self.reconciles,
        }


def _counts(session: Session, column: Any, box_ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(column, func.count()).where(column.in_(box_ids)).group_by(column))
    return dict(rows.all())


def manifests(session: Session, boxes: list[BallotBox]) -> dict[int, Manifest]:
    """The manifests of many boxes (the public box index), a few grouped queries in all."""
    ids = [b.id for b in boxes]
    turnout = turnout_by_box(session, boxes)
    used = dict(
        session.execute(
            select(VotingToken.box_id, func.count())
            .where(VotingToken.box_id.in_(ids), VotingToken.state == TokenState.USED.value)
            .group_by(VotingToken.box_id)
        ).all()
    )
    receipts = _counts(session, Receipt.box_id, ids)
    pending = _counts(session, PaperEntry.box_id, ids)
    approvals: dict[int, list[Approval]] = {}
    for a in session.execute(
        select(CardApproval).where(CardApproval.box_id.in_(ids)).order_by(CardApproval.id)
    ).scalars():
        approvals.setdefault(a.box_id, []).append(
            Approval(a.count, a.reason, a.approved_by, a.approved_at.isoformat(timespec="seconds"))
        )
    result = {}
    for box in boxes:
        attendance = (
            {}
            if box.is_internal
            else {c: list(n) for c, n in attendance_summary(session, box).items()}
        )
        extra = sum(a.count for a in approvals.get(box.id, []))
        result[box.id] = Manifest(
            box_id=box.id,
            group=box.meeting.group.number if box.meeting else None,
            venue=box.venue.name if box.venue else None,
            state=box.state,
            seats=box_seats(box),
            card_limit=default_card_count(box) + extra,
            cards_issued=turnout[box.id].issued,
            cards_voided=turnout[box.id].voided,
            cards_used=used.get(box.id, 0),
            cards_used_by_paper=box.paper_ballots + pending.get(box.id, 0),
            paper_pending=pending.get(box.id, 0),
            ballots=turnout[box.id].cast,
            receipts=receipts.get(box.id, 0),
            present=sum(c for _i, c in attendance.values()) if attendance else None,
            attendance=attendance,
            approvals=approvals.get(box.id, []),
        )
    return result


def manifest(session: Session, box: BallotBox) -> Manifest:
    return manifests(session, [box])[box.id]


def box_tally_hash(session: Session, box: BallotBox, salt: str) -> str:
    """The commitment printed on the closing minutes: the salted hash of the box's records
    with each column sorted (`ballots.publication`)."""
    codes = [d.code for d in box.departments]
    return tally_hash(salt, records_text(codes, stored_columns(session, [box])))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _store(
    session: Session, box: BallotBox, kind: MinutesKind, figures: Manifest, **extra: object
) -> BoxMinutes:
    minutes = BoxMinutes(
        box_id=box.id,
        kind=kind.value,
        manifest=audit.canonical_json(figures.as_json()),
        audit_head=audit.head_hash(session),
        recorded_at=_now(),
        **extra,
    )
    session.add(minutes)
    session.flush()
    return minutes


def record_zero_report(session: Session, box: BallotBox) -> None:
    """At opening: the box holds no ballot and no card has been used (零票报告)."""
    figures = manifest(session, box)
    if figures.ballots or figures.cards_used or figures.receipts:
        raise Conflict(_("投票箱开箱前已有选票或已用的评议卡，不能开箱，请联系监察局。"))
    _store(session, box, MinutesKind.ZERO, figures)


def record_closing_minutes(session: Session, box: BallotBox, note: str | None) -> None:
    """At sealing, once the ballots are written out: the manifest must reconcile."""
    figures = manifest(session, box)
    if not figures.reconciles:
        raise Conflict(
            _(
                "选票台账对不上（选票 %(b)s 张、已用评议卡 %(c)s 张、回执 %(r)s 个），不能封箱。",
                b=figures.ballots,
                c=figures.cards_used,
                r=figures.receipts,
            )
        )
    note = (note or "").strip() or None
    if figures.over_attendance and note is None:
        raise Refused(
            _(
                "选票 %(b)s 张多于签到代表 %(p)s 人：请监察局在封箱时写明情况说明。",
                b=figures.ballots,
                p=figures.present,
            )
        )
    salt = new_salt()
    _store(
        session,
        box,
        MinutesKind.CLOSING,
        figures,
        tally_hash=box_tally_hash(session, box, salt),
        tally_salt=salt,
        note=note if figures.over_attendance else None,
    )


def minutes_of(session: Session, box: BallotBox) -> dict[str, BoxMinutes]:
    rows = session.execute(select(BoxMinutes).where(BoxMinutes.box_id == box.id)).scalars()
    return {m.kind: m for m in rows}


def _minutes(session: Session, box: BallotBox, kind: MinutesKind) -> BoxMinutes:
    found = session.get(BoxMinutes, (box.id, kind.value))
    if found is None:
        raise NotFound(_("该投票箱还没有这份记录。"))
    return found


def confirm_minutes(session: Session, box: BallotBox, kind: MinutesKind, user: User) -> None:
    """The venue's staff and supervision each confirm the zero report and closing minutes."""
    minutes = _minutes(session, box, kind)
    if user.role == Role.SUPERVISION:
        if minutes.supervision_confirmed_by:
            raise Conflict(_("监察局已经确认过这份记录。"))
        minutes.supervision_confirmed_by, minutes.supervision_confirmed_at = user.username, _now()
    elif user.role == Role.VENUE_STAFF or (user.role == Role.ADMIN and box.is_internal):
        check_box_access(user, box)
        if minutes.staff_confirmed_by:
            raise Conflict(_("会场工作人员已经确认过这份记录。"))
        minutes.staff_confirmed_by, minutes.staff_confirmed_at = user.username, _now()
    else:
        raise Forbidden(_("这份记录由会场工作人员和监察局确认。"))
    session.flush()
    audit.record(session, user.username, f"minutes.confirm_{kind.value}", box_label(box))


def attach_scan(session: Session, box: BallotBox, data: bytes, storage: Path, user: User) -> None:
    """Keep a scan of the signed paper closing minutes beside the recorded ones."""
    if user.role not in (Role.SUPERVISION, Role.VENUE_STAFF, Role.ADMIN):
        raise Forbidden(_("您的角色不能进行此操作。"))
    if user.role == Role.VENUE_STAFF:
        check_box_access(user, box)
    minutes = _minutes(session, box, MinutesKind.CLOSING)
    stored = store(data, storage)
    minutes.scan_sha256, minutes.scan_type = stored.sha256, stored.content_type
    session.flush()
    audit.record(session, user.username, "minutes.scan", box_label(box), sha256=stored.sha256)


def sealed_minutes(session: Session, box: BallotBox) -> BoxMinutes:
    if box.current_state != BoxState.SEALED:
        raise Conflict(_("投票箱封箱后才有封箱记录。"))
    return _minutes(session, box, MinutesKind.CLOSING)


def manifest_of_minutes(minutes: BoxMinutes) -> dict:
    return json.loads(minutes.manifest)
