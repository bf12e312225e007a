"""Department reports: drafting, review, publishing, corrections, attachments, public site."""

import datetime as dt
import io
import re

import numpy as np
import pytest
import zxingcpp

from evaluation.campaign.reports.models import ReportVersion
from evaluation.campaign.reports.review import compare
from evaluation.campaign.reports.services import approve, publish, save_draft, submit
from evaluation.core.models import Role
from tests.conftest import assert_form_reshown

SECTIONS = {
    "duties": "负责全市**发展规划**。",
    "work": "- 完成项目 12 个\n- 新增就业 3000 人",
    "suggestions_handled": "去年意见建议 36 条，全部答复。",
    "problems": "窗口排队时间偏长。",
    "measures": "增开窗口，推行预约。",
}
GOAL = {
    "goals-0-goal": "完成重点项目",
    "goals-0-target": "12 个",
    "goals-0-status": "done",
    "goals-0-explanation": "全部完成",
}


@pytest.fixture
def reporting(factory, db):
    campaign = factory.campaign()
    group = factory.group(campaign, 1)
    own = factory.department(campaign, "FGW", group)
    other = factory.department(campaign, "CZJ", group)
    internal = factory.department(campaign, "YJS")
    factory.meeting(group)
    db.session.commit()
    return campaign, own, other, internal


def _versions(db, department):
    db.session.expire_all()
    return (
        db.session.query(ReportVersion)
        .filter_by(department_id=department.id)
        .order_by(ReportVersion.number)
        .all()
    )


def _publish_directly(db, department, **changes):
    save_draft(
        db.session,
        department,
        {
            **SECTIONS,
            "goals": [{"goal": "目标", "target": "指标", "status": "done", "explanation": ""}],
            **changes,
        },
        "t",
    )
    version = submit(db.session, department, "t", changes.get("note", ""))
    approve(db.session, version, "t")
    publish(db.session, version, "t")
    db.session.commit()
    return version


def test_a_report_goes_from_draft_through_return_to_publication(client, reporting, login_as, db):
    campaign, own, _other, _internal = reporting
    liaison = login_as(Role.DEPARTMENT, department=own)
    assert client.post("/office/reports/mine", data={"work": "只写了一部分"}).status_code == 302
    incomplete = client.post("/office/reports/mine", data={"work": "只写了一部分", "send": "1"})
    assert incomplete.status_code == 400
    for part in ("工作职责", "年度目标", "存在的主要问题", "改进措施"):
        assert part in incomplete.get_data(as_text=True)
    assert _versions(db, own)[0].state == "draft"

    sent = client.post("/office/reports/mine", data={**SECTIONS, **GOAL, "send": "1"})
    assert sent.status_code == 302
    assert _versions(db, own)[0].state == "submitted"
    locked = client.post("/office/reports/mine", data={**SECTIONS, "work": "偷偷改"})
    assert_form_reshown(locked, "审核中", status=409)
    assert _versions(db, own)[0].work == SECTIONS["work"]
    assert client.post(f"/office/reports/{_versions(db, own)[0].id}/approve").status_code == 403

    version_id = _versions(db, own)[0].id
    login_as(Role.ADMIN)
    no_comment = client.post(f"/office/reports/{version_id}/return", data={"comment": " "})
    assert_form_reshown(no_comment, "退回时必须填写审核意见", status=400)
    client.post(f"/office/reports/{version_id}/return", data={"comment": "请补充数据"})
    assert _versions(db, own)[0].state == "returned"

    with client.session_transaction() as session:
        session["_user_id"] = str(liaison.id)
        session["sv"] = liaison.session_version
    page = client.get("/office/reports/mine").get_data(as_text=True)
    assert "请补充数据" in page
    client.post(
        "/office/reports/mine", data={**SECTIONS, **GOAL, "work": "- 完成项目 13 个", "send": "1"}
    )
    first, second = _versions(db, own)
    assert (first.state, second.state) == ("returned", "submitted")
    assert first.work == SECTIONS["work"]  # every version is kept as it was

    login_as(Role.ADMIN)
    review = client.get(f"/office/reports/{second.id}").get_data(as_text=True)
    assert "没有可比较的版本" in review and "完成项目 13 个" in review  # first: nothing to compare
    assert client.post(f"/office/reports/{second.id}/publish").status_code == 409  # not approved
    assert client.post(f"/office/reports/{second.id}/approve").status_code == 302
    assert client.get("/departments/FGW").status_code == 404  # approved is not public yet
    assert client.post(f"/office/reports/{second.id}/publish").status_code == 302
    twice = client.post(f"/office/reports/{second.id}/publish")
    assert_form_reshown(twice, "已经发布", status=409)

    public = client.get("/departments/FGW")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "<strong>发展规划</strong>" in text and "完成项目 13 个" in text and "12 个" in text


def test_markdown_can_never_carry_script_into_a_page(client, reporting, db):
    _campaign, own, _other, _internal = reporting
    evil = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '[点我](javascript:alert(3)) [ok](https://example.cn/a)\n\n<a href="x" onclick="y">z</a>'
    )
    _publish_directly(db, own, work=evil)
    page = client.get("/departments/FGW").get_data(as_text=True)
    tags = re.findall(r"<[^>]+>", page)
    assert not [t for t in tags if re.search(r"^<(script|img|iframe)|\son\w+=|javascript:", t)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, harmless
    assert 'href="https://example.cn/a"' in page


def test_a_correction_is_a_new_published_version_with_its_note(client, reporting, db):
    _campaign, own, _other, _internal = reporting
    first = _publish_directly(db, own)
    save_draft(db.session, own, {**SECTIONS, "goals": first.goals, "work": "更正后的内容"}, "t")
    with pytest.raises(Exception, match="更正说明"):
        submit(db.session, own, "t")
    db.session.rollback()
    _publish_directly(db, own, work="更正后的内容", note="数字有误")
    versions = _versions(db, own)
    assert [v.state for v in versions] == ["published", "published"]
    assert versions[0].work == SECTIONS["work"]  # the first publication was not changed
    page = client.get("/departments/FGW").get_data(as_text=True)
    assert "更正后的内容" in page and "已更正" in page and "数字有误" in page
    data = client.get("/api/v1/departments/FGW/report").get_json()
    assert data["version"] == 2 and data["correction"] == {"note": "数字有误"}
    assert data["first_published_at"] < data["published_at"] or data["first_published_at"]


def test_a_correction_submitted_without_its_note_shows_the_editor_again(
    client, reporting, db, login_as
):
    _campaign, own, _other, _internal = reporting
    first = _publish_directly(db, own)
    save_draft(db.session, own, {**SECTIONS, "goals": first.goals, "work": "更正后的内容"}, "t")
    db.session.commit()
    login_as(Role.DEPARTMENT, department=own)
    edited = {**SECTIONS, **GOAL, "work": "更正后的内容", "correction_note": " ", "send": "1"}
    refused = client.post("/office/reports/mine", data=edited)
    assert_form_reshown(refused, "请填写更正说明", ("更正后的内容",), status=400)
    assert [v.state for v in _versions(db, own)] == ["published", "draft"]


def test_unpublished_and_internal_reports_never_reach_the_public(client, reporting, db):
    _campaign, own, other, internal = reporting
    save_draft(db.session, other, {**SECTIONS, "goals": []}, "t")  # a draft only
    _publish_directly(db, internal)  # internal: published inside the government only
    for code in ("CZJ", "YJS", "FGW"):
        assert client.get(f"/departments/{code}").status_code == 404
        api = client.get(f"/api/v1/departments/{code}/report")
        assert api.status_code == 404 and "error" in api.get_json()
    listing = client.get("/api/v1/departments").get_json()
    assert {d["code"] for d in listing["departments"]} == {"FGW", "CZJ"}
    assert not any(d["report_published"] for d in listing["departments"])
    assert "YJS" not in client.get("/api/v1/departments").get_data(as_text=True)


def test_the_api_is_described_by_its_openapi_document(client, reporting, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/departments", "/api/v1/departments/{code}/report"} <= set(spec["paths"])


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(client, content: bytes, name: str):
    return client.post(
        "/office/reports/mine/attachments",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_attachments_are_checked_by_content_and_size(
    client, reporting, login_as, db, app, tmp_path
):
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    _campaign, own, _other, _internal = reporting
    login_as(Role.DEPARTMENT, department=own)
    assert _upload(client, PDF, "年报.pdf").status_code == 302
    disguised = _upload(client, b"MZ\x90\x00 this is an exe", "年报.pdf")
    assert_form_reshown(disguised, "按文件内容判断", status=415)
    huge = _upload(client, b"%PDF-" + b"0" * (5 * 1024 * 1024), "big.pdf")
    assert huge.status_code == 413
    (version,) = _versions(db, own)
    assert [a.filename for a in version.attachments] == ["年报.pdf"]
    attachment_id = version.attachments[0].id
    assert client.get(f"/attachments/{attachment_id}").status_code == 404  # draft: not public
    client.post("/office/reports/mine", data={**SECTIONS, **GOAL, "send": "1"})
    version = _versions(db, own)[0]
    approve(db.session, version, "t")
    publish(db.session, version, "t")
    db.session.commit()
    download = client.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"


def _decode_svg_qr(svg: str) -> str:
    """Rebuild the module grid from the SVG's path and decode it with zxing-cpp."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)[1])
    grid = np.full((size * 8, size * 8), 255, dtype=np.uint8)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        grid[int(y) * 8 : (int(y) + 1) * 8, int(x) * 8 : (int(x) + 1) * 8] = 0
    results = zxingcpp.read_barcodes(grid)
    assert results, "no QR code found"
    return results[0].text


def test_the_page_qr_code_decodes_to_the_page_url(client, reporting, db, app):
    _campaign, own, _other, _internal = reporting
    _publish_directly(db, own)
    app.config["PUBLIC_BASE_URL"] = "https://sanmin.example.cn"
    page = client.get("/departments/FGW").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S)[0]
    assert _decode_svg_qr(svg) == "https://sanmin.example.cn/departments/FGW"


def test_the_venue_screen_follows_the_schedule_and_the_office_can_advance_it(
    client, reporting, login_as, db
):
    campaign, own, other, _internal = reporting
    meeting = own.group.meeting
    page = client.get(f"/screen/{meeting.id}").get_data(as_text=True)
    assert own.name in page.split("正在述职")[1].split("下一个")[0]
    login_as(Role.ADMIN)
    assert (
        client.post(f"/office/reports/screen/{meeting.id}", data={"step": "next"}).status_code
        == 302
    )
    page = client.get(f"/screen/{meeting.id}").get_data(as_text=True)
    assert other.name in page.split("正在述职")[1]
    client.post(f"/office/reports/screen/{meeting.id}", data={"step": "auto"})
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).screen_position is None


def test_a_meeting_s_live_stream_plays_beside_a_panel_that_refreshes_on_its_own(
    client, reporting, login_as, db
):
    campaign, own, _other, _internal = reporting
    meeting = own.group.meeting
    login_as(Role.ADMIN)
    edit = f"/office/meetings/{meeting.id}/edit"
    fields = {
        "group_id": own.group.id,
        "date": meeting.date.isoformat(),
        "starts_at": meeting.starts_at.strftime("%H:%M"),
    }
    for bad in ("javascript:alert(1)", "ftp://live.example.cn/a", "https://"):
        refused = client.post(edit, data={**fields, "stream_url": bad})
        assert refused.status_code == 400 and "直播地址" in refused.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(type(meeting), meeting.id).stream_url is None
    url = "https://live.example.cn/sanmin/group1.mp4"
    assert client.post(edit, data={**fields, "stream_url": url}).status_code == 302
    screen = client.get(f"/screen/{meeting.id}")
    page = screen.get_data(as_text=True)
    assert f'<video src="{url}"' in page and f"/screen/{meeting.id}?panel=1" in page
    assert "media-src 'self' https://live.example.cn" in screen.headers["Content-Security-Policy"]
    assert 'http-equiv="refresh"' not in page  # the stream is never reloaded
    panel = client.get(f"/screen/{meeting.id}?panel=1")
    assert own.name in panel.get_data(as_text=True) and "<video" not in panel.get_data(as_text=True)
    assert 'http-equiv="refresh"' in panel.get_data(as_text=True)
    assert "frame-ancestors 'self'" in panel.headers["Content-Security-Policy"]
    # Cleared, the screen is the panel again.
    assert client.post(edit, data={**fields, "stream_url": ""}).status_code == 302
    assert "<video" not in client.get(f"/screen/{meeting.id}").get_data(as_text=True)


def test_the_office_sees_each_group_s_progress_and_late_reports(
    client, reporting, login_as, db, factory
):
    campaign, own, other, _internal = reporting
    late_group = factory.group(campaign, 2)
    late = factory.department(campaign, "JYJ", late_group)
    factory.meeting(late_group, date=dt.date.today() + dt.timedelta(days=1))
    own.group.meeting.date = dt.date.today() + dt.timedelta(days=30)
    db.session.commit()
    _publish_directly(db, own)
    save_draft(db.session, other, {**SECTIONS, "goals": [{"goal": "g", "status": "partly"}]}, "t")
    submit(db.session, other, "t")
    db.session.commit()

    login_as(Role.ADMIN)
    page = client.get("/office/reports/").get_data(as_text=True)
    _intro, first, second, _internal_section = page.split("<h2>")
    assert "已发布 1 · 待审核 1 · 未提交或退回修改 0" in first
    assert "会前未发布" not in first  # the meeting is a month away
    assert late.name in second and "已发布 0 · 待审核 0 · 未提交或退回修改 1" in second
    assert "会前未发布" in second  # tomorrow, and nothing published


def test_a_department_cannot_touch_another_department_s_attachment(
    client, reporting, login_as, db, app, tmp_path
):
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    _campaign, own, other, _internal = reporting
    login_as(Role.DEPARTMENT, department=other)
    _upload(client, PDF, "财政.pdf")
    (theirs,) = _versions(db, other)[0].attachments
    login_as(Role.DEPARTMENT, department=own)
    refused = client.post(f"/office/reports/mine/attachments/{theirs.id}/delete")
    assert refused.status_code == 404 and "找不到该附件" in refused.get_data(as_text=True)
    assert [a.filename for a in _versions(db, other)[0].attachments] == ["财政.pdf"]


def test_submitting_sends_what_is_on_the_screen_and_the_department_can_read_it_in_review(
    client, reporting, login_as, db
):
    _campaign, own, _other, _internal = reporting
    login_as(Role.DEPARTMENT, department=own)
    client.post("/office/reports/mine", data={**SECTIONS, **GOAL})  # the draft saved earlier
    edited = {**SECTIONS, **GOAL, "measures": "增开三个窗口，全面推行预约办理。", "send": "1"}
    assert client.post("/office/reports/mine", data=edited).status_code == 302  # never saved
    (version,) = _versions(db, own)
    assert version.state == "submitted" and version.measures == edited["measures"]
    page = client.get("/office/reports/mine").get_data(as_text=True)
    assert "审核结束前不能修改" in page and "增开三个窗口" in page and "<textarea" not in page


def test_the_review_marks_the_characters_a_rewritten_paragraph_changed():
    old = "全年完成项目 12 个，投资 30 亿元。\n\n继续推进放管服改革。\n旧的一段。"
    new = "全年完成项目 13 个，投资 30 亿元。\n继续推进放管服改革。\n新的一段话。\n再加一段。"
    changes = compare(old, new)
    assert [c.kind for c in changes] == ["changed", "same", "changed", "added"]
    first = changes[0]
    assert [t for marked, t in first.old if marked] == ["2"]
    assert [t for marked, t in first.new if marked] == ["3"]
    assert "".join(t for _m, t in first.new) == "全年完成项目 13 个，投资 30 亿元。"
    assert changes[3].new == [(True, "再加一段。")] and changes[3].old == []
    assert [c.kind for c in compare("只有一段。", "")] == ["removed"]
    assert compare("", "") == []


def test_the_preview_shows_the_text_as_published_and_saves_nothing(db, client, login_as, reporting):
    _campaign, own, _other, _internal = reporting
    login_as(Role.DEPARTMENT, department=own)
    response = client.post("/office/reports/mine", data={**SECTIONS, **GOAL, "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "预览（尚未保存）" in page
    assert "<strong>发展规划</strong>" in page and "<li>完成项目 12 个</li>" in page
    assert "完成重点项目" in page  # the goals table as the public sees it
    assert 'name="duties"' in page and "负责全市**发展规划**。" in page  # the form, as typed
    assert _versions(db, own) == []

    bad = client.post(
        "/office/reports/mine", data={**SECTIONS, "goals-0-target": "12 个", "preview": "1"}
    )
    assert_form_reshown(bad, "缺少目标内容", kept=("12 个",), status=400)
    assert _versions(db, own) == []


def test_the_office_reviews_a_correction_as_marked_text(client, reporting, db, login_as):
    _campaign, own, _other, _internal = reporting
    first = _publish_directly(db, own)
    work = SECTIONS["work"].replace("12", "13")
    save_draft(db.session, own, {**SECTIONS, "goals": first.goals, "work": work}, "t")
    submit(db.session, own, "t", "项目数有误")
    db.session.commit()
    login_as(Role.ADMIN)
    second = _versions(db, own)[-1]
    page = client.get(f"/office/reports/{second.id}").get_data(as_text=True)
    assert "<del>2</del>" in page and "<ins>3</ins>" in page  # only the changed character
    assert page.count('class="change"') == 1  # one paragraph changed, the other is the same
    assert "（未修改）" in page  # the sections not touched say so
