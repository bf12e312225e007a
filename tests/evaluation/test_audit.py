"""The audit log is append-only and its hash chain reveals edits, deletions and reordering."""

import pytest

from evaluation import audit
from evaluation.models import AuditEvent


def _three_events(db):
    for i in range(3):
        audit.record(db.session, "admin", "test.event", f"thing:{i}", n=i)
    db.session.commit()


def test_events_chain_each_to_the_one_before(app, db):
    _three_events(db)
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [e.id for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    report = audit.verify_chain(db.session)
    assert report.ok and report.count == 3 and report.head_hash == events[2].hash


def test_the_orm_refuses_to_change_or_delete_an_event(app, db):
    _three_events(db)
    event = db.session.get(AuditEvent, 2)
    event.actor = "someone else"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, 2))
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("tamper", "broken_at"),
    [
        ("UPDATE audit_event SET subject = 'thing:x' WHERE id = 2", 2),
        ("UPDATE audit_event SET detail = '{\"n\":9}' WHERE id = 1", 1),
        ("DELETE FROM audit_event WHERE id = 2", 3),
        ("DELETE FROM audit_event WHERE id = 3", 3),
        # Swap the contents of events 1 and 2 (a reordering).
        (
            "UPDATE audit_event SET id = CASE id WHEN 1 THEN -2 WHEN 2 THEN -1 END"
            " WHERE id IN (1, 2); UPDATE audit_event SET id = -id WHERE id < 0",
            1,
        ),
    ],
    ids=["edit", "edit-detail", "delete-middle", "delete-newest", "reorder"],
)
def test_verify_reports_the_first_broken_link(app, db, runner, tamper, broken_at):
    _three_events(db)
    with db.engine.begin() as connection:
        for statement in tamper.split("; "):
            connection.exec_driver_sql(statement)
    db.session.expire_all()
    report = audit.verify_chain(db.session)
    assert not report.ok
    assert report.broken_at == broken_at
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"BROKEN at event {broken_at}" in result.output


def test_verify_command_passes_on_an_untouched_log(app, db, runner):
    _three_events(db)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "OK: 3 events" in result.output
