"""Abuse and odd input get a calm answer (issue 18): each test plays the attack."""

from __future__ import annotations

import io
import zipfile

import pytest

from evaluation.campaign.models import Venue
from evaluation.core.models import AuditEvent, Role
from tests.conftest import TEST_PASSWORD, assert_form_reshown
from tests.evaluation.test_imports import _upload, _xlsx

OFF_SITE = ["/%09/evil.com", "/%0d/x", "//evil.com", "/\\evil.com", "https://evil.com/", "/%0a/x"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_leads_off_site(client, target):
    response = client.get(f"/lang/en?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_language_switch_keeps_a_path_on_this_site(client):
    response = client.get("/lang/en?next=/suggestions/%3Fpage%3D2")
    assert response.headers["Location"] == "/suggestions/?page=2"


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_never_leads_off_site(client, factory, db, target):
    user = factory.user(Role.SUPERVISION)
    db.session.commit()
    response = client.post(
        f"/login?next={target}", data={"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/office/supervision"


@pytest.mark.parametrize("name", ["r²", "c¹", "r١", "c٣"])
def test_a_ballot_field_with_an_odd_digit_is_ignored_not_a_500(client, election, db, name):
    from ballots.models import PendingBallot

    data = election.full_ballot() | {name: "x"}
    response = client.post(f"/v/{election.cards[0].token}", data=data)
    assert response.status_code == 200  # a field that names no department is no choice
    assert db.session.query(PendingBallot).count() == 1


def _truncated_xlsx() -> bytes:
    """A real workbook whose sheet's XML is cut in the middle."""
    good = _xlsx([["名称", "类型", "区市", "容量"], ["市级主会场", "主会场", "", "100"]])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (60 * 2**20))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [(_truncated_xlsx, 400, "无法读取该 XLSX"), (_zip_bomb, 413, "解压后超过")],
    ids=["truncated", "zip-bomb"],
)
def test_a_damaged_or_exploding_xlsx_is_refused_and_imports_nothing(
    client, factory, login_as, db, content, status, message
):
    factory.campaign()
    login_as(Role.ADMIN)
    before = db.session.query(AuditEvent).count()
    response = _upload(client, "venues", content(), "venues.xlsx")
    assert response.status_code == status and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Venue).count() == 0
    assert db.session.query(AuditEvent).count() == before


def test_a_damaged_attendance_xlsx_is_refused(client, election, login_as, db):
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    response = client.post(
        f"/office/ballots/{election.box.id}/attendance/import",
        data={"file": (io.BytesIO(_truncated_xlsx()), "people.xlsx")},
        content_type="multipart/form-data",
    )
    assert_form_reshown(response, "无法读取该 XLSX", status=400)


def test_pages_that_show_secrets_are_never_stored_by_a_browser(client, election, login_as, db):
    receipt = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    assert receipt.status_code == 200 and receipt.headers["Cache-Control"] == "no-store"
    assert client.get(f"/v/{election.cards[1].token}").headers["Cache-Control"] == "no-store"
    assert client.get("/suggestions/track").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    login_as(Role.ADMIN)
    sheet = client.post(
        f"/office/ballots/{election.box.id}/cards", data={"count": "2", "base_url": "http://x"}
    )
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    assert client.get("/office/ballots/").headers["Cache-Control"] == "no-store"
    assert client.get("/static/style.css").headers.get("Cache-Control") != "no-store"
    assert "Strict-Transport-Security" not in client.get("/").headers  # development: no TLS


def test_production_pages_demand_https(tmp_path):
    from evaluation.shell.app import create_app
    from tests.evaluation.test_security import STRONG_KEY

    app = create_app(
        {
            "ENV_NAME": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
            "SECRET_KEY": STRONG_KEY,
            "AUDIT_KEY": STRONG_KEY + "h",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_exported_text_never_becomes_a_formula():
    from openpyxl import Workbook

    from evaluation.core.spreadsheets import append_text_safe, csv_row

    formula = '=HYPERLINK("http://x")'
    row = [formula, "+1", "-2", "@a", "\tx", "市财政局", -3.5, None]
    assert csv_row(row) == ["'" + formula, "'+1", "'-2", "'@a", "'\tx", "市财政局", -3.5, ""]
    sheet = Workbook().active
    append_text_safe(sheet, ["=1+1", "市财政局", 2])
    assert [c.data_type for c in sheet[1]] == ["s", "s", "n"]
    assert sheet["A1"].value == "=1+1"


def _logged_in_copy(client, app, user):
    """Log in through the form and return a second client holding a copy of the cookie."""
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, client, factory, db):
    user = factory.user(Role.SUPERVISION)
    db.session.commit()
    thief = _logged_in_copy(client, app, user)
    assert thief.get("/office/supervision").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/office/supervision").status_code == 302  # to the login page
    assert "/login" in thief.get("/office/supervision").headers["Location"]


def test_a_new_password_or_a_deactivation_ends_every_session(app, client, factory, db):
    user = factory.user(Role.STATISTICS)
    db.session.commit()
    thief = _logged_in_copy(client, app, user)
    assert thief.get("/office/statistics").status_code == 200
    user.set_password("a brand new password 2026")
    db.session.commit()
    assert thief.get("/office/statistics").status_code == 302
    assert client.get("/office/statistics").status_code == 302
    again = app.test_client()
    login = again.post(
        "/login", data={"username": user.username, "password": "a brand new password 2026"}
    )
    assert login.status_code == 302 and again.get("/office/statistics").status_code == 200
    user.active = False
    db.session.commit()
    assert again.get("/office/statistics").status_code == 302


def test_a_back_office_session_ends_after_a_working_day_without_a_request(
    app, client, factory, db, monkeypatch
):
    import time

    from itsdangerous.timed import TimestampSigner

    user = factory.user(Role.ADMIN)
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert client.get("/office/admin").status_code == 200
    seven_hours_on = int(time.time()) + 7 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: seven_hours_on)
    assert client.get("/office/admin").status_code == 200  # and the cookie is signed anew
    nine_hours_idle = seven_hours_on + 9 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: nine_hours_idle)
    assert client.get("/office/admin").status_code == 302


def test_a_phone_guessing_cards_never_stops_real_cards_at_its_address(make_app, election):
    app = make_app(VOTE_GUESS_LIMIT="5 per minute")
    phone = app.test_client()
    for i in range(5):
        assert phone.get(f"/v/guess-{i}").status_code == 404
    assert phone.post("/v/guess-5", data=election.full_ballot()).status_code == 429
    neighbour = app.test_client()  # the same venue Wi-Fi address
    card = election.cards[0]
    assert neighbour.get(f"/v/{card.token}").status_code == 200
    assert neighbour.post(f"/v/{card.token}", data=election.full_ballot()).status_code == 200
    assert neighbour.get(f"/v/{card.token}").status_code == 409  # used: its own page, no 429


def _bad(client, username, address="127.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": "wrong"},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def _login_limited_app(make_app, per_username: str, per_ip: str):
    """An app whose login limits are these, on the test run's limiter storage (Redis in CI)."""
    import uuid

    from tests.evaluation.test_security import LIMITER_STORAGE

    return make_app(
        RATELIMIT_STORAGE_URI=LIMITER_STORAGE,
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
        LOGIN_LIMIT_PER_USERNAME=per_username,
        LOGIN_LIMIT_PER_IP=per_ip,
    )


def test_nobody_elsewhere_can_lock_an_official_out(make_app, factory, db):
    app = _login_limited_app(make_app, "5 per minute;20 per hour", "20 per minute")
    with app.app_context():
        user = factory.user(Role.SUPERVISION, username="supervision")
        db.session.commit()
        client = app.test_client()
        attacker = [_bad(client, "supervision", f"10.66.0.{i % 3}") for i in range(25)]
        assert attacker.count(429) > 0  # the attacker is slowed down, at their addresses
        real = client.post(
            "/login",
            data={"username": "Supervision", "password": TEST_PASSWORD},
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
        )
        assert real.status_code == 302 and real.headers["Location"] == "/office/supervision"
        assert user.username == "supervision"


def test_others_mistakes_at_a_shared_address_never_refuse_the_right_password(make_app, factory, db):
    app = _login_limited_app(make_app, "100 per minute", "3 per minute")
    with app.app_context():
        user = factory.user(Role.VENUE_STAFF)
        db.session.commit()
        client = app.test_client()
        assert [_bad(client, f"someone{i}") for i in range(5)] == [401, 401, 401, 429, 429]
        own = _bad(client, user.username)
        assert own == 429  # a wrong password here is slowed down, and says for how long
        right = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
        assert right.status_code == 302
