"""Refusals in the suggestion office come back as the same form, with the message next to the
field and everything typed kept; nothing changes (invariant 5, and the house's form helper)."""

import datetime as dt

from evaluation.core.models import AuditEvent, Role
from suggestions import handling, routing
from suggestions.models import (
    HandlingRequest,
    ReplyCategory,
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
    reply = handling.save_reply(
        db.session, suggestion, world.units[0], REPLY, True, "liaison", ReplyCategory.ADOPTED
    )
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


def test_merging_shows_both_suggestions_on_a_step_before_anything_changes(
    db, world, client, login_as
):
    duplicate = world.real_name(db, text="学校门口早晚高峰拥堵，建议增设临时停车位。")
    survivor = world.real_name(db, text="请解决实验小学门口接送孩子时的停车难问题。")
    before = _events(db)
    login_as(Role.ADMIN)
    url = f"/office/suggestions/{duplicate.id}/merge"
    step = client.post(url, data={"survivor": str(survivor.id)})
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and "此操作不可撤销" in page and "确认合并" in page
    assert "增设临时停车位" in page and "实验小学门口" in page  # both texts, side by side
    assert (
        f'name="survivor" value="{survivor.id}"' in page
        and 'name="confirmed" type="hidden" value="1"' in page
    )
    db.session.refresh(duplicate)
    assert duplicate.status == Status.RECEIVED and _events(db) == before  # the step did nothing
    done = client.post(url, data={"survivor": str(survivor.id), "confirmed": "1"})
    assert done.status_code == 302
    db.session.refresh(duplicate)
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == survivor.id
    into_itself = client.post(
        f"/office/suggestions/{survivor.id}/merge", data={"survivor": str(survivor.id)}
    )
    assert_form_reshown(into_itself, "不能与自身合并", (f'value="{survivor.id}"',), status=400)


def test_not_taking_up_shows_the_reason_the_citizen_will_read_before_it_is_done(
    db, world, client, login_as
):
    suggestion = world.real_name(db)
    login_as(Role.ADMIN)
    url = f"/office/suggestions/{suggestion.id}/reject"
    without_note = client.post(url, data={"reason": "other", "note": ""})
    assert_form_reshown(without_note, "请写明不予受理的理由", status=400)
    note = "内容与本次活动无关，已转12345热线。"
    step = client.post(url, data={"reason": "other", "note": note}).get_data(as_text=True)
    assert "不予受理" in step and note in step and "确认不予受理" in step
    db.session.refresh(suggestion)
    assert suggestion.status == Status.RECEIVED
    done = client.post(url, data={"reason": "other", "note": note, "confirmed": "1"})
    assert done.status_code == 302
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REJECTED and suggestion.reject_note == note


def test_the_triage_queue_shows_the_longest_waiting_first_and_pages_through_all(
    db, world, client, login_as
):
    made = [world.receive(db, text=f"第{n}条：建议在社区增设便民服务点。") for n in range(35)]
    login_as(Role.ADMIN)
    first = client.get("/office/suggestions/").get_data(as_text=True)
    queue = first[first.index("待分办（35）") : first.index("待审核的答复")]
    assert f"No.{made[0].id}<" in queue and f"No.{made[29].id}<" in queue
    assert f"No.{made[30].id}<" not in queue  # on the next page, none hidden for good
    assert queue.index(f"No.{made[0].id}<") < queue.index(f"No.{made[1].id}<")
    second = client.get("/office/suggestions/?triage=2").get_data(as_text=True)
    queue = second[second.index("待分办（35）") : second.index("待审核的答复")]
    assert f"No.{made[34].id}<" in queue and f"No.{made[0].id}<" not in queue
