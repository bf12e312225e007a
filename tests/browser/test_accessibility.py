"""The citizen's pages meet WCAG 2.1 AA as axe-core checks it (no serious or critical
violation): axe-core is injected by Playwright into Debian's Chromium, at phone size, on the
demo campaign, from the home page to the vote, the receipt, a survey, a suggestion and its
tracking, and the released results."""

import re

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from analysis.services import countersign, release, run_tally, sign_off
from ballots.lifecycle import move_box
from ballots.models import BoxState
from evaluation.campaign.services import require_campaign
from evaluation.core.extensions import db
from evaluation.core.models import User
from evaluation.shell.demo import demo_box
from tests.browser.conftest import PHONE
from tests.browser.test_voting import _demo_card_urls
from tests.conftest import seal

SERIOUS = ("serious", "critical")
AXE = Axe()


def _violations(page) -> list[str]:
    found = AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}: {v['help']}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def _check(page, url: str) -> None:
    page.goto(url)
    assert _violations(page) == [], url


def _release_the_demo(app) -> None:
    with app.app_context():
        box = demo_box(db.session)
        move_box(db.session, box, BoxState.CLOSED, None)
        seal(db.session, box)
        users = {u.username: u for u in db.session.execute(select(User)).scalars()}
        run = run_tally(db.session, require_campaign(db.session), users["statistics"])
        sign_off(db.session, run, users["statistics"])
        countersign(db.session, run, users["supervision"])
        release(db.session, run, users["admin"])
        db.session.commit()
        db.session.remove()


def test_the_citizen_pages_have_no_serious_accessibility_violations(live_server, browser):
    base, app = live_server
    card = _demo_card_urls(app, base)[2]
    page = browser.new_context(viewport=PHONE).new_page()
    for path in ("/", "/departments/D01", "/suggestions/", "/suggestions/new", "/boxes/"):
        _check(page, base + path)

    _check(page, card)  # the ballot
    fieldsets = page.locator("fieldset.rate")
    for i in range(fieldsets.count()):
        fieldsets.nth(i).locator("label.choice").first.click()
    page.click("button[type=submit]")
    assert "投票成功" in page.inner_text("h1")
    assert _violations(page) == [], "the receipt"
    survey = page.get_attribute("a:has-text('填写问卷')", "href")
    _check(page, base + survey)  # the questionnaire

    page.goto(base + "/suggestions/new")
    page.check("input[name=identity][value=anonymous]")
    page.fill("textarea[name=text]", "建议在地铁站出口增设共享单车停放点，方便换乘。")
    page.click("button:has-text('提交')")
    code = re.search(r"[A-Z0-9]{10}", page.inner_text(".tracking, .card")).group(0)
    assert _violations(page) == [], "the suggestion submitted"
    page.goto(base + "/suggestions/track")
    assert _violations(page) == [], "the tracking form"
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    assert "办理进度" in page.inner_text("h1") and "共享单车" in page.inner_text("body")
    assert _violations(page) == [], "the tracked suggestion"

    _release_the_demo(app)
    for path in ("/results/", "/results/?group=1", "/results/departments/D01"):
        _check(page, base + path)
