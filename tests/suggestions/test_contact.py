"""先沟通后答复: the lead unit may see a real-name author's phone to call before replying, on
request and recorded; nobody else in the unit world sees it, and the page never shows it
unasked."""

import datetime as dt

from sqlalchemy import select

from evaluation.core.models import AuditEvent, Role
from suggestions import handling
from suggestions.models import Urgency
from tests.suggestions.conftest import NAME, PHONE

MONDAY = dt.date(2026, 11, 23)


def _assigned(db, world, suggestion, co=()):
    handling.assign(
        db.session, suggestion, world.units[0].id, [u.id for u in co], Urgency.NORMAL, "a", MONDAY
    )
    db.session.commit()
    return suggestion


def _contacts(db) -> list[str]:
    return (
        db.session.execute(
            select(AuditEvent.subject).where(AuditEvent.action == "suggestion.contact")
        )
        .scalars()
        .all()
    )


def test_the_lead_unit_sees_the_phone_on_request_and_the_look_is_recorded(
    db, world, client, login_as
):
    suggestion = _assigned(db, world, world.real_name(db))
    login_as(Role.DEPARTMENT, department=world.units[0])
    page = client.get(f"/office/suggestions/{suggestion.id}").get_data(as_text=True)
    assert PHONE not in page and NAME not in page and "查看联系电话" in page
    assert _contacts(db) == []

    shown = client.post(f"/office/suggestions/{suggestion.id}/contact")
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert PHONE in body and NAME in body and "已记入操作日志" in body
    assert _contacts(db) == [f"suggestion:{suggestion.id}"]


def test_a_co_unit_cannot_ask_for_the_phone(db, world, client, login_as):
    suggestion = _assigned(db, world, world.real_name(db), co=[world.units[1]])
    login_as(Role.DEPARTMENT, department=world.units[1])
    response = client.post(f"/office/suggestions/{suggestion.id}/contact")
    assert response.status_code == 403
    assert PHONE not in response.get_data(as_text=True)
    assert _contacts(db) == []


def test_another_unit_cannot_ask_for_the_phone(db, world, client, login_as):
    suggestion = _assigned(db, world, world.real_name(db))
    login_as(Role.DEPARTMENT, department=world.units[2])
    response = client.post(f"/office/suggestions/{suggestion.id}/contact")
    assert response.status_code == 403 and PHONE not in response.get_data(as_text=True)
    assert _contacts(db) == []


def test_an_anonymous_author_has_no_phone_to_show(db, world, client, login_as):
    suggestion = _assigned(db, world, world.receive(db))
    login_as(Role.DEPARTMENT, department=world.units[0])
    page = client.get(f"/office/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "查看联系电话" not in page
    response = client.post(f"/office/suggestions/{suggestion.id}/contact")
    assert response.status_code == 409
    assert "没有留下姓名和联系电话" in response.get_data(as_text=True)
    assert _contacts(db) == []
