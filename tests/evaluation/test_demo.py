"""`sanmin demo` builds the real event's shape, idempotently, with a working login per role."""

import datetime as dt

import pytest

from ballots.models import BallotBox
from evaluation.campaign.models import Campaign, Department, Group, Meeting, Venue
from evaluation.core.clock import beijing_date, beijing_today
from evaluation.core.extensions import db as _db
from evaluation.core.models import AuditEvent, User
from evaluation.shell.demo import DEMO_USERS, demo_calendar
from suggestions import routing, similar
from suggestions.board import WarningLevel, warning_bounds
from suggestions.models import Channel, Status, Suggestion
from tests.conftest import on_postgresql

# `sanmin demo` is the embedded-SQLite walk-through (README); building it on PostgreSQL takes
# minutes, and every code path it uses is tested on PostgreSQL by the packages' own tests.
pytestmark = pytest.mark.skipif(on_postgresql(), reason="the demo runs on SQLite")


def test_demo_builds_the_event_and_running_it_again_changes_nothing(app, runner):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    session = _db.session
    assert session.query(Department).count() == 57
    groups = session.query(Group).order_by(Group.number).all()
    assert [len(g.departments) for g in groups] == [14, 14, 13, 13]
    assert session.query(Department).filter_by(evaluation_mode="internal").count() == 3
    venues = session.query(Venue).all()
    assert len(venues) == 13
    assert sorted(v.capacity for v in venues) == [100] + [200] * 12
    assert session.query(Meeting).count() == 4
    assert all(m.date.weekday() < 5 for m in session.query(Meeting))
    assert session.query(User).count() == len(DEMO_USERS) == 8
    assert session.query(Campaign).one().phase == "reporting"
    assert "password for every demo login: sanmin-demo" in first.output
    suggestions = session.query(Suggestion).all()
    assert len(suggestions) >= 300
    assert {s.channel for s in suggestions} == {c.value for c in Channel}
    assert {s.status for s in suggestions} == {s.value for s in Status}
    bounds = warning_bounds(session)
    levels = {bounds.level(s) for s in suggestions}
    assert {WarningLevel.RED, WarningLevel.BLUE} <= levels
    if routing.work_calendar(session).is_working_day(bounds.today):
        assert WarningLevel.YELLOW in levels
    _dates_hang_together(session, suggestions)
    # Results at work: the plan's two versions; three past years archived, one of them
    # under another scheme, with a department renamed and two merged since.
    from analysis.models import ArchivedYear, CodeChange
    from assessment.models import AssessmentPlan

    assert [p.version for p in session.query(AssessmentPlan).order_by("version")] == [1, 2]
    years = {a.year: a for a in session.query(ArchivedYear)}
    this_year = session.query(Campaign).one().year
    assert sorted(years) == [this_year - 3, this_year - 2, this_year - 1]
    assert years[this_year - 3].w_basic != years[this_year - 1].w_basic
    assert all(len(a.results) >= 54 for a in years.values())
    assert session.query(CodeChange).count() == 3
    events = session.query(AuditEvent).count()

    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    session.expire_all()
    assert session.query(Department).count() == 57
    assert session.query(Venue).count() == 13
    assert session.query(User).count() == len(DEMO_USERS) == 8
    assert session.query(AuditEvent).count() == events


def _dates_hang_together(session, suggestions) -> None:
    """No sealed box for a meeting still to come; nothing handled before it arrived; a reply
    approved on the day it counts as answered; a duplicate merged into one on its topic."""
    today = beijing_today()
    sealed = session.query(BallotBox).filter_by(state="sealed").all()
    assert sealed and all(b.meeting.date < today for b in sealed if b.meeting)
    merged = 0
    for s in suggestions:
        arrived = beijing_date(s.created_at)
        assert s.assigned_on is None or s.assigned_on >= arrived
        if s.answered_on:
            first = next(r for r in s.replies if r.state == "approved" and not r.follow_up)
            assert beijing_date(first.approved_at) == s.answered_on >= s.assigned_on
            assert first.feedback_at is None or first.feedback_at >= first.approved_at
        if s.status == "merged":
            merged += 1
            assert s.merged_into.lead_unit_id == s.lead_unit_id
            text = similar.bigrams(s.text), similar.bigrams(s.merged_into.text)
            assert similar.likeness(*text) >= similar.MIN_LIKENESS
    assert merged


@pytest.mark.parametrize(
    "today", [dt.date(2026, 12, 5), dt.date(2026, 11, 1), dt.date(2027, 3, 10)]
)
def test_the_demo_calendar_has_its_meetings_behind_it_on_weekdays(today):
    calendar = demo_calendar(today)
    assert all(day < today and day.weekday() < 5 for day in calendar.meetings)
    assert calendar.meetings == sorted(calendar.meetings)
    assert (
        calendar.preparation_starts
        < calendar.reporting_starts
        <= calendar.meetings[0]
        < calendar.handling_starts
        < calendar.closes_on
    )
    assert calendar.reporting_starts <= today < calendar.handling_starts + dt.timedelta(days=1)


def test_every_demo_login_lands_on_its_role_page_in_chinese(app, runner, client):
    runner.invoke(args=["demo", "--no-serve"])
    expected = {
        "admin": "/office/admin",
        "department": "/office/department",
        "venue": "/office/venue",
        "supervision": "/office/supervision",
        "statistics": "/office/statistics",
        "reviewer": "/office/reviews",
    }
    for username, home in expected.items():
        response = client.post("/login", data={"username": username, "password": "sanmin-demo"})
        assert response.headers["Location"] == home
        page = client.get(home)
        assert page.status_code == 200
        assert "退出登录" in page.get_data(as_text=True)
        client.post("/logout")
    home_page = client.get("/").get_data(as_text=True)
    assert "市发展和改革委员会" in home_page and "莱西市分会场" in home_page


def test_every_page_renders_for_every_role_on_the_demo_data(app, runner, client, db):
    """A sweep of all GET routes with real demo ids: no page may fail on real-shaped data."""
    from ballots.models import BallotBox

    runner.invoke(args=["demo", "--no-serve"])
    ids = {
        "group_id": db.session.query(Group).first().id,
        "department_id": db.session.query(Department)
        .filter_by(evaluation_mode="internal")
        .first()
        .id,
        "venue_id": db.session.query(Venue).first().id,
        "meeting_id": db.session.query(Meeting).first().id,
        "user_id": db.session.query(User).first().id,
        "kind": "venues",
        "code": "en",
        "token": "unknown",
    }
    box_ids = [b.id for b in db.session.query(BallotBox)]
    for username in ("admin", "department", "venue", "supervision", "statistics", "reviewer"):
        client.post("/login", data={"username": username, "password": "sanmin-demo"})
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            for box_id in box_ids if "box_id" in rule.arguments else [None]:
                values = {k: ids.get(k, box_id or 1) for k in rule.arguments}
                url = rule.build(values, append_unknown=False)[1]
                status = client.get(url).status_code
                assert status < 500, f"{username} GET {url} -> {status}"
        client.post("/logout")


def test_the_demo_walked_through_holds_released_results_an_appeal_and_points(app, runner):
    from analysis.models import Appeal, ResultRun
    from assessment.models import PointsRun
    from tests.browser.test_foundation_pages import _build_demo

    _build_demo(app)
    result = runner.invoke(args=["demo", "--no-serve", "--released"])
    assert result.exit_code == 0, result.output
    assert "results released" in result.output and "/v/" not in result.output
    session = _db.session
    session.expire_all()
    assert [r.state for r in session.query(ResultRun)] == ["released"]
    (appeal,) = session.query(Appeal).all()
    assert appeal.state == "filed" and appeal.department.code == "D03"
    assert session.query(PointsRun).one().state == "draft"
    again = runner.invoke(args=["demo", "--no-serve", "--released"])
    assert again.exit_code == 0, again.output
    session.expire_all()
    assert session.query(Appeal).count() == 1 and session.query(PointsRun).count() == 1
