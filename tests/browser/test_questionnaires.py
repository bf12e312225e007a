"""After voting, a representative answers both questionnaires on a phone; the office builds one."""

from evaluation.core.extensions import db
from questionnaires.models import QuestionnaireResponse
from tests.browser.conftest import screenshot
from tests.browser.test_foundation_pages import _fits_the_screen
from tests.browser.test_reports import _log_in
from tests.browser.test_voting import _demo_card_urls

MAX_PAGE_BYTES = 30 * 1024


def _vote(phone, url: str) -> None:
    phone.goto(url)
    for fieldset in phone.locator("fieldset.rate").all():
        fieldset.locator("label.choice").first.click()
    phone.click("button[type=submit]")
    assert "投票成功" in phone.inner_text("h1")


def _answer_everything(phone) -> None:
    for fieldset in phone.locator("fieldset.rate").all():
        if fieldset.locator("textarea").count():
            fieldset.locator("textarea").fill("希望公交车再准点一些。")
        elif fieldset.locator(".matrix-row").count():
            for row in fieldset.locator(".matrix-row").all():
                row.locator("label").nth(3).click()
        else:
            fieldset.locator("label.choice").first.click()


def test_a_representative_answers_both_questionnaires_after_voting(live_server, phone):
    base, app = live_server
    url = _demo_card_urls(app, base)[0]
    with app.app_context():
        before = db.session.query(QuestionnaireResponse).count()
    _vote(phone, url)
    screenshot(phone, f"questionnaire-receipt-360-{phone.js_label}")
    phone.click("a:has-text('填写问卷')")
    assert "请填写问卷" in phone.inner_text("h1")
    start = phone.url

    sizes = []
    phone.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    phone.click("a:has-text('开始填写') >> nth=0")
    assert "社情民意调查问卷" in phone.inner_text("h1")
    assert sum(sizes) <= MAX_PAGE_BYTES, sizes
    assert _fits_the_screen(phone)
    screenshot(phone, f"questionnaire-social-360-{phone.js_label}")

    _answer_everything(phone)
    phone.locator("fieldset.rate").first.locator("input:checked").evaluate("e => e.checked = false")
    phone.click("button[type=submit]")
    assert "道题需要修改或补答" in phone.inner_text("body")
    assert phone.locator("fieldset.rate.missing").count() == 1
    assert phone.locator("textarea").first.input_value() == "希望公交车再准点一些。"  # kept
    screenshot(phone, f"questionnaire-missing-360-{phone.js_label}")
    phone.locator("fieldset.rate.missing label.choice").first.click()
    phone.click("button[type=submit]")
    assert "问卷已提交" in phone.inner_text("h1")

    phone.goto(start)
    phone.click("a:has-text('开始填写')")
    assert "政风行风问卷" in phone.inner_text("h1")
    assert _fits_the_screen(phone)
    screenshot(phone, f"questionnaire-conduct-360-{phone.js_label}")
    _answer_everything(phone)
    phone.click("button[type=submit]")
    assert "问卷已提交" in phone.inner_text("h1")
    phone.goto(start)
    assert phone.locator(".done-mark").count() == 2
    assert all(u.startswith(base) or u.startswith("data:") for u in phone.requests_seen)
    with app.app_context():
        assert db.session.query(QuestionnaireResponse).count() == before + 2


def test_the_office_previews_a_questionnaire_at_phone_width(live_server, browser):
    base, app = live_server
    _demo_card_urls(app, base)  # builds the demo
    page = _log_in(browser, base, "admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/office/questionnaires/")
    page.click("a:has-text('社情民意调查问卷')")
    frame = page.frame_locator("iframe.phone")
    assert "社情民意调查问卷" in frame.locator("h1").inner_text()
    assert page.locator("iframe.phone").bounding_box()["width"] == 360
    screenshot(page, "questionnaire-office-edit")
    page.click("a:has-text('文字回答')")
    assert page.locator("section.text-answer").count() == 50  # one page of them
    screenshot(page, "questionnaire-office-texts")
    page.context.close()
