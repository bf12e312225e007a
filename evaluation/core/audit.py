"""The append-only audit log (审计日志): recording events and verifying the hash chain.

Each event's hash is an HMAC keyed with SANMIN_AUDIT_KEY, which is kept outside the
database: whoever can write the tables cannot re-hash a changed chain. The tables refuse
UPDATE and DELETE (triggers), and `verify --expect-head` catches a shortened chain.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from evaluation.core.audit_events import EVENTS
from evaluation.core.clock import BEIJING, utcnow
from evaluation.core.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
COMMAND_LINE_ACTOR_PREFIX = "命令行:"


def command_line_actor() -> str:
    """The actor recorded for commands run from the shell."""
    return COMMAND_LINE_ACTOR_PREFIX + getpass.getuser()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(
    seq: int,
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    detail: str,
    key: bytes | None,
) -> str:
    """The event's link: HMAC-SHA-256 under the audit key (plain SHA-256 for the events
    written before the log was keyed, `key` None)."""
    payload = canonical_json(
        {
            "seq": seq,
            "prev": prev_hash,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": detail,
        }
    )
    if key is None:
        return hashlib.sha256(payload.encode()).hexdigest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def audit_key() -> bytes:
    return str(current_app.config["AUDIT_KEY"]).encode()


def record(session: Session, actor: str, action: str, subject: str = "", **detail: Any) -> None:
    """Append one event to the chain in the caller's transaction."""
    if action not in EVENTS:
        raise ValueError(f"audit action {action!r} is missing from evaluation.audit_events")
    # Updating the head first takes the write lock (SQLite) or the row lock (PostgreSQL)
    # before we read it, so concurrent writers line up instead of forking the chain.
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count + 1)
    ).rowcount
    if not bumped:
        session.add(AuditHead(id=1, count=1, head_hash=GENESIS_HASH))
        session.flush()
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    at = utcnow()
    detail_json = canonical_json(detail)
    digest = event_hash(
        head.count, head.head_hash, at, actor, action, subject, detail_json, audit_key()
    )
    session.add(
        AuditEvent(
            id=head.count,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            detail=detail_json,
            prev_hash=head.head_hash,
            hash=digest,
        )
    )
    head.head_hash = digest
    session.flush()


def TRUNCATED() -> str:  # noqa: N802 (reads as the message it is)
    return _("日志中没有记下的链头（日志被截短或重写）")


@dataclass
class ChainReport:
    ok: bool
    count: int
    head_hash: str
    broken_at: int | None = None  # the id of the first event that does not link
    reason: str = ""


def GAP() -> str:  # noqa: N802
    return _("序号不连续（有事件被删除或移动）")


def _fault(ev: AuditEvent, expected_prev: str, key: bytes | None) -> str | None:
    """Why the event does not belong where it is in the chain, or None."""
    if ev.prev_hash != expected_prev:
        return _("与前一事件的哈希不相连")
    recomputed = event_hash(
        ev.id, ev.prev_hash, ev.at, ev.actor, ev.action, ev.subject, ev.detail, key
    )
    if not hmac.compare_digest(recomputed, ev.hash):
        return _("事件内容已被修改")
    return None


def check_events(session: Session, events: list[AuditEvent]) -> ChainReport:
    """The events a page shows, each unchanged and linked to the event before it: as much
    of the chain as one page needs, without walking all of it (`verify_chain` does that)."""
    head = session.get(AuditHead, 1)
    top = head.head_hash if head is not None else GENESIS_HASH
    if not events:
        return ChainReport(True, 0, top)
    keyed_from = head.keyed_from if head is not None else 1
    shown = {ev.id: ev for ev in events}
    wanted = {ev.id - 1 for ev in events if ev.id > 1} - set(shown)
    known = dict(shown)
    if wanted:
        query = select(AuditEvent).where(AuditEvent.id.in_(wanted))
        known.update({ev.id: ev for ev in session.execute(query).scalars()})
    key = audit_key()
    for ev in sorted(events, key=lambda e: e.id):
        before = known.get(ev.id - 1)
        if ev.id > 1 and before is None:
            return ChainReport(False, len(events), top, ev.id, GAP())
        expected_prev = before.hash if before is not None else GENESIS_HASH
        fault = _fault(ev, expected_prev, key if ev.id >= keyed_from else None)
        if fault:
            return ChainReport(False, len(events), top, ev.id, fault)
    return ChainReport(True, len(events), top)


def check_tip(session: Session, newest: int = 50) -> ChainReport:
    """The newest events and the head: what a desk checks on each view."""
    events = recent_events(session, newest)
    head = session.get(AuditHead, 1)
    if events and (head is None or head.count != events[0].id or head.head_hash != events[0].hash):
        return ChainReport(
            False,
            len(events),
            events[0].hash,
            events[0].id + 1,
            _("链头与最后一个事件不符（最新事件被删除）"),
        )
    return check_events(session, events)


VERIFY_ACTION = "audit.verify"


def record_full_check(session: Session, actor: str) -> ChainReport:
    """Walk the whole chain now and write down what was found, as an event of the chain."""
    report = verify_chain(session)
    record(
        session,
        actor,
        VERIFY_ACTION,
        "audit",
        ok=report.ok,
        count=report.count,
        head=report.head_hash,
        broken_at=report.broken_at,
        reason=report.reason,
    )
    return report


def last_full_check(session: Session) -> tuple[AuditEvent, dict[str, Any]] | None:
    """The latest recorded walk of the whole chain and what it found."""
    query = select(AuditEvent).where(AuditEvent.action == VERIFY_ACTION)
    found = session.execute(query.order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    return (found, json.loads(found.detail)) if found else None


def verify_chain(session: Session, expect_head: str | None = None) -> ChainReport:
    """Walk the chain in order and report the first event that does not link.

    With `expect_head` (a head hash noted down earlier: on closing minutes, on the released
    results) the chain must still contain that event, unchanged with all before it.
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    head = session.get(AuditHead, 1)
    keyed_from = head.keyed_from if head is not None else 1
    key = audit_key()
    seen_expected = expect_head is None
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        count += 1
        if ev.id != expected_seq:
            return ChainReport(False, count, expected_prev, ev.id, GAP())
        fault = _fault(ev, expected_prev, key if ev.id >= keyed_from else None)
        if fault:
            return ChainReport(False, count, expected_prev, ev.id, fault)
        expected_prev = ev.hash
        expected_seq += 1
        seen_expected = seen_expected or ev.hash == expect_head
    if head is None:
        if count:
            return ChainReport(False, count, expected_prev, None, _("缺少链头记录"))
        if not seen_expected:
            return ChainReport(False, 0, GENESIS_HASH, None, TRUNCATED())
        return ChainReport(True, 0, GENESIS_HASH)
    if head.count != count or head.head_hash != expected_prev:
        return ChainReport(
            False, count, expected_prev, count + 1, _("链头与最后一个事件不符（最新事件被删除）")
        )
    if not seen_expected:
        return ChainReport(False, count, expected_prev, None, TRUNCATED())
    return ChainReport(True, count, expected_prev)


def head_hash(session: Session) -> str:
    """The newest link of the chain, printed on closing minutes and on released results."""
    head = session.get(AuditHead, 1)
    return head.head_hash if head is not None else GENESIS_HASH


@dataclass(frozen=True)
class EventFilter:
    """Which events supervision is looking for; an empty field does not filter. Dates are
    Beijing dates, both ends included; `text` is looked for in the object and the details."""

    actor: str = ""
    action: str = ""
    subject: str = ""
    text: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def where(self) -> list[Any]:
        conditions = []
        if self.actor:
            conditions.append(AuditEvent.actor.contains(self.actor, autoescape=True))
        if self.action:
            conditions.append(AuditEvent.action == self.action)
        if self.subject:
            conditions.append(AuditEvent.subject.contains(self.subject, autoescape=True))
        if self.text:
            conditions.append(
                AuditEvent.subject.contains(self.text, autoescape=True)
                | AuditEvent.detail.contains(self.text, autoescape=True)
            )
        if self.since:
            conditions.append(AuditEvent.at >= _utc_start(self.since))
        if self.until:
            conditions.append(AuditEvent.at < _utc_start(self.until + dt.timedelta(days=1)))
        return conditions


def _utc_start(day: dt.date) -> dt.datetime:
    """Midnight of a Beijing date, as the naive UTC time events are stored in."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=BEIJING)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def recent_events(
    session: Session, limit: int | None, offset: int = 0, only: EventFilter | None = None
) -> list[AuditEvent]:
    """The newest events first (all of them when `limit` is None), filtered by `only`."""
    query = select(AuditEvent).where(*(only or EventFilter()).where())
    query = query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def count_events(session: Session, only: EventFilter | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent).where(*(only or EventFilter()).where())
    return session.execute(query).scalar_one()


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise RuntimeError("audit events are append-only")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise RuntimeError("audit events are append-only")
