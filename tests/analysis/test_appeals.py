"""Appeals against released figures (申诉复核): filed within the window, decided by the statistics
bureau and confirmed by supervision; one rejected with reasons, one upheld and answered by a
corrected run released in the old one's place, audited and shown publicly."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from analysis.models import Appeal, ResultRun
from evaluation.core.models import AuditEvent, Role
from tests.analysis.test_results import _release
from tests.assessment.test_points import panel  # noqa: F401  (the fixture)
from tests.conftest import assert_form_reshown

PDF = b"%PDF-1.4\n% the venue's sign-in sheets\n%%EOF\n"
REASONS = "我局在市南区分会场的纸质票录入有误，请核对原始选票并复核得分。"
SCHEME = {
    "w_satisfied": "100",
    "w_basic": "80",
    "w_dissatisfied": "0",
    "venue_weighting": "pooled",
    "min_valid": "30",
    "min_awareness": "0.5",
    "tie_breaks": ["satisfaction_rate", "satisfied_share"],
    "resamples": "500",
    "seed": "7",
}


def _unit(panel, code):  # noqa: F811
    return next(d for d in panel.departments if d.code == code)


def _file(client, reasons=REASONS, files=((PDF, "签到表.pdf"),)):
    data = {"figure": "score", "reasons": reasons}
    data["files"] = [(io.BytesIO(body), name) for body, name in files]
    return client.post("/office/results/appeal", data=data, content_type="multipart/form-data")


def _appeal(db, unit) -> Appeal:
    db.session.expire_all()
    return db.session.execute(select(Appeal).where(Appeal.department_id == unit.id)).scalar_one()


def test_an_appeal_is_rejected_with_reasons_and_one_upheld_is_answered_by_a_correction(
    client,
    login_as,
    db,
    panel,  # noqa: F811
):
    login_as(Role.DEPARTMENT, department=_unit(panel, "C"))
    assert "评议结果发布后" in client.get("/office/results/appeal").get_data(as_text=True)
    released = _release(client, login_as, db)

    # Department C files once, with a document; bad input changes nothing.
    login_as(Role.DEPARTMENT, department=_unit(panel, "C"))
    page = client.get("/office/results/appeal").get_data(as_text=True)
    assert "申诉截止日期" in page
    assert_form_reshown(_file(client, reasons="太短"), "请写明理由", status=400)
    assert _file(client, files=((b"MZ\x90\x00", "x.exe"),)).status_code == 415
    assert db.session.execute(select(Appeal)).first() is None
    assert _file(client).status_code == 302
    twice = _file(client)  # the page now shows the appeal, and why nothing more was filed
    assert twice.status_code == 409 and "已对这次结果提出申诉" in twice.get_data(as_text=True)
    c_appeal = _appeal(db, _unit(panel, "C"))
    assert c_appeal.state == "filed" and c_appeal.files[0].filename == "签到表.pdf"
    # Department A files too; it will be rejected.
    login_as(Role.DEPARTMENT, department=_unit(panel, "A"))
    assert (
        _file(
            client, reasons="我局认为本组名次区间过宽，不能体现我局的工作实绩。", files=()
        ).status_code
        == 302
    )
    a_appeal = _appeal(db, _unit(panel, "A"))

    login_as(Role.STATISTICS)
    office = client.get(f"/office/results/appeals/{a_appeal.id}").get_data(as_text=True)
    assert "签到表" not in office and "名次区间过宽" in office
    attachment = client.get(f"/office/results/appeals/{c_appeal.id}/files/{c_appeal.files[0].id}")
    assert attachment.data == PDF
    reject = {
        "proposal": "reject",
        "reasons": "名次区间由选票的离散程度决定，计算无误，申诉不成立。",
    }
    assert (
        client.post(f"/office/results/appeals/{a_appeal.id}/propose", data=reject).status_code
        == 302
    )
    uphold = {
        "proposal": "uphold",
        "reasons": "核对原始选票，市南区分会场有 12 张纸质票录入错列，申诉成立。",
    }
    assert (
        client.post(f"/office/results/appeals/{c_appeal.id}/propose", data=uphold).status_code
        == 302
    )

    login_as(Role.SUPERVISION)
    assert (
        client.post(
            f"/office/results/appeals/{a_appeal.id}/decide", data={"agree": "yes"}
        ).status_code
        == 302
    )
    # Supervision first sends C's back with a note; the bureau proposes again.
    back = {"agree": "no", "note": "请附上原始选票的核对记录后再提出意见。"}
    assert (
        client.post(f"/office/results/appeals/{c_appeal.id}/decide", data=back).status_code == 302
    )
    assert _appeal(db, _unit(panel, "C")).state == "filed"
    login_as(Role.STATISTICS)
    assert (
        client.post(f"/office/results/appeals/{c_appeal.id}/propose", data=uphold).status_code
        == 302
    )
    login_as(Role.SUPERVISION)
    assert (
        client.post(
            f"/office/results/appeals/{c_appeal.id}/decide", data={"agree": "yes"}
        ).status_code
        == 302
    )
    assert _appeal(db, _unit(panel, "A")).state == "rejected"
    assert _appeal(db, _unit(panel, "C")).state == "upheld"

    login_as(Role.DEPARTMENT, department=_unit(panel, "A"))
    told = client.get("/office/results/appeal").get_data(as_text=True)
    assert "申诉不成立" in told and "计算无误" in told

    # The upheld appeal opens the results to a correction: scheme, tally, three signatures.
    login_as(Role.ADMIN)
    assert client.post("/office/results/scheme", data=SCHEME | {"w_basic": "90"}).status_code == 302
    corrected = _release(client, login_as, db)
    assert corrected.id != released.id and corrected.corrects_id == released.id
    assert db.session.get(ResultRun, released.id).state == "corrected"
    fixed = _appeal(db, _unit(panel, "C"))
    assert fixed.state == "corrected" and fixed.correction_run_id == corrected.id
    public = client.get("/results/").get_data(as_text=True)
    assert "更正：本结果于" in public and "录入错列" in public and "名次区间过宽" not in public
    assert "结果有变化的部门" in public
    api = client.get("/api/v1/results").get_json()
    assert api["scheme"]["w_basic"] == 90
    actions = list(db.session.execute(select(AuditEvent.action)).scalars())
    for action in ("appeal.file", "appeal.propose", "appeal.send_back", "appeal.upheld"):
        assert action in actions
    assert "appeal.rejected" in actions and "results.corrected" in actions
    # Corrected once: the results are locked again.
    login_as(Role.STATISTICS)
    assert client.post("/office/results/tally").status_code == 409


def test_an_appeal_after_the_window_is_refused(client, login_as, db, panel, monkeypatch):  # noqa: F811
    from analysis import appeal_views

    _release(client, login_as, db)
    login_as(Role.DEPARTMENT, department=_unit(panel, "B"))
    monkeypatch.setattr(appeal_views, "beijing_today", lambda: dt.date.today() + dt.timedelta(60))
    assert "申诉期已于" in client.get("/office/results/appeal").get_data(as_text=True)
    late = _file(client)
    assert late.status_code == 409 and "申诉期已于" in late.get_data(as_text=True)
    assert db.session.execute(select(Appeal)).first() is None
