"""Refusals in the suggestion office come back as the same form, with the message next to the
field and everything typed kept; nothing changes (invariant 5, and the house's form helper)."""

import datetime as dt

from evaluation.core.models import AuditEvent, Role
from suggestions import handling, routing
from suggestions.models import (
    HandlingRequest,
    ReplyState,
    RequestKind,
    RequestState,
    Status,
    Urgency,
)
from tests.conftest import assert_form_reshown

MONDAY = dt.date(2026, 11, 23)
REPLY = "我局已安排专人实地查看，下周起在学校门口增设临时停车位并安排交通协管员。"


def _assigned(db, world):
    suggestion = world.real_name(db)
    handling.assign(db.session, suggestion, world.units[0].id, [], Urgency.NORMAL, "admin", MONDAY)
    db.session.commit()
    return suggestion


def _events(db) -> int:
    return db.session.query(AuditEvent).count()


def test_returning_a_reply_without_a_comment_shows_the_review_form_again(
    db, world, client, login_as
):
    suggestion = _assigned(db, world)
    reply = handling.save_reply(db.session, suggestion, world.units[0], REPLY, True, "liaison")
    db.session.commit()
    before = _events(db)
    login_as(Role.ADMIN)
    response = client.post(
        f"/office/suggestions/replies/{reply.id}", data={"send_back": "1", "comment": "  "}
    )
    assert_form_reshown(response, "退回时请写明修改意见", status=400)
    db.session.refresh(reply)
    assert reply.state == ReplyState.SUBMITTED and _events(db) == before


def test_refusing_a_request_without_a_note_shows_the_decision_form_again(
    db, world, client, login_as
):
    suggestion = _assigned(db, world)
    request = handling.ask(
        db.session, suggestion, world.units[0], RequestKind.EXTENSION, "需要协调多个部门", "x", 3
    )
    db.session.commit()
    login_as(Role.ADMIN)
    response = client.post(f"/office/suggestions/requests/{request.id}", data={"refuse": "1"})
    assert_form_reshown(response, "不同意时请写明理由", status=400)
    assert db.session.get(HandlingRequest, request.id).state == RequestState.PENDING


def test_merging_into_a_number_that_does_not_exist_keeps_the_number_typed(
    db, world, client, login_as
):
    duplicate = world.real_name(db)
    before = _events(db)
    login_as(Role.ADMIN)
    response = client.post(f"/office/suggestions/{duplicate.id}/merge", data={"survivor": "9999"})
    assert_form_reshown(response, "找不到编号为 9999 的意见建议", ('value="9999"',), status=400)
    db.session.refresh(duplicate)
    assert duplicate.status == Status.RECEIVED and duplicate.merged_into_id is None
    assert _events(db) == before


def test_an_extension_without_days_keeps_the_reason_typed(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    reason = "涉及三个部门，需要联合踏勘"
    response = client.post(
        f"/office/suggestions/{suggestion.id}/ask",
        data={"kind": "extension", "reason": reason, "extra_days": ""},
    )
    assert_form_reshown(response, "延期天数应为 1 到", (reason,), status=400)
    assert db.session.query(HandlingRequest).count() == 0


def test_an_empty_extension_request_is_refused_next_to_the_reason(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    response = client.post(
        f"/office/suggestions/{suggestion.id}/ask",
        data={"kind": "extension", "reason": "", "extra_days": "3"},
    )
    assert_form_reshown(response, "此项为必填项", ('value="3"',), status=400)
    assert db.session.query(HandlingRequest).count() == 0


def test_a_short_reply_keeps_what_the_unit_wrote(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    response = client.post(
        f"/office/suggestions/{suggestion.id}/reply", data={"text": "好", "submit": "1"}
    )
    assert_form_reshown(response, "请写 10 到", ("好</textarea>",), status=400)
    assert suggestion.replies == []


def test_a_category_that_exists_comes_back_with_the_settings_form(db, world, client, login_as):
    login_as(Role.ADMIN)
    name = world.categories[0].name
    response = client.post("/office/suggestions/settings/categories", data={"name": name})
    assert_form_reshown(response, "该类别已经存在", (f'value="{name}"',), status=409)
    assert len(routing.categories_of(db.session, world.campaign)) == len(world.categories)
