"""The public home page and the back office in Chromium at 360 px, JavaScript on and off."""

import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from evaluation.core.extensions import db
from tests.browser.conftest import screenshot

_DEMO_CACHE: dict[str, Path] = {}


def _build_demo(app):
    """The demo in this test's database. On SQLite it is built once per run and copied after."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    on_sqlite = url.get_backend_name() == "sqlite"
    with app.app_context():
        if on_sqlite and "demo" in _DEMO_CACHE:
            db.engine.dispose()
            target = sqlite3.connect(url.database)
            source = sqlite3.connect(_DEMO_CACHE["demo"])
            source.backup(target)  # the whole database, replacing the empty one
            source.close()
            target.close()
            return
        result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        if on_sqlite:
            cache = Path(tempfile.mkdtemp(prefix="sanmin-demo-")) / "demo.sqlite3"
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(cache)
            source.backup(target)
            source.close()
            target.close()
            _DEMO_CACHE["demo"] = cache


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_home_page_on_a_phone_shows_the_campaign_without_leaving_the_server(live_server, phone):
    base, app = live_server
    _build_demo(app)
    phone.goto(base + "/")
    assert "向市民报告、听市民意见、请市民评议" in phone.title()
    body = phone.inner_text("body")
    assert "述职评议阶段" in body and "第1组" in body and "第4组" in body
    assert "市级主会场" in body and "莱西市分会场" in body
    assert _fits_the_screen(phone)
    assert all(url.startswith(base) or url.startswith("data:") for url in phone.requests_seen)
    screenshot(phone, f"home-360-{phone.js_label}")


def test_admin_logs_in_and_moves_the_phase_with_javascript_off(live_server, browser):
    base, app = live_server
    _build_demo(app)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/login")
    screenshot(page, "login-360")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "sanmin-demo")
    page.click("button[type=submit]")
    assert page.url == base + "/office/admin"
    assert "57" in page.inner_text(".stats") and "13" in page.inner_text(".stats")
    screenshot(page, "admin-home-360")
    page.select_option("select[name=target]", "handling")
    page.click("text=变更阶段")
    assert "活动阶段已更新" in page.inner_text("body")
    assert "整改落实与总结阶段" in page.inner_text("body")
    page.goto(base + "/office/departments")
    assert page.locator("table tbody tr").count() == 57
    screenshot(page, "admin-departments-360")
    page.goto(base + "/office/import/departments")
    screenshot(page, "admin-import-360")
    context.close()
