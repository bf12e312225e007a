"""Scan to vote on a phone: the card's URL, a missed choice fixed, the receipt, the used card."""

import pytest

from ballots.models import PendingBallot
from evaluation.core.extensions import db
from tests.browser.conftest import screenshot
from tests.browser.test_foundation_pages import _build_demo

MAX_VOTING_PAGE_BYTES = 30 * 1024


def _demo_card_urls(app, base):
    _build_demo(app)
    with app.app_context():
        from evaluation.shell.demo import demo_cards

        box, cards = demo_cards(db.session)
        db.session.commit()
        db.session.remove()
    return [f"{base}/v/{c.token}" for c in cards]


def test_a_representative_votes_on_a_phone(live_server, phone):
    base, app = live_server
    url = _demo_card_urls(app, base)[0]
    with app.app_context():
        before = db.session.query(PendingBallot).count()  # the open demo box's sealed pool
    sizes = []
    phone.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    phone.goto(url)
    assert "无记名评议票" in phone.inner_text("h1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert sum(sizes) <= MAX_VOTING_PAGE_BYTES, sizes
    assert all(u.startswith(base) or u.startswith("data:") for u in phone.requests_seen)
    screenshot(phone, f"vote-360-{phone.js_label}")

    fieldsets = phone.locator("fieldset.rate")
    count = fieldsets.count()
    assert count == 14
    for i in range(count - 1):  # the last department is forgotten
        fieldsets.nth(i).locator("label.choice").nth(i % 4).click()
    phone.click("button[type=submit]")
    assert "还有 1 个部门没有选择" in phone.inner_text("body")
    assert phone.locator("fieldset.rate.missing").count() == 1
    assert phone.locator("input[type=radio]:checked").count() == count - 1
    screenshot(phone, f"vote-missing-360-{phone.js_label}")

    phone.locator("fieldset.rate.missing label.choice").first.click()
    phone.click("button[type=submit]")
    assert "投票成功" in phone.inner_text("h1")
    receipt = phone.inner_text(".receipt")
    assert len(receipt) == 12
    screenshot(phone, f"vote-receipt-360-{phone.js_label}")

    phone.goto(url)
    assert "这张评议卡已经投过票" in phone.inner_text("h1")
    with app.app_context():
        assert db.session.query(PendingBallot).count() == before + 1


def test_a_double_tap_of_submit_shows_the_receipt_not_the_used_card_warning(live_server, phone):
    base, app = live_server
    url = _demo_card_urls(app, base)[1]
    with app.app_context():
        before = db.session.query(PendingBallot).count()
    phone.goto(url)
    fieldsets = phone.locator("fieldset.rate")
    for i in range(fieldsets.count()):
        fieldsets.nth(i).locator("label.choice").first.click()
    if phone.js_label == "js-off":
        pytest.skip(
            "without script a page cannot post itself twice; the server side of a "
            "repeated post is tested in tests/invariants (test_the_receipt_kept_…)"
        )
    # Two submissions of the same page, as a double tap on a slow network sends them.
    phone.locator("form.ballot").evaluate("f => { f.requestSubmit(); f.requestSubmit(); }")
    # evaluate() returns before the browser leaves the page: wait for the page that answers.
    phone.locator(".receipt").wait_for()
    body = phone.inner_text("body")
    assert "已经投过票" not in body
    assert "已经收到" in body or "投票成功" in body
    assert len(phone.inner_text(".receipt")) == 12
    screenshot(phone, f"vote-again-360-{phone.js_label}")
    with app.app_context():
        assert db.session.query(PendingBallot).count() == before + 1
