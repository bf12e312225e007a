"""`sanmin demo` builds the real event's shape, idempotently, with a working login per role."""

from evaluation.extensions import db as _db
from evaluation.models import AuditEvent, Campaign, Department, Group, Meeting, User, Venue


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
    assert session.query(User).count() == 6
    assert session.query(Campaign).one().phase == "reporting"
    assert "password for every demo login: sanmin-demo" in first.output
    events = session.query(AuditEvent).count()

    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    session.expire_all()
    assert session.query(Department).count() == 57
    assert session.query(Venue).count() == 13
    assert session.query(User).count() == 6
    assert session.query(AuditEvent).count() == events


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
