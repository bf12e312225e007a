"""A paper ballot keyed in twice, from each venue login's to-do list: the first person types
the digits straight through (the page moves on by itself), the second without JavaScript
(Tab between departments); the two agree and the ballot counts."""

from ballots.models import BallotBox
from ballots.paper import unfinished_entries
from evaluation.core.extensions import db
from evaluation.shell.demo import demo_cards
from tests.browser.conftest import screenshot
from tests.browser.test_foundation_pages import _build_demo
from tests.browser.test_reports import _log_in

DIGITS = "12341234123412"  # the demo box's 14 departments, as the paper says


def test_two_venue_staff_key_a_paper_ballot_from_their_to_do_lists(live_server, browser):
    base, app = live_server
    _build_demo(app)
    with app.app_context():
        box, cards = demo_cards(db.session)
        db.session.commit()
        box_id, short_code = box.id, cards[5].short_code
        db.session.remove()

    first = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = first.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "venue")
    page.fill("input[name=password]", "sanmin-demo")
    page.click("button[type=submit]")
    page.goto(base + "/office/")
    page.click(".todo-list a:has-text('投票进行中')")
    page.click("a:has-text('录入纸质票')")
    assert page.url.endswith(f"/office/ballots/{box_id}/paper")
    page.fill("input[name=short_code]", short_code)
    page.click("input[name^=r] >> nth=0")
    page.keyboard.type(DIGITS, delay=20)  # no Tab: each digit moves on to the next department
    assert page.inner_text(".paper-grid tbody tr:nth-child(2) .said") == "基本满意"
    assert page.evaluate("document.activeElement.type") == "submit"
    screenshot(page, "paper-entry-typed-1366")
    page.keyboard.press("Enter")  # returns before the browser leaves the page: wait for it
    page.get_by_text("第一次录入已保存").wait_for()
    first.close()

    second = _log_in(browser, base, "venue2")  # 360 px, no JavaScript
    second.goto(base + "/office/")
    second.click(".todo-list a:has-text('纸质票待第二人录入')")
    if not second.url.endswith("/paper"):
        second.click("a:has-text('录入纸质票')")
    second.fill("input[name=short_code]", short_code)
    inputs = second.locator(".paper-grid input")
    assert inputs.count() == len(DIGITS)
    for i, digit in enumerate(DIGITS):
        inputs.nth(i).fill(digit if i else "7")  # the first one mistyped: not 1–4
    second.click("button:has-text('保存录入')")
    body = second.inner_text("body")
    assert "没有选择" in body
    assert second.locator(".paper-grid tr.missing").count() == 1  # the mistyped row is marked
    assert second.input_value("input[name=short_code]") == short_code  # what was typed is kept
    assert second.locator(".paper-grid input").nth(1).input_value() == DIGITS[1]
    screenshot(second, "paper-entry-refused-360")
    second.locator(".paper-grid input").nth(0).fill(DIGITS[0])
    second.click("button:has-text('保存录入')")
    assert "两次录入一致，这张纸质票已计入" in second.inner_text("body")
    second.context.close()
    with app.app_context():
        assert unfinished_entries(db.session, db.session.get(BallotBox, box_id)) == 0
