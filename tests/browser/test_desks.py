"""Each role's main task, started from the to-do list on its own desk and carried to done, on
a phone without JavaScript, on the demo: the venue closes its box, supervision seals it,
statistics counts and signs, supervision countersigns, the office releases; the office
triages, the unit replies, the office approves; a reviewer scores."""

import datetime as dt

from ballots.keys import DEMO_PASSPHRASES
from ballots.models import KeyHolderRole
from evaluation.core.extensions import db
from evaluation.shell.demo import demo_box
from tests.browser.conftest import screenshot
from tests.browser.test_foundation_pages import _build_demo
from tests.browser.test_reports import _log_in


def _desk(browser, base: str, username: str, todo: str):
    """Log in, land on the desk and follow the to-do item that says `todo`."""
    page = _log_in(browser, base, username)
    page.goto(base + "/office/")
    link = page.locator(".todo-list a", has_text=todo).first
    assert link.count(), f"{username}'s to-do list lacks {todo!r}: {page.inner_text('.todo')}"
    link.click()
    return page


def _done(page, message: str) -> None:
    body = page.inner_text("body")
    assert message in body, body[:2000]


def test_the_ballot_box_goes_from_the_venue_to_released_results_by_the_to_do_lists(
    live_server, browser
):
    base, app = live_server
    _build_demo(app)
    with app.app_context():
        box_id = demo_box(db.session).id
        db.session.remove()

    venue = _desk(browser, base, "venue", "投票进行中，结束后关箱")
    venue.click("a:has-text('关箱')")
    venue.click("button:has-text('确认关箱')")
    _done(venue, "已关箱")
    venue.context.close()

    supervision = _desk(browser, base, "supervision", "已关箱，待核验封箱")
    supervision.click("a:has-text('核验并封箱')")
    supervision.fill("input[name=first_passphrase]", DEMO_PASSPHRASES[KeyHolderRole.SUPERVISION])
    supervision.fill("input[name=second_passphrase]", DEMO_PASSPHRASES[KeyHolderRole.STATISTICS])
    supervision.fill("input[name=typed]", str(box_id))
    supervision.click("button:has-text('确认封箱')")
    _done(supervision, "已封箱")
    supervision.context.close()

    statistics = _desk(browser, base, "statistics", "投票箱已全部封箱，待计票")
    statistics.click("button:has-text('计票')")
    _done(statistics, "计票完成")
    statistics.context.close()
    statistics = _desk(browser, base, "statistics", "计票结果待核对签发")
    statistics.click("a:has-text('签发')")
    statistics.click("button:has-text('确认')")
    _done(statistics, "待监察局会签")
    statistics.context.close()

    supervision = _desk(browser, base, "supervision", "待会签")
    supervision.click("button:has-text('确认')")
    _done(supervision, "会签")
    supervision.context.close()

    admin = _desk(browser, base, "admin", "评议结果已会签，待发布")
    admin.fill("input[name=typed]", str(dt.date.today().year))
    admin.click("button:has-text('确认')")
    _done(admin, "已发布")
    screenshot(admin, "desk-admin-released-360")
    admin.goto(base + "/office/")
    assert "评议结果已会签" not in admin.inner_text(".todo")  # done: off the list
    admin.context.close()


def test_a_suggestion_goes_from_triage_to_an_approved_reply_by_the_to_do_lists(
    live_server, browser
):
    base, app = live_server
    _build_demo(app)

    admin = _desk(browser, base, "admin", "意见建议待分办")
    assert admin.url.endswith("#triage")
    admin.locator("#triage tbody a").first.click()  # the one waiting longest
    admin.click("button:has-text('交办')")
    _done(admin, "已交办")

    # A duplicate: merged into the hint's suggestion, on its confirmation step.
    admin.goto(base + "/office/suggestions/#triage")
    queue = admin.locator("#triage tbody a")
    for i in range(queue.count()):
        queue.nth(i).click()
        if admin.locator("ul.hints button").count():
            break
        admin.go_back()
    hint = admin.locator("ul.hints button").first
    survivor = hint.inner_text().split("No.")[1]
    hint.click()
    assert "此操作不可撤销" in admin.inner_text("body") and f"编号 {survivor}" in admin.inner_text(
        "body"
    )
    screenshot(admin, "desk-merge-step-360")
    admin.click("button:has-text('确认合并')")
    _done(admin, f"已合并到编号 {survivor}")

    # Not taken up: refused without its note when the reason is 其他, then confirmed.
    admin.goto(base + "/office/suggestions/#triage")
    admin.locator("#triage tbody a").first.click()
    admin.select_option("select[name=reason]", label="其他原因")
    admin.click("section:has(h2:text('不予受理')) button")
    assert "请写明不予受理的理由" in admin.inner_text("body")  # the form comes back…
    assert admin.input_value("select[name=reason]") == "other"  # …with the reason chosen
    admin.fill("input[name=note]", "与本次征集无关")
    admin.click("section:has(h2:text('不予受理')) button")
    assert "此操作不可撤销" in admin.inner_text("body")
    admin.click("button:has-text('确认不予受理')")
    _done(admin, "已标记为不予受理")
    admin.context.close()

    unit = _desk(browser, base, "department", "意见建议已超期未答复")
    links = unit.locator("ul.suggestions a")
    for i in range(links.count()):  # the most pressing item the unit can still answer
        links.nth(i).click()
        if unit.locator("select[name=category]").count():
            break
        unit.go_back()
    unit.select_option("select[name=category]", label="列入计划")
    unit.fill("textarea[name=text]", "已列入明年工作计划，将于第二季度前完成改造并向社会公布进度。")
    unit.click("button:has-text('提交审核')")
    _done(unit, "答复已提交，等待审核")
    number = unit.inner_text("h1").split("No.")[1].strip()
    unit.context.close()

    admin = _desk(browser, base, "admin", "答复待审核")
    assert admin.url.endswith("#replies")
    admin.locator("#replies ~ ul a", has_text=f"No.{number}").first.click()
    admin.click("button:has-text('同意发布')")
    _done(admin, "答复已发布")
    admin.context.close()


def test_a_reviewer_scores_the_nominees_from_the_to_do_list(live_server, browser):
    base, app = live_server
    _build_demo(app)
    reviewer = _desk(browser, base, "reviewer", "提名待您评分")
    buttons = reviewer.locator("form.score button")
    waiting = [i for i in range(buttons.count()) if buttons.nth(i).inner_text() == "评分"]
    assert waiting
    first = reviewer.locator("form.score").nth(waiting[0])
    inputs = first.locator("input[type=number]")
    inputs.first.fill("11")  # above the rubric's maximum: refused, nothing kept
    for i in range(1, inputs.count()):
        inputs.nth(i).fill("4")
    first.locator("button").click()
    assert reviewer.locator(".error").count()  # the form comes back with its message
    first = reviewer.locator("form.score").nth(waiting[0])
    assert first.locator("button").inner_text() == "评分"  # nothing was kept
    inputs = first.locator("input[type=number]")
    for i in range(inputs.count()):
        inputs.nth(i).fill("4")
    first.locator("button").click()
    assert reviewer.locator("form.score").nth(waiting[0]).locator("button").inner_text() == (
        "保存评分"
    )
    reviewer.goto(base + "/office/")
    todo = reviewer.inner_text(".todo")
    screenshot(reviewer, "desk-reviewer-360")
    assert "提名待您评分" in todo  # the other nominees are still waiting
