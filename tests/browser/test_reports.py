"""A department's report from draft to the public page, and the venue screen, in Chromium."""

from sqlalchemy import select

from evaluation.campaign.models import Department, Meeting
from evaluation.core.extensions import db
from evaluation.core.models import Role, User
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_foundation_pages import _build_demo, _fits_the_screen

DRAFT_DEPARTMENT = "D02"  # left as a draft by the demo


def _liaison_of_the_draft_department(app) -> str:
    with app.app_context():
        department = db.session.execute(
            select(Department).where(Department.code == DRAFT_DEPARTMENT)
        ).scalar_one()
        user = User(
            username="liaison2",
            role=Role.DEPARTMENT.value,
            display_name="联络员",
            department=department,
        )
        user.set_password("sanmin-demo")
        db.session.add(user)
        db.session.commit()
        name = department.name
        db.session.remove()
    return name


def _log_in(browser, base: str, username: str):
    """A fresh phone-sized browser without JavaScript, logged in as the user."""
    page = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN").new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "sanmin-demo")
    page.click("button[type=submit]")
    return page


def test_a_report_goes_from_draft_to_the_public_page(live_server, browser):
    base, app = live_server
    _build_demo(app)
    name = _liaison_of_the_draft_department(app)
    page = _log_in(browser, base, "liaison2")
    page.goto(base + "/office/reports/mine")
    assert "草稿" in page.inner_text("body")
    page.fill("textarea[name=work]", "- 完成重点项目 **18** 个\n- 新增就业 5200 人")
    page.click("button:has-text('预览')")  # formatted as published, nothing saved
    assert page.locator(".preview-body strong", has_text="18").count() == 1
    assert page.input_value("textarea[name=work]").startswith("- 完成重点项目 **18** 个")
    assert _fits_the_screen(page)
    screenshot(page, "report-preview-360")
    page.click("button:has-text('保存草稿')")
    assert "草稿已保存" in page.inner_text("body")
    assert _fits_the_screen(page)
    screenshot(page, "report-editor-360")
    # Edited after saving and submitted straight away: what is on the screen is submitted.
    page.fill("textarea[name=measures]", "增开三个窗口，全面推行预约办理。")
    page.click("button:has-text('保存并提交审核')")
    assert "报告已保存并提交" in page.inner_text("body")
    assert page.locator("textarea[name=work]").count() == 0  # locked while under review
    assert "增开三个窗口" in page.inner_text("body")  # and the department reads what it sent
    screenshot(page, "report-submitted-360")

    page.context.close()
    page = _log_in(browser, base, "admin")
    page.goto(base + "/office/reports/")
    screenshot(page, "report-overview-360")
    page.locator("tr", has_text=name).get_by_role("link", name="审核").click()
    # A first submission has nothing to compare with; the readable comparison is tested
    # in tests/reports (a paragraph rewritten shows old and new with the changes marked).
    assert "没有可比较的版本" in page.inner_text("body")  # a first submission: nothing to compare
    screenshot(page, "report-review-360")
    page.click("button:has-text('审核通过')")
    page.click("button:has-text('发布')")
    assert "已发布" in page.inner_text("body")
    page.context.close()

    phone = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    seen = []
    phone.on("request", lambda r: seen.append(r.url))
    phone.goto(f"{base}/departments/{DRAFT_DEPARTMENT}")
    body = phone.inner_text("body")
    assert name in body and "完成重点项目 18 个" in body and "发布于" in body
    assert phone.locator(".qr svg").count() == 1
    assert _fits_the_screen(phone)
    assert all(url.startswith(base) for url in seen)
    screenshot(phone, "report-public-360")
    phone.emulate_media(media="print")
    screenshot(phone, "report-public-print")
    phone.context.close()


def test_the_venue_screen_shows_the_reporting_department_large(live_server, browser):
    base, app = live_server
    _build_demo(app)
    with app.app_context():
        meeting_id = db.session.execute(select(Meeting.id).order_by(Meeting.date)).scalars().first()
        db.session.remove()
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.goto(f"{base}/screen/{meeting_id}")
    body = page.inner_text("body")
    assert "正在述职" in body and "下一个" in body
    qr = page.locator(".qr svg").bounding_box()
    assert qr["height"] >= 400  # readable from the back of the hall
    screenshot(page, "venue-screen-1080p")
    page.context.close()
