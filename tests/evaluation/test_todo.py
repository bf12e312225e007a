"""Each role's home page starts with what waits for it (待办), counted from the rooms' data and
linking to where the work is done; on the demo campaign, as each role would open it."""

import re

from sqlalchemy import func, select

from ballots.lifecycle import move_box
from ballots.models import BoxState
from evaluation.campaign.models import Campaign, Department
from evaluation.core.models import Role
from evaluation.shell.demo import demo_box
from suggestions import board as boards
from suggestions.board import WarningLevel
from suggestions.models import Status, Suggestion
from tests.browser.test_foundation_pages import _build_demo


def _todos(client, url: str) -> dict[str, tuple[str | None, str]]:
    """The to-do list of a home page: text → (count, link)."""
    page = client.get(url).get_data(as_text=True)
    section = page[page.index('class="card todo"') :]
    section = section[: section.index("</section>")]
    items = re.findall(
        r'<li[^>]*><a href="([^"]+)">([^<]+)</a>(?: <span class="count">(\d+)</span>)?</li>',
        section,
    )
    assert items or "暂无待办事项" in section
    return {text: (count or None, link) for link, text, count in items}


def test_every_role_sees_what_waits_for_it_first(app, client, db, login_as):
    _build_demo(app)
    campaign = db.session.execute(select(Campaign)).scalar_one()
    received = db.session.execute(
        select(func.count()).where(Suggestion.status == Status.RECEIVED)
    ).scalar_one()

    login_as(Role.ADMIN)
    admin = _todos(client, "/office/admin")
    (triage,) = [k for k in admin if k.startswith("意见建议待分办")]
    assert admin[triage] == (str(received), "/office/suggestions/#triage")

    box = demo_box(db.session)
    login_as(Role.VENUE_STAFF, venue=box.venue)
    venue = _todos(client, "/office/venue")
    assert any(
        "投票进行中" in text and link == f"/office/ballots/{box.id}"
        for text, (_n, link) in venue.items()
    )

    login_as(Role.STATISTICS)
    assert _todos(client, "/office/statistics")["尚未封箱的投票箱"][0] == "1"

    login_as(Role.SUPERVISION)
    assert not any("待核验封箱" in text for text in _todos(client, "/office/supervision"))
    move_box(db.session, box, BoxState.CLOSED, None)
    db.session.commit()
    supervision = _todos(client, "/office/supervision")
    (waiting,) = [t for t in supervision if "已关箱，待核验封箱" in t]
    assert supervision[waiting][1] == f"/office/ballots/{box.id}"

    bounds = boards.warning_bounds(db.session)
    for unit in db.session.execute(
        select(Department).where(Department.campaign_id == campaign.id)
    ).scalars():
        overdue = sum(
            1
            for item, level in boards.unit_queue(db.session, unit, bounds)
            if level == WarningLevel.RED
            and item.status in boards.OPEN_STATUSES
            and item.lead_unit_id == unit.id
        )
        if overdue:
            break
    login_as(Role.DEPARTMENT, department=unit)
    department = _todos(client, "/office/department")
    assert department["意见建议已超期未答复"] == (str(overdue), "/office/suggestions/")

    login_as(Role.REVIEWER)
    _todos(client, "/office/reviews")  # renders, with its list or 暂无待办事项


def test_the_admin_is_told_when_the_holiday_calendar_does_not_know_the_coming_year(
    client, factory, db, login_as, monkeypatch
):
    import datetime as dt

    from suggestions import routing

    factory.campaign()
    db.session.commit()
    login_as(Role.ADMIN)
    monkeypatch.setattr(routing, "beijing_today", lambda: dt.date(2026, 12, 20))
    (item,) = [t for t in _todos(client, "/office/admin") if "节假日数据缺少" in t]
    assert "2027" in item and "chinesecalendar" in item
    monkeypatch.setattr(routing, "beijing_today", lambda: dt.date(2026, 6, 1))
    assert not any("节假日数据缺少" in t for t in _todos(client, "/office/admin"))
