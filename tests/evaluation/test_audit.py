"""The audit log is append-only and its hash chain reveals edits, deletions and reordering."""

import csv
import hashlib
import io
import re

import pytest
from sqlalchemy.exc import DatabaseError

from evaluation.core import audit
from evaluation.core.models import AuditEvent, AuditHead


def _three_events(db):
    for i in range(3):
        audit.record(db.session, "admin", "campaign.update", f"thing:{i}", n=i)
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
        _drop_the_guards(connection)  # the attacker owns the database
        for statement in tamper.split("; "):
            connection.exec_driver_sql(statement)
    db.session.expire_all()
    report = audit.verify_chain(db.session)
    assert not report.ok
    assert report.broken_at == broken_at
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"BROKEN at event {broken_at}" in result.output
    tip = audit.check_tip(db.session)  # what a desk checks on each view sees it too
    assert not tip.ok and tip.broken_at == broken_at


def test_verify_command_passes_on_an_untouched_log(app, db, runner):
    _three_events(db)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "OK: 3 events" in result.output


def _drop_the_guards(connection) -> None:
    if connection.dialect.name == "postgresql":
        # A superuser switches triggers off for this transaction.
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else' WHERE id = 2",
        "DELETE FROM audit_event WHERE id = 3",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_itself_refuses_to_change_or_delete_an_event(app, db, statement):
    _three_events(db)
    with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
        connection.exec_driver_sql(statement)
    db.session.expire_all()
    assert [e.actor for e in db.session.query(AuditEvent).order_by(AuditEvent.id)] == ["admin"] * 3


def test_cutting_off_the_newest_events_is_caught_against_a_noted_head(app, db, runner):
    _three_events(db)
    noted = audit.head_hash(db.session)  # printed on the closing minutes
    assert runner.invoke(args=["audit", "verify", "--expect-head", noted]).exit_code == 0
    with db.engine.begin() as connection:
        _drop_the_guards(connection)
        connection.exec_driver_sql("DELETE FROM audit_event WHERE id = 3")
        second = connection.exec_driver_sql("SELECT hash FROM audit_event WHERE id = 2").scalar()
        connection.exec_driver_sql(
            "UPDATE audit_head SET count = 2, head_hash = :h".replace(":h", f"'{second}'")
        )
    db.session.expire_all()
    assert audit.verify_chain(db.session).ok  # the short chain is consistent in itself...
    result = runner.invoke(args=["audit", "verify", "--expect-head", noted])
    assert result.exit_code != 0 and "截短" in result.output  # ...but the noted head is gone


def test_a_rewritten_event_cannot_be_rehashed_without_the_audit_key(app, db, runner):
    _three_events(db)
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    # The attacker changes event 2's actor and recomputes every later link, as the old
    # unkeyed chain allowed: with SHA-256, since the key is not in the database.
    prev = events[0].hash
    rewritten = []
    for ev in events[1:]:
        actor = "someone else" if ev.id == 2 else ev.actor
        payload = audit.canonical_json(
            {
                "seq": ev.id,
                "prev": prev,
                "at": ev.at.isoformat(),
                "actor": actor,
                "action": ev.action,
                "subject": ev.subject,
                "detail": ev.detail,
            }
        )
        digest = hashlib.sha256(payload.encode()).hexdigest()
        rewritten.append((ev.id, actor, prev, digest))
        prev = digest
    db.session.rollback()
    with db.engine.begin() as connection:
        _drop_the_guards(connection)
        for seq, actor, prev_hash, digest in rewritten:
            connection.exec_driver_sql(
                f"UPDATE audit_event SET actor = '{actor}', prev_hash = '{prev_hash}', "
                f"hash = '{digest}' WHERE id = {seq}"
            )
        connection.exec_driver_sql(f"UPDATE audit_head SET head_hash = '{prev}'")
    db.session.expire_all()
    report = audit.verify_chain(db.session)
    assert not report.ok and report.broken_at == 2
    assert db.session.get(AuditHead, 1).head_hash == prev


def test_an_action_missing_from_the_catalogue_is_refused(app, db):
    with pytest.raises(ValueError, match="catalogue|audit_events"):
        audit.record(db.session, "admin", "box.stuffed", "box:1")


def test_supervision_finds_events_by_person_action_object_text_and_beijing_date(
    app, db, client, login_as, monkeypatch
):
    import datetime as dt

    from evaluation.core.models import Role

    times = iter(
        [
            dt.datetime(2026, 11, 30, 15, 59),  # 11-30 23:59 in Beijing
            dt.datetime(2026, 11, 30, 16, 1),  # 12-01 00:01 in Beijing
            dt.datetime(2026, 12, 2, 3, 0),
        ]
    )
    monkeypatch.setattr(audit, "utcnow", lambda: next(times))
    audit.record(db.session, "zhang", "box.closed", "box:7:group1:市南区分会场")
    audit.record(db.session, "li", "box.sealed", "box:7:group1:市南区分会场", note="=1+1")
    audit.record(db.session, "zhang", "suggestion.reject", "suggestion:12", reason="spam")
    db.session.commit()
    monkeypatch.undo()
    login_as(Role.SUPERVISION)

    def found(**query) -> list[int]:
        page = client.get("/office/audit", query_string=query).get_data(as_text=True)
        return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page)]

    assert found(actor="zhang") == [3, 1]
    assert found(action="box.sealed") == [2]
    assert found(subject="市南区") == [2, 1]
    assert found(text="spam") == [3]
    assert found(since="2026-12-01", until="2026-12-01") == [2]  # Beijing dates
    page = client.get("/office/audit", query_string={"actor": "zhang"}).get_data(as_text=True)
    assert 'href="/office/suggestions/12"' in page and 'href="/office/ballots/7"' in page
    bad = client.get("/office/audit", query_string={"since": "12/01/2026"})
    assert bad.status_code == 400 and "起始日期应写成 2026-12-01 的样子" in bad.text
    exported = client.get("/office/audit.csv", query_string={"subject": "box:7"})
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "时间（北京时间）", "操作人", "操作"]
    assert [r[0] for r in rows[1:]] == ["2", "1"] and rows[2][1] == "2026-11-30 23:59:00"
    assert rows[1][6].startswith("{") and "'=1+1" not in rows[1][6]  # detail JSON, as stored
    assert client.get("/office/audit.csv", query_string={"until": "x"}).status_code == 400


def test_a_page_checks_what_it_shows_and_a_full_check_is_written_into_the_log(
    app, db, client, login_as
):
    from evaluation.core.models import Role

    for i in range(60):
        audit.record(db.session, "admin", "campaign.update", f"thing:{i}", n=i)
    db.session.commit()
    login_as(Role.SUPERVISION)
    page = client.get("/office/audit").get_data(as_text=True)
    assert "本页列出的 50 条记录未被修改" in page and "尚未做过完整核验" in page

    with db.engine.begin() as connection:  # an old event, on no page shown, is rewritten
        _drop_the_guards(connection)
        connection.exec_driver_sql("UPDATE audit_event SET subject = 'x' WHERE id = 3")
    db.session.expire_all()
    assert "本页列出的 50 条记录未被修改" in client.get("/office/audit").get_data(as_text=True)
    oldest = client.get("/office/audit", query_string={"page": 2}).get_data(as_text=True)
    assert "哈希链在第 3 条记录处断开" in oldest  # the page showing it says so

    done = client.post("/office/audit/verify")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "完整核验发现问题" in page and "在第 3 条记录处断开" in page
    db.session.expire_all()
    newest = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert newest.action == "audit.verify" and '"ok":false' in newest.detail
