"""A rectification task walked through in Chromium: the department plans and reports on a
phone (360 px, no JavaScript), the office approves and supervision checks on a desktop
(1366 px), and the public board shows it closed off, on a phone."""

import datetime as dt

from evaluation.campaign.models import Phase
from evaluation.core.clock import beijing_today
from evaluation.core.extensions import db
from evaluation.core.models import Role, User
from tests.browser.conftest import screenshot
from tests.browser.test_foundation_pages import _fits_the_screen
from tests.browser.test_reports import _log_in
from tests.conftest import Factory
from tests.rectification.conftest import _task

DESKTOP = {"width": 1366, "height": 900}


def _world(app) -> int:
    """A campaign in its handling phase, a task for 发改委, and the four users."""
    with app.app_context():
        factory = Factory(db.session)
        campaign = factory.campaign(phase=Phase.HANDLING)
        group = factory.group(campaign)
        lead = factory.department(campaign, "FGW", group)
        lead.name, lead.short_name = "市发展和改革委员会", "发展改革委"
        for username, role, unit in (
            ("admin", Role.ADMIN, None),
            ("fgw", Role.DEPARTMENT, lead),
            ("supervision", Role.SUPERVISION, None),
        ):
            user = User(username=username, role=role.value, department=unit)
            user.set_password("sanmin-demo")
            db.session.add(user)
        task = _task(db, campaign, lead)
        task_id = task.id
        db.session.remove()
    return task_id


def _desktop(browser, base: str, username: str):
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "sanmin-demo")
    page.click("button[type=submit]")
    return page


def test_a_task_goes_from_the_department_to_the_office_to_supervision_to_the_board(
    live_server, browser
):
    base, app = live_server
    task_id = _world(app)
    soon = beijing_today() + dt.timedelta(days=10)
    later = beijing_today() + dt.timedelta(days=40)

    department = _log_in(browser, base, "fgw")
    department.goto(base + "/office/rectification/mine")
    department.click(f"a:has-text('No.{task_id}')")
    department.fill("textarea[name=plan]", "成立专班，梳理事项后全部上线网办。")
    department.fill("input[name=milestones-0-title]", "梳理开办事项")
    department.fill("input[name=milestones-0-due_on]", soon.isoformat())
    department.fill("input[name=milestones-1-title]", "全程网办上线")
    department.fill("input[name=milestones-1-due_on]", later.isoformat())
    department.fill("input[name=milestones-1-weight]", "3")
    screenshot(department, "rectification-plan-360")
    assert _fits_the_screen(department)
    department.click("button:has-text('报送方案')")
    assert "整改方案已报送" in department.inner_text("body")

    office = _desktop(browser, base, "admin")
    office.goto(base + "/office/rectification/")
    office.click(f"a:has-text('No.{task_id}')")
    office.click("button:has-text('批准方案')")
    assert "整改方案已批准" in office.inner_text("body")
    office.context.close()

    for _ in range(2):  # the next milestone is chosen for the department
        department.goto(base + f"/office/rectification/mine/{task_id}")
        department.fill("input[name=progress]", "100")
        department.fill("textarea[name=text]", "已按期完成，材料归档备查。")
        department.click("button:has-text('报送进展')")
        assert "进展已报送" in department.inner_text("body")
    department.fill("textarea[name=evidence]", "全部事项已网办，附办理时长统计。")
    department.click("button:has-text('报告完成')")
    assert "10 个工作日内核查" in department.inner_text("body")
    department.context.close()

    supervision = _desktop(browser, base, "supervision")
    supervision.goto(base + f"/office/rectification/{task_id}")
    assert "监察局应于" in supervision.inner_text("body")
    supervision.select_option("select[name=kind]", "unannounced")
    supervision.fill("textarea[name=finding]", "暗访两个窗口，均可全程网办。")
    screenshot(supervision, "rectification-check-1366")
    supervision.click("button:has-text('记录')")
    assert "已销号" in supervision.inner_text("body")
    supervision.context.close()

    public = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    board = public.new_page()
    board.goto(base + "/rectification/")
    assert "窗口办事排队" in board.inner_text("body") and "已销号" in board.inner_text("body")
    assert _fits_the_screen(board)
    board.click(f"a:has-text('No.{task_id}')")
    body = board.inner_text("body")
    assert "全程网办上线" in body and "暗访" in body and "两个窗口" not in body
    screenshot(board, "rectification-public-360")
    assert _fits_the_screen(board)
    public.close()
