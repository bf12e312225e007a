"""Triage, the reply workflow, requests, citizen feedback and warning levels."""

import datetime as dt

import pytest
from sqlalchemy import select

from evaluation.core.audit import verify_chain
from evaluation.core.errors import Conflict, Forbidden, Refused
from evaluation.core.models import AuditEvent, Role
from suggestions import handling, services, tracking
from suggestions.board import WarningBounds, WarningLevel, warning_bounds
from suggestions.models import (
    Channel,
    RejectReason,
    ReplyCategory,
    ReplyState,
    RequestKind,
    RequestState,
    Satisfaction,
    Status,
    Urgency,
)
from tests.conftest import assert_form_reshown
from tests.suggestions.conftest import PHONE

D = dt.date
MONDAY = D(2026, 11, 23)
WEDNESDAY = D(2026, 11, 25)
REPLY = "我局已安排专人实地查看，下周起在学校门口增设临时停车位并安排交通协管员。"


ADOPTED = ReplyCategory.ADOPTED


def _assigned(db, world, unit=0, urgency=Urgency.NORMAL, today=MONDAY, **values):
    suggestion = world.real_name(db, **values)
    handling.assign(db.session, suggestion, world.units[unit].id, [], urgency, "admin", today)
    db.session.commit()
    return suggestion


def _answered(db, world, today=MONDAY, answered=WEDNESDAY):
    suggestion = _assigned(db, world, today=today)
    reply = handling.save_reply(
        db.session, suggestion, world.units[0], REPLY, True, "liaison", ADOPTED
    )
    handling.approve_reply(db.session, reply, "admin", answered)
    db.session.commit()
    return suggestion


def test_assignment_sets_lead_co_units_and_a_deadline_by_urgency(db, world):
    suggestion = world.real_name(db)
    a, b, c = world.units
    handling.assign(db.session, suggestion, a.id, [b.id, a.id], Urgency.URGENT, "admin", MONDAY)
    assert suggestion.status == Status.ASSIGNED
    assert suggestion.lead_unit == a and suggestion.co_units == [b]  # the lead is not co
    assert suggestion.due_on == D(2026, 11, 26)  # Mon + 3 working days


def test_reassignment_restarts_the_deadline_and_drops_the_old_units_draft(db, world):
    suggestion = _assigned(db, world)
    handling.save_reply(db.session, suggestion, world.units[0], REPLY, False, "liaison")
    handling.assign(
        db.session, suggestion, world.units[1].id, [], Urgency.DIFFICULT, "admin", D(2026, 11, 25)
    )
    assert suggestion.lead_unit == world.units[1] and suggestion.replies == []
    assert suggestion.due_on == D(2026, 12, 9)
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "suggestion.reassign" in actions


def test_merged_duplicates_follow_their_survivor(db, world, client):
    survivor = _answered(db, world)
    duplicate = world.real_name(db)
    handling.merge(db.session, duplicate, survivor, "admin")
    db.session.commit()
    assert duplicate.status == Status.MERGED
    assert handling.effective(duplicate) is survivor
    page = client.get(f"/suggestions/{duplicate.id}").get_data(as_text=True)
    assert "已合并" in page and REPLY in page  # the survivor's reply is shown


def test_merge_refusals(db, world):
    first, second = world.real_name(db), world.real_name(db)
    with pytest.raises(Refused):
        handling.merge(db.session, first, first, "admin")
    handling.reject(db.session, second, RejectReason.SPAM, "", "admin")
    with pytest.raises(Conflict):
        handling.merge(db.session, first, second, "admin")


def test_rejection_needs_a_reason_for_other_and_is_counted_but_not_shown(db, world, client):
    suggestion = world.real_name(db)
    with pytest.raises(Refused):
        handling.reject(db.session, suggestion, RejectReason.OTHER, " ", "admin")
    handling.reject(db.session, suggestion, RejectReason.OUT_OF_SCOPE, "", "admin")
    db.session.commit()
    assert client.get(f"/suggestions/{suggestion.id}").status_code == 404
    stats = client.get("/api/v1/units/stats").get_json()
    assert stats["received"]["rejected"] == {"out_of_scope": 1}
    assert stats["received"]["total"]["all"] == 1


def test_reply_workflow_draft_submit_return_resubmit_approve(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    url = f"/office/suggestions/{suggestion.id}"
    assert client.post(url + "/reply", data={"text": REPLY, "save": "1"}).status_code == 302
    assert suggestion.replies[0].state == ReplyState.DRAFT
    client.post(url + "/reply", data={"text": REPLY, "submit": "1", "category": "adopted"})
    db.session.refresh(suggestion)
    reply = suggestion.replies[0]
    assert reply.state == ReplyState.SUBMITTED
    # While the office reviews it, the unit cannot change it.
    response = client.post(
        url + "/reply", data={"text": REPLY + "补充", "submit": "1", "category": "adopted"}
    )
    assert response.status_code == 409
    handling.return_reply(db.session, reply, "请写明完成时间。", "admin")
    db.session.commit()
    client.post(
        url + "/reply",
        data={"text": REPLY + "本月底前完成。", "submit": "1", "category": "planned"},
    )
    db.session.refresh(reply)
    assert reply.state == ReplyState.SUBMITTED and "月底" in reply.text
    handling.approve_reply(db.session, reply, "admin", D(2026, 11, 27))
    db.session.commit()
    assert suggestion.status == Status.ANSWERED
    assert suggestion.working_days_taken == 4 and suggestion.on_time is True
    assert "月底" in client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)


def test_a_late_answer_is_not_on_time(db, world):
    suggestion = _answered(db, world, answered=D(2026, 12, 2))  # due Mon 30 Nov
    assert suggestion.due_on == D(2026, 11, 30)
    assert suggestion.on_time is False and suggestion.working_days_taken == 7


def test_units_see_and_answer_only_their_own(db, world, client, login_as):
    suggestion = _assigned(db, world, unit=0)
    handling.assign(
        db.session, suggestion, world.units[0].id, [world.units[1].id], Urgency.NORMAL, "admin"
    )
    db.session.commit()
    url = f"/office/suggestions/{suggestion.id}"
    login_as(Role.DEPARTMENT, department=world.units[2])
    assert client.get(url).status_code == 403
    assert client.post(url + "/reply", data={"text": REPLY, "submit": "1"}).status_code == 403
    login_as(Role.DEPARTMENT, department=world.units[1])  # co-handling: may read, not answer
    page = client.get(url)
    assert page.status_code == 200 and PHONE not in page.get_data(as_text=True)
    assert "139****5678" in page.get_data(as_text=True)
    response = client.post(url + "/reply", data={"text": REPLY, "submit": "1"})
    assert response.status_code == 403 and "主办单位" in response.get_data(as_text=True)
    assert suggestion.replies == []


def test_the_admin_sees_contact_details_in_full(db, world, client, login_as):
    suggestion = world.real_name(db)
    login_as(Role.ADMIN)
    assert PHONE in client.get(f"/office/suggestions/{suggestion.id}").get_data(as_text=True)


def test_extension_request_granted_moves_the_deadline(db, world):
    suggestion = _assigned(db, world)
    request = handling.ask(
        db.session, suggestion, world.units[0], RequestKind.EXTENSION, "需要现场勘查", "l", 3
    )
    with pytest.raises(Conflict):  # one pending request at a time
        handling.ask(
            db.session, suggestion, world.units[0], RequestKind.EXTENSION, "还需要再延期", "l", 2
        )
    handling.decide(db.session, request, True, "", "admin")
    assert request.state == RequestState.GRANTED
    assert suggestion.due_on == D(2026, 12, 3)  # 30 Nov + 3 working days


def test_reassignment_request_granted_moves_the_item(db, world):
    suggestion = _assigned(db, world)
    request = handling.ask(
        db.session,
        suggestion,
        world.units[0],
        RequestKind.REASSIGN,
        "不属于本单位职责",
        "l",
        proposed_unit_id=world.units[2].id,
    )
    handling.decide(db.session, request, True, "", "admin", today=D(2026, 11, 24))
    assert suggestion.lead_unit == world.units[2] and suggestion.due_on == D(2026, 12, 1)


def test_request_refusals(db, world):
    suggestion = _assigned(db, world)
    unit = world.units[0]
    with pytest.raises(Refused):
        handling.ask(db.session, suggestion, unit, RequestKind.EXTENSION, "需要时间", "l", 11)
    with pytest.raises(Forbidden):
        handling.ask(db.session, suggestion, world.units[1], RequestKind.EXTENSION, "理由", "l", 2)
    request = handling.ask(db.session, suggestion, unit, RequestKind.EXTENSION, "理由充分", "l", 2)
    with pytest.raises(Refused):  # refusing needs a reason
        handling.decide(db.session, request, False, "", "admin")
    handling.decide(db.session, request, False, "请按期办理", "admin")
    with pytest.raises(Conflict):
        handling.decide(db.session, request, True, "", "admin")
    assert suggestion.due_on == D(2026, 11, 30)


def test_feedback_needs_the_code_and_the_phone_of_a_real_name_item(db, world, client):
    suggestion = _answered(db, world)
    code = suggestion.tracking_code
    wrong = client.post("/suggestions/track", data={"code": code, "phone": "13900000000"})
    assert wrong.status_code == 404 and "不正确" in wrong.get_data(as_text=True)
    assert (
        client.post("/suggestions/track", data={"code": "X" * 10, "phone": PHONE}).status_code
        == 404
    )
    right = client.post("/suggestions/track", data={"code": code.lower(), "phone": PHONE})
    assert right.status_code == 200 and REPLY in right.get_data(as_text=True)


def test_dissatisfied_feedback_reopens_once_for_follow_up_review(db, world, client):
    suggestion = _answered(db, world)
    data = {"code": suggestion.tracking_code, "phone": PHONE, "rating": "dissatisfied"}
    no_reason = client.post("/suggestions/track", data=data)
    assert no_reason.status_code == 400 and "请说明不满意的原因" in no_reason.text
    assert 'checked id="rating-2"' in no_reason.text  # 不满意 stays chosen
    db.session.refresh(suggestion)
    assert suggestion.status == Status.ANSWERED and suggestion.feedback is None
    data["reason"] = "答复没有说明什么时候能解决。"
    assert client.post("/suggestions/track", data=data).status_code == 200
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REVIEWING and suggestion.reopened
    assert suggestion.replies[0].feedback_reason == data["reason"]  # the unit reads why
    again = client.post("/suggestions/track", data=data)
    assert again.status_code == 409  # feedback twice on the same reply
    follow_up = handling.save_reply(
        db.session, suggestion, world.units[0], REPLY + "复核", True, "l", ADOPTED
    )
    assert follow_up.follow_up
    handling.approve_reply(db.session, follow_up, "admin", D(2026, 12, 4))
    db.session.commit()
    assert suggestion.working_days_taken == 2  # the statistics keep the first answer
    client.post("/suggestions/track", data=data)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.ANSWERED  # not reopened a second time
    assert suggestion.feedback == Satisfaction.DISSATISFIED


def test_feedback_before_any_reply_is_refused(db, world):
    suggestion = _assigned(db, world)
    with pytest.raises(Conflict):
        tracking.give_feedback(db.session, suggestion, Satisfaction.SATISFIED)


def test_warning_levels(db, world):
    today = D(2026, 11, 25)  # Wednesday
    bounds = WarningBounds(today, D(2026, 11, 27))
    assert warning_bounds(db.session, today) == bounds
    overdue = _assigned(db, world, today=D(2026, 11, 16))  # due 23 Nov
    due_today = _assigned(db, world, today=D(2026, 11, 18))  # due 25 Nov
    soon = _assigned(db, world, today=D(2026, 11, 20))  # due 27 Nov
    later = _assigned(db, world, today=D(2026, 11, 24))  # due 1 Dec
    answered = _answered(db, world, today=D(2026, 11, 16), answered=D(2026, 11, 24))
    levels = [bounds.level(s) for s in (overdue, due_today, soon, later, answered)]
    assert levels == [WarningLevel.RED, WarningLevel.YELLOW, WarningLevel.BLUE, None, None]


def test_every_handling_move_is_audited_and_the_chain_holds(db, world):
    suggestion = _answered(db, world)
    tracking.give_feedback(db.session, suggestion, Satisfaction.SATISFIED)
    db.session.commit()
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    for action in ("suggestion.receive", "suggestion.assign", "suggestion.reply_submit"):
        assert action in actions
    assert "suggestion.reply_approve" in actions and "suggestion.feedback" in actions
    assert verify_chain(db.session).ok


def test_the_report_editor_lists_last_years_suggestions_with_outcomes(
    db, world, factory, client, login_as
):
    last_year = factory.campaign(year=2025)
    old_unit = factory.department(last_year, "A", factory.group(last_year))
    old = services.receive(
        db.session,
        last_year,
        services.Intake(channel=Channel.ONLINE, text="去年的建议：增设社区图书室方便居民。"),
        "test",
    )
    handling.assign(db.session, old, old_unit.id, [], Urgency.NORMAL, "admin", D(2025, 12, 1))
    reply = handling.save_reply(db.session, old, old_unit, REPLY, True, "l", ADOPTED)
    handling.approve_reply(db.session, reply, "admin", D(2025, 12, 3))
    tracking.give_feedback(db.session, old, Satisfaction.SATISFIED, D(2025, 12, 4))
    _assigned(db, world)  # this year's item is not listed
    db.session.commit()
    login_as(Role.DEPARTMENT, department=world.units[0])
    page = client.get("/office/reports/mine").get_data(as_text=True)
    assert "增设社区图书室" in page and "按期" in page
    assert "主办 1 条，已答复 1 条，其中按期 1 条" in page


def test_a_rejected_suggestion_s_tracking_page_gives_the_office_s_reason(db, world, client):
    suggestion = world.real_name(db)
    handling.reject(db.session, suggestion, RejectReason.OTHER, "属于司法程序，请向法院反映", "a")
    db.session.commit()
    page = client.post(
        "/suggestions/track", data={"code": suggestion.tracking_code, "phone": PHONE}
    ).get_data(as_text=True)
    assert "不予受理：其他原因" in page and "属于司法程序，请向法院反映" in page
    assert f"/suggestions/{suggestion.id}" not in page  # no link to a page that is not public


def test_a_reply_says_what_the_unit_does_and_a_declined_one_says_why(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    url = f"/office/suggestions/{suggestion.id}/reply"
    no_category = client.post(url, data={"text": REPLY, "submit": "1"})
    assert_form_reshown(no_category, "请选择答复类别", (REPLY,), status=400)
    declined = client.post(url, data={"text": REPLY, "submit": "1", "category": "declined"})
    assert_form_reshown(declined, "不予采纳时请写明理由", (REPLY,), status=400)
    assert suggestion.replies == []
    reason = "该路段属于省道，由省交通部门管理，已转告并请其答复。"
    data = {"text": REPLY, "submit": "1", "category": "declined", "reason": reason}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(suggestion)
    reply = suggestion.replies[0]
    handling.approve_reply(db.session, reply, "admin", WEDNESDAY)
    db.session.commit()
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "不予采纳" in page and reason in page
    api = client.get("/api/v1/suggestions").get_json()
    (shown,) = [s for s in api["suggestions"] if s["id"] == suggestion.id]
    assert shown["reply"]["category"] == "declined" and shown["reply"]["decline_reason"] == reason
