"""A citizen's suggestion from the phone form to a public reply and a rating, in Chromium."""

import re

from evaluation.campaign.models import Phase
from evaluation.core.extensions import db
from evaluation.core.models import Role, User
from suggestions import routing
from tests.browser.conftest import screenshot
from tests.browser.test_foundation_pages import _fits_the_screen
from tests.browser.test_reports import _log_in
from tests.conftest import Factory

PHONE_NUMBER = "13812345678"


def _world(app) -> None:
    """A reporting campaign with two units, a category, a routing rule and the office users."""
    with app.app_context():
        factory = Factory(db.session)
        campaign = factory.campaign(phase=Phase.REPORTING)
        group = factory.group(campaign)
        traffic = factory.department(campaign, "JT", group)
        traffic.name, traffic.short_name = "市交通运输局", "交通运输局"
        factory.department(campaign, "JY", group)
        routing.add_category(db.session, campaign, "服务型政府建设", "test")
        routing.add_rule(db.session, campaign, None, "公交", traffic.id, "test")
        for username, role, unit in (("admin", Role.ADMIN, None), ("jt", Role.DEPARTMENT, traffic)):
            user = User(username=username, role=role.value, department=unit)
            user.set_password("sanmin-demo")
            db.session.add(user)
        db.session.commit()
        db.session.remove()


PDF = b"%PDF-1.4\n% the timetable with six more morning buses\n%%EOF\n"


def test_a_suggestion_goes_from_the_phone_to_a_public_reply_and_a_rating(
    live_server, phone, browser
):
    base, app = live_server
    _world(app)
    phone.goto(base + "/suggestions/new")
    assert _fits_the_screen(phone)
    phone.fill("input[name=author_name]", "王小明")
    phone.fill("input[name=author_phone]", PHONE_NUMBER)
    phone.select_option("select[name=category]", label="服务型政府建设")
    phone.fill("textarea[name=text]", "建议增开早高峰从城阳到市区的公交班次，等车时间太长。")
    screenshot(phone, f"suggestion-form-360-{phone.js_label}")
    phone.click("button:has-text('提交')")
    body = phone.inner_text("body")
    assert "提交成功" in body
    code = re.search(r"[2-9A-Z]{10}", phone.inner_text(".receipt")).group(0)
    screenshot(phone, f"suggestion-submitted-360-{phone.js_label}")
    assert all(url.startswith(base) for url in phone.requests_seen)

    office = _log_in(browser, base, "admin")
    office.goto(base + "/office/suggestions/")
    office.click("a:has-text('No.1')")
    assert office.input_value("select[name=lead_unit]")  # the rule proposed a unit
    office.click("button:has-text('交办')")
    assert "已交办" in office.inner_text("body")
    office.context.close()

    unit = _log_in(browser, base, "jt")
    unit.goto(base + "/office/suggestions/")
    assert "No.1" in unit.inner_text("body") and PHONE_NUMBER not in unit.content()
    unit.click("a:has-text('No.1')")
    reason = unit.locator("form.reply-form textarea[name=reason]")
    reason.wait_for(state="hidden")  # asked only when declining (waits for the page's style)
    unit.select_option("select[name=category]", label="不予采纳")
    reason.wait_for(state="visible")
    unit.select_option("select[name=category]", index=0)
    unit.click("button:has-text('查看联系电话')")  # 先沟通后答复: shown on request, recorded
    assert PHONE_NUMBER in unit.inner_text("body") and "已记入操作日志" in unit.inner_text("body")
    unit.fill("textarea[name=text]", "已调整线路运力，下周一起早高峰加开 6 个班次。")
    unit.click("button:has-text('提交审核')")  # without saying what the unit does with it
    assert "请选择答复类别" in unit.inner_text("body")
    assert "加开 6 个班次" in unit.input_value("textarea[name=text]")  # nothing typed is lost
    unit.select_option("select[name=category]", label="已采纳")
    unit.set_input_files(
        "input[name=attachment]",
        files=[{"name": "加开班次方案.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    unit.click("button:has-text('提交审核')")
    assert "等待审核" in unit.inner_text("body")
    unit.context.close()

    office = _log_in(browser, base, "admin")
    office.goto(base + "/office/suggestions/1")
    office.click("button:has-text('同意发布')")
    assert "答复已发布" in office.inner_text("body")
    office.context.close()

    phone.goto(base + "/suggestions/track")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=phone]", PHONE_NUMBER)
    phone.click("button:has-text('查询')")
    assert "加开 6 个班次" in phone.inner_text("body") and "已采纳" in phone.inner_text("body")
    assert phone.locator("a", has_text="加开班次方案.pdf").count() == 1  # the reply's document
    phone.check("input[value=satisfied]")
    phone.click("button:has-text('提交评价')")
    assert "感谢您的评价" in phone.inner_text("body")
    assert _fits_the_screen(phone)
    screenshot(phone, f"suggestion-tracked-360-{phone.js_label}")

    phone.goto(base + "/suggestions/")
    board = phone.content()
    assert "No.1" in board and PHONE_NUMBER not in board and "王小明" not in board
    assert _fits_the_screen(phone)
    screenshot(phone, f"suggestion-board-360-{phone.js_label}")
    phone.goto(base + "/suggestions/units")
    assert "100.0%" in phone.inner_text("body")  # answered on time, rated satisfied
    screenshot(phone, f"suggestion-units-360-{phone.js_label}")


def test_choosing_anonymous_hides_the_name_and_phone_fields(live_server, phone):
    base, app = live_server
    _world(app)
    phone.goto(base + "/suggestions/new")
    assert phone.is_visible("input[name=author_name]")
    assert phone.is_visible("input[name=author_phone]")
    phone.check("input[name=identity][value=anonymous]")
    assert not phone.is_visible("input[name=author_name]")
    assert not phone.is_visible("input[name=author_phone]")
    assert not phone.is_visible("input[name=name_consent]")
    screenshot(phone, f"suggestion-form-anonymous-360-{phone.js_label}")
    phone.check("input[name=identity][value=real]")
    assert phone.is_visible("input[name=author_phone]")
