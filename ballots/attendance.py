"""Attendance (出席): each venue's representative list and who came, never tied to voting."""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.boxes import box_label, box_seats
from ballots.models import BallotBox
from evaluation.campaign.imports import ImportRefused, RowError
from evaluation.core import audit
from evaluation.core.errors import Refused
from representatives.checkin import (
    CheckedIn,
    check_in,
    find_invited,
    free_reserves,
    undo_check_in,
    walk_in,
)
from representatives.models import DrawPlace, Representative, categories_of


def _at(box: BallotBox) -> tuple:
    if box.is_internal:
        raise Refused(_("内部评议不登记代表出席。"))
    return (Representative.meeting_id == box.meeting_id, Representative.venue_id == box.venue_id)


def representatives(session: Session, box: BallotBox) -> list[Representative]:
    query = (
        select(Representative)
        .where(*_at(box))
        .order_by(Representative.category, Representative.name)
    )
    return list(session.execute(query).scalars())


def import_representatives(
    session: Session, box: BallotBox, rows: list[dict[str, str]], actor: str
) -> int:
    """Add the venue's representatives for the meeting; a bad row anywhere imports nothing."""
    _at(box)  # refuses the internal box
    if "姓名" not in rows[0] or "类别" not in rows[0]:
        raise ImportRefused(
            [RowError(1, c, _("缺少此列")) for c in ("姓名", "类别") if c not in rows[0]]
        )
    known = {(r.name, r.district) for r in representatives(session, box)}
    categories = categories_of(box.campaign)
    errors, seen, new = [], {}, []
    for row in rows:
        n = int(row["__row__"])
        name, category, district = row.get("姓名", ""), row.get("类别", ""), row.get("区市", "")
        if not name:
            errors.append(RowError(n, "姓名", _("不能为空")))
        elif len(name) > 50:
            errors.append(RowError(n, "姓名", _("超过 %(n)s 个字符", n=50)))
        if category not in categories:
            errors.append(RowError(n, "类别", _("应为：%(list)s", list="、".join(categories))))
        key = (name, district)
        if key in seen:
            errors.append(RowError(n, "姓名", _("与第 %(r)s 行重复", r=seen[key])))
        seen.setdefault(key, n)
        if key not in known:
            new.append(
                Representative(
                    meeting_id=box.meeting_id,
                    venue_id=box.venue_id,
                    name=name,
                    category=category,
                    district=district,
                )
            )
    if errors:
        raise ImportRefused(errors)
    session.add_all(new)
    session.flush()
    audit.record(session, actor, "attendance.import", box_label(box), added=len(new))
    return len(new)


def check_in_at(session: Session, box: BallotBox, person_id: int) -> CheckedIn:
    """A desk of the box's venue checks one invitee in (idempotent, never overwrites)."""
    _at(box)
    return check_in(session, box.meeting_id, box.venue_id, person_id)


def undo_at(session: Session, box: BallotBox, person_id: int, actor: str) -> None:
    _at(box)
    undo_check_in(session, box.meeting_id, box.venue_id, person_id)
    audit.record(session, actor, "attendance.undo", box_label(box))


def reserves_at(session: Session, box: BallotBox) -> list[DrawPlace]:
    _at(box)
    return free_reserves(session, box.meeting_id, box.venue_id)


def walk_in_at(session: Session, box: BallotBox, place_id: int, actor: str) -> Representative:
    _at(box)
    return walk_in(session, box.meeting_id, box.venue_id, place_id, box_seats(box), actor)


def find_at(session: Session, box: BallotBox, typed: str) -> list[Representative]:
    _at(box)
    return find_invited(session, box.meeting_id, box.venue_id, typed)


def attendance_summary(session: Session, box: BallotBox) -> dict[str, tuple[int, int]]:
    """Per category: (invited, came)."""
    invited: Counter[str] = Counter()
    came: Counter[str] = Counter()
    rows = session.execute(
        select(Representative.category, Representative.attended, func.count())
        .where(*_at(box))
        .group_by(Representative.category, Representative.attended)
    )
    for category, attended, n in rows:
        invited[category] += n
        if attended:
            came[category] += n
    return {c: (invited[c], came[c]) for c in categories_of(box.campaign) if invited[c]}


def attendance_by_box(session: Session, boxes: list[BallotBox]) -> dict[int, tuple[int, int]]:
    """Per venue box: (invited, came), for the turnout overview."""
    rows = session.execute(
        select(
            Representative.meeting_id,
            Representative.venue_id,
            Representative.attended,
            func.count(),
        ).group_by(Representative.meeting_id, Representative.venue_id, Representative.attended)
    )
    counts: dict[tuple, list[int]] = {}
    for meeting_id, venue_id, attended, n in rows:
        pair = counts.setdefault((meeting_id, venue_id), [0, 0])
        pair[0] += n
        pair[1] += n if attended else 0
    return {b.id: tuple(counts.get((b.meeting_id, b.venue_id), [0, 0])) for b in boxes}
