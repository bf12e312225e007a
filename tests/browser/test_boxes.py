"""Sealing with two key holders, and the public box index and minutes, in Chromium at 360 px."""

from ballots.keys import DEMO_PASSPHRASES
from ballots.models import KeyHolderRole
from evaluation.core.extensions import db
from evaluation.shell.demo import demo_box
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_foundation_pages import _build_demo, _fits_the_screen
from tests.browser.test_reports import _log_in


def test_two_holders_seal_the_box_and_anyone_reads_its_minutes_on_a_phone(live_server, browser):
    base, app = live_server
    _build_demo(app)
    with app.app_context():
        box_id = demo_box(db.session).id
        db.session.remove()

    venue = _log_in(browser, base, "venue")
    venue.goto(f"{base}/office/ballots/{box_id}")
    venue.click("a:has-text('关箱')")
    assert "此操作不可撤销" in venue.inner_text("body")  # the step, showing the box
    screenshot(venue, "box-close-step-360")
    venue.click("button:has-text('确认关箱')")
    assert "已关箱" in venue.inner_text("body")
    venue.context.close()

    supervision = _log_in(browser, base, "supervision")
    supervision.goto(f"{base}/office/ballots/keys")
    assert "已设置" in supervision.inner_text("body")
    assert _fits_the_screen(supervision)
    screenshot(supervision, "ballot-keys-360")
    supervision.goto(f"{base}/office/ballots/{box_id}")
    supervision.click("a:has-text('核验并封箱')")
    supervision.fill("input[name=first_passphrase]", "not the passphrase")
    supervision.fill("input[name=second_passphrase]", DEMO_PASSPHRASES[KeyHolderRole.STATISTICS])
    supervision.fill("input[name=typed]", str(box_id))
    assert _fits_the_screen(supervision)
    screenshot(supervision, "box-seal-form-360")
    supervision.click("button:has-text('确认封箱')")
    assert "口令不正确" in supervision.inner_text("body")
    assert supervision.input_value("input[name=typed]") == str(box_id)  # kept
    supervision.fill("input[name=first_passphrase]", DEMO_PASSPHRASES[KeyHolderRole.SUPERVISION])
    supervision.fill("input[name=second_passphrase]", DEMO_PASSPHRASES[KeyHolderRole.STATISTICS])
    supervision.click("button:has-text('确认封箱')")
    body = supervision.inner_text("body")
    assert "已封箱" in body and "封箱记录" in body
    supervision.click("button:has-text('确认封箱记录')")
    assert "已确认" in supervision.inner_text("body")
    supervision.context.close()

    phone = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    seen = []
    phone.on("request", lambda r: seen.append(r.url))
    phone.goto(base + "/boxes/")
    body = phone.inner_text("body")
    assert "投票箱公示" in body and "市级主会场" in body and "计票哈希" in body
    assert _fits_the_screen(phone)
    assert all(url.startswith(base) for url in seen)
    screenshot(phone, "boxes-index-360")
    phone.goto(f"{base}/boxes/{box_id}/minutes")
    body = phone.inner_text("body")
    assert "封箱记录" in body and "相符" in body and "零票报告" in body
    assert _fits_the_screen(phone)
    screenshot(phone, "box-minutes-360")
    phone.context.close()
