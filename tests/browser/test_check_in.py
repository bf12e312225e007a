"""The check-in desk on a phone: a letter's QR code read by the desk's camera finds the
person, one tap checks them in; without a camera-capable browser the desk types the code."""

from sqlalchemy import select

from evaluation.core.extensions import db
from evaluation.shell.demo import demo_box
from representatives.models import Representative
from tests.browser.conftest import PHONE
from tests.browser.test_foundation_pages import _build_demo

# A browser that reads QR codes: a camera (a canvas's stream) and a BarcodeDetector that
# "sees" the letter held up to it.
FAKE_CAMERA = """
window.BarcodeDetector = class {
  constructor(options) { this.formats = options.formats; }
  detect() { return Promise.resolve([{ rawValue: "%s", format: "qr_code" }]); }
};
navigator.mediaDevices.getUserMedia = function () {
  var canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  canvas.getContext("2d").fillRect(0, 0, 64, 48);
  return Promise.resolve(canvas.captureStream(5));
};
"""


def _absent(app) -> tuple[str, str, str]:
    """A demo invitee of the demo box's venue who has not checked in: name, code, desk."""
    with app.app_context():
        box = demo_box(db.session)
        person = (
            db.session.execute(
                select(Representative)
                .where(
                    Representative.meeting_id == box.meeting_id,
                    Representative.venue_id == box.venue_id,
                    Representative.attended.is_(False),
                )
                .order_by(Representative.id)
            )
            .scalars()
            .first()
        )
        found = (person.name, person.invitation_code, f"/office/ballots/{box.id}/attendance")
        db.session.remove()
    return found


def _desk(browser, base: str, script: str | None):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    if script:
        context.add_init_script(script)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "venue")
    page.fill("input[name=password]", "sanmin-demo")
    page.click("button[type=submit]")
    return page


def test_the_desk_camera_reads_a_letter_s_code_and_one_tap_checks_the_person_in(
    live_server, browser
):
    base, app = live_server
    _build_demo(app)
    name, code, url = _absent(app)
    page = _desk(browser, base, FAKE_CAMERA % code)
    page.goto(base + url)
    page.click("button:has-text('用摄像头扫码')")
    page.wait_for_url("**attendance?q=*")
    row = page.locator(".checkins li", has_text=name).first
    with page.expect_navigation():
        row.locator("button:has-text('签到')").click()
    assert "已签到" in page.locator(".checkins li", has_text=name).first.inner_text()
    with app.app_context():
        person = db.session.execute(
            select(Representative).where(Representative.invitation_code == code)
        ).scalar_one()
        assert person.attended
        db.session.remove()
    page.context.close()


def test_without_a_camera_the_desk_offers_no_scan_button_and_the_typed_code_works(
    live_server, browser
):
    base, app = live_server
    _build_demo(app)
    name, code, url = _absent(app)
    page = _desk(browser, base, None)  # Chromium on Linux has no BarcodeDetector
    page.goto(base + url)
    assert page.locator("button:has-text('用摄像头扫码')").count() == 0
    page.fill("input[name=q]", code.lower())
    page.press("input[name=q]", "Enter")
    assert name in page.locator(".checkins").first.inner_text()
    page.context.close()
