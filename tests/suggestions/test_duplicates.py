"""Duplicate hints: the office triaging a suggestion sees the ones like it and can merge into one
through the merge confirmation step."""

import datetime as dt

from evaluation.core.models import Role
from suggestions import handling, similar
from suggestions.models import RejectReason, Status, Urgency

PARKING = "建议在学校门口增设临时停车位，缓解上下学时段的交通拥堵。"
PARKING_AGAIN = "希望在学校门口增设临时停车位，缓解上下学时段交通拥堵问题！"
LIBRARY = "图书馆周末开放时间太短，建议延长到晚上九点，方便上班族借阅。"
MONDAY = dt.date(2026, 11, 23)


def test_a_near_copy_is_hinted_and_an_unrelated_text_is_not(db, world):
    first = world.receive(db, text=PARKING)
    world.receive(db, text=LIBRARY)
    again = world.receive(db, text=PARKING_AGAIN)
    hints = similar.duplicate_hints(db.session, again)
    assert [h.suggestion_id for h in hints] == [first.id]
    assert hints[0].likeness > 0.5


def test_punctuation_and_spacing_do_not_hide_a_copy():
    a = similar.bigrams("学校门口 增设停车位。")
    b = similar.bigrams("学校门口，增设停车位")
    assert similar.likeness(a, b) == 1.0
    assert similar.likeness(a, similar.bigrams("")) == 0.0


def test_merged_and_rejected_suggestions_are_not_offered_as_survivors(db, world):
    merged = world.receive(db, text=PARKING)
    survivor = world.receive(db, text=PARKING)
    handling.merge(db.session, merged, survivor, "admin")
    rejected = world.receive(db, text=PARKING)
    handling.reject(db.session, rejected, RejectReason.OTHER, "重复", "admin")
    db.session.commit()
    newest = world.receive(db, text=PARKING)
    assert [h.suggestion_id for h in similar.duplicate_hints(db.session, newest)] == [survivor.id]


def test_at_equal_likeness_the_one_of_the_same_unit_comes_first(db, world):
    other_unit = world.receive(db, text=PARKING)
    handling.assign(db.session, other_unit, world.units[2].id, [], Urgency.NORMAL, "admin", MONDAY)
    same_unit = world.receive(db, text=PARKING)
    handling.assign(db.session, same_unit, world.units[0].id, [], Urgency.NORMAL, "admin", MONDAY)
    db.session.commit()
    newest = world.receive(db, text=PARKING)
    newest.proposed_unit_id = world.units[0].id
    hints = similar.duplicate_hints(db.session, newest)
    assert [(h.suggestion_id, h.same_unit) for h in hints] == [
        (same_unit.id, True),
        (other_unit.id, False),
    ]


def test_the_office_sees_the_hint_and_its_button_leads_to_the_merge_step(
    db, world, client, login_as
):
    first = world.receive(db, text=PARKING)
    again = world.receive(db, text=PARKING_AGAIN)
    login_as(Role.ADMIN)
    page = client.get(f"/office/suggestions/{again.id}").get_data(as_text=True)
    assert "疑似重复" in page and f"合并到 No.{first.id}" in page
    step = client.post(f"/office/suggestions/{again.id}/merge", data={"survivor": first.id})
    assert step.status_code == 200 and "确认合并" in step.get_data(as_text=True)
    db.session.refresh(again)
    assert again.status == Status.RECEIVED  # the step itself changes nothing


def test_a_unit_does_not_see_hints_about_other_units_items(db, world, client, login_as):
    first = world.receive(db, text=PARKING)
    handling.assign(db.session, first, world.units[1].id, [], Urgency.NORMAL, "admin", MONDAY)
    again = world.receive(db, text=PARKING_AGAIN)
    handling.assign(db.session, again, world.units[0].id, [], Urgency.NORMAL, "admin", MONDAY)
    db.session.commit()
    login_as(Role.DEPARTMENT, department=world.units[0])
    page = client.get(f"/office/suggestions/{again.id}").get_data(as_text=True)
    assert "疑似重复" not in page and f"No.{first.id}" not in page
