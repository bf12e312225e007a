"""Supervision notices (督查通报) from the figures, printed and published; formal talks (约谈)
recorded in the office and never public."""

import datetime as dt
import shutil
import subprocess

import pytest
from sqlalchemy import select

from evaluation.core.clock import beijing_today
from evaluation.core.models import AuditEvent, Role
from rectification import notices, services
from rectification.models import Notice
from tests.rectification.conftest import BEFORE_HOLIDAY, CALENDAR, _planned, _task


def test_the_figures_count_milestones_met_on_time_red_warnings_and_missing_reports(db, units):
    campaign, lead, other = units
    task = _planned(db, campaign, lead)  # milestones due 8 October and 30 November
    first, _second = task.milestones
    services.report_progress(
        db.session, task, lead, first.id, 100, "梳理完成。", "", "liaison", dt.date(2026, 10, 8)
    )
    late = _planned(db, campaign, other)
    services.report_progress(
        db.session,
        late,
        other,
        late.milestones[0].id,
        100,
        "梳理完成。",
        "假期后人员不足。",
        "liaison",
        dt.date(2026, 10, 12),
    )
    today = dt.date(2026, 12, 4)  # both second milestones (30 November) are now overdue
    figures = {f.code: f for f in notices.unit_figures(db.session, campaign, today, CALENDAR)}
    assert figures["FGW"].milestones_due == 2 and figures["FGW"].on_time == 1
    assert figures["FGW"].on_time_rate == 0.5
    assert figures["GXJ"].on_time == 0 and figures["GXJ"].on_time_rate == 0.0
    assert figures["FGW"].red == figures["GXJ"].red == 1
    assert figures["FGW"].reports_missing == 1  # nothing reported in December after the 3rd


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs Debian's poppler-utils")
def test_supervision_composes_publishes_and_prints_a_notice_that_keeps_its_figures(
    client, login_as, db, units, tmp_path
):
    campaign, lead, other = units
    task = _planned(db, campaign, lead)
    login_as(Role.SUPERVISION)
    page = client.get("/office/rectification/notices").get_data(as_text=True)
    assert "今天的整改情况" in page
    both = client.post(
        "/office/rectification/notices",
        data={
            "title": "关于整改工作进展情况的通报",
            "praised": [lead.id],
            "criticised": [lead.id],
            "remarks": "请各部门对照问题清单抓紧整改。",
        },
    )
    assert both.status_code == 400 and "既表扬又批评" in both.get_data(as_text=True)
    assert db.session.execute(select(Notice)).first() is None
    composed = client.post(
        "/office/rectification/notices",
        data={
            "title": "关于整改工作进展情况的通报",
            "praised": [lead.id],
            "criticised": [other.id],
            "remarks": "请各部门对照问题清单抓紧整改，逾期未改的将约谈主要负责人。",
        },
    )
    assert composed.status_code == 302
    notice = db.session.execute(select(Notice)).scalar_one()
    assert client.get(f"/rectification/notices/{notice.id}").status_code == 404  # a draft
    assert client.post(f"/office/rectification/notices/{notice.id}/publish").status_code == 302
    again = client.post(f"/office/rectification/notices/{notice.id}/publish")
    assert again.status_code == 409
    public = client.get(f"/rectification/notices/{notice.id}").get_data(as_text=True)
    assert lead.name in public.split("通报表扬")[1].split("通报批评")[0]
    assert other.name in public.split("通报批评")[1]
    assert "关于整改工作进展情况的通报" in client.get("/rectification/").get_data(as_text=True)
    # The figures stay as composed when the work moves on.
    before = notices.figures_of(db.session.get(Notice, notice.id))
    services.report_progress(
        db.session, task, lead, task.milestones[0].id, 100, "梳理完成。", "", "x", BEFORE_HOLIDAY
    )
    db.session.commit()
    assert notices.figures_of(db.session.get(Notice, notice.id)) == before
    pdf = client.get(f"/rectification/notices/{notice.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "关于整改工作进展情况的通报" in text and "通报批评" in text
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"rectification.notice", "rectification.publish_notice"} <= actions


def test_a_talk_is_recorded_after_it_was_held_and_never_shown_in_public(
    client, login_as, db, units
):
    campaign, lead, _other = units
    _task(db, campaign, lead)
    login_as(Role.ADMIN)
    tomorrow = beijing_today() + dt.timedelta(days=1)
    fields = {
        "department_id": lead.id,
        "participants": "分管副市长、监察局局长、发改委主任",
        "reason": "整改节点连续两次逾期。",
        "outcome": "限期十个工作日内完成第一节点，逾期通报批评。",
    }
    future = client.post("/office/rectification/talks", data={**fields, "held_on": tomorrow})
    assert future.status_code == 400 and "不能晚于今天" in future.get_data(as_text=True)
    held = client.post(
        "/office/rectification/talks", data={**fields, "held_on": beijing_today().isoformat()}
    )
    assert held.status_code == 302
    assert "整改节点连续两次逾期" in client.get("/office/rectification/talks").get_data(
        as_text=True
    )
    for path in ("/rectification/", "/api/v1/rectification"):
        assert "连续两次逾期" not in client.get(path).get_data(as_text=True)
