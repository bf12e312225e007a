"""The demo's simulated ballots become released results, in Chromium at phone size."""

import datetime as dt

from ballots.lifecycle import move_box
from ballots.models import BoxState
from evaluation.core.extensions import db
from evaluation.shell.demo import demo_box
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_foundation_pages import _build_demo, _fits_the_screen
from tests.browser.test_reports import _log_in
from tests.conftest import seal


def _seal_the_demo_box(app) -> None:
    with app.app_context():
        box = demo_box(db.session)
        move_box(db.session, box, BoxState.CLOSED, None)
        seal(db.session, box)
        db.session.commit()
        db.session.remove()


def _press(browser, base: str, username: str, button: str, typed: str | None = None):
    """Press the office's button; a signature's step shows the run, and is confirmed there."""
    page = _log_in(browser, base, username)
    page.goto(base + "/office/results/")
    if button == "计票":
        page.click(f"button:has-text('{button}')")
        return page
    page.click(f"a:has-text('{button}')")
    assert "此操作不可撤销" in page.inner_text("body")
    if typed:
        page.fill("input[name=typed]", typed)
    page.click("button:has-text('确认')")
    return page


def test_statistics_tallies_supervision_countersigns_and_the_office_releases(live_server, browser):
    base, app = live_server
    _build_demo(app)
    _seal_the_demo_box(app)

    page = _press(browser, base, "statistics", "计票")
    assert "预览" in page.inner_text("body")
    assert "会场检查" in page.inner_text("body")
    assert "平度市分会场" in page.inner_text(".card:has-text('会场检查')")  # the planted venue
    screenshot(page, "results-preview-360")
    page.context.close()
    page = _press(browser, base, "statistics", "签发")
    assert "待监察局会签" in page.inner_text("body")
    page.context.close()
    _press(browser, base, "supervision", "会签").context.close()
    page = _press(browser, base, "admin", "发布结果", typed=str(dt.date.today().year))
    assert "已发布" in page.inner_text("body")
    page.context.close()

    phone = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    seen = []
    phone.on("request", lambda r: seen.append(r.url))
    phone.goto(base + "/results/")
    body = phone.inner_text("body")
    assert "内部评议部门" in body and "明显高于本组平均" in body
    assert phone.locator("table.results tbody tr").count() == 57
    # Each group is its own panel: one table per group, ranks never across groups, and the
    # rank interval first with the point rank under it.
    headings = phone.locator("section h2[id^=pool-]").all_inner_texts()
    assert len(headings) == 5 and all("组内排名" in h for h in headings)
    first_group = phone.locator("table.results").first.locator("tbody tr")
    assert first_group.count() == 14
    assert first_group.first.locator("td strong.rank-range").count() == 1
    assert "可能排第 1 名" in body and "可能落在最后 3 名" in body
    phone.click("summary:has-text('换一种计分方法') >> nth=0")  # opens without JavaScript
    assert "只看满意率" in phone.inner_text("details.sensitivity >> nth=0")
    assert phone.locator("svg.chart").count() >= 3
    assert _fits_the_screen(phone)  # the open table scrolls inside its card
    assert all(url.startswith(base) for url in seen)
    # Words and pictures that tell the truth: a confidence interval is not where a re-vote
    # lands; bars start at 0 in one neutral colour; the heat map gives each cell's ballots.
    phone.click("summary:has-text('怎样读这张表')")
    reading = phone.inner_text("details.method")
    assert "不是“重新投票的得分会落在其中”的范围" in reading
    assert "有 95% 的把握落在这个范围内" not in reading
    bars = phone.locator("svg.chart:not(.heat)").first
    assert bars.locator("text.tick").first.text_content() == "0"
    assert (
        bars.evaluate(
            "s => new Set([...s.querySelectorAll('rect.bar')]"
            ".map(r => getComputedStyle(r).fill)).size"
        )
        == 1
    )
    assert "有效票" in phone.locator("svg.chart.heat rect title").first.text_content()
    assert "了解率" in phone.inner_text("table.results")
    screenshot(phone, "results-public-360")
    phone.click("table.results a >> nth=0")
    assert "选票分布" in phone.inner_text("body")
    assert _fits_the_screen(phone)
    screenshot(phone, "results-department-360")

    phone.goto(base + "/results/")
    phone.click("a:has-text('政风行风问卷')")
    body = phone.inner_text("body")
    assert "服务态度" in body and "各会场平均分" in body
    assert phone.locator("svg.chart.heat").count() == 2  # both matrices
    assert _fits_the_screen(phone)
    screenshot(phone, "results-questionnaire-360")
    # The box records appear with the release: department columns only, no channel.
    phone.goto(base + "/boxes/")
    assert "匿名计票记录" in phone.inner_text("body") and "盐值" in phone.inner_text("body")
    records = phone.request.get(base + "/boxes/1/records.csv").text()
    assert records.splitlines()[0].startswith("D01,")
    phone.context.close()
