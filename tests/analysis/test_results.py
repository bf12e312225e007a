"""The results workflow: tally, sign-off, countersign, release, and the same numbers everywhere."""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from analysis.computation import figures_of, published_records, units_of
from analysis.models import ResultRun, RunState
from analysis.records import (
    BoxRecords,
    parse_records,
    records_hash,
    stored_records,
    unit_records,
)
from analysis.services import run_tally, verify
from analysis.stats import RATING_CODES
from ballots.lifecycle import move_box
from ballots.models import Ballot, BallotBox, BallotRating, BoxState
from evaluation.campaign.models import Phase
from evaluation.core.errors import Refused
from evaluation.core.models import AuditEvent, Role
from tests.conftest import assert_form_reshown

RATING_CODES_ORDER = list(RATING_CODES)
RATINGS = ["satisfied", "satisfied", "basically_satisfied", "dissatisfied", "unknown"]


@pytest.fixture
def voted(factory, db):
    """Two venues, three departments, 60 ballots a venue, both boxes sealed."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    for code in ("A", "B", "C"):
        factory.department(campaign, code, group)
    meeting = factory.meeting(group)
    ballots = [[RATINGS[(i + k * (i % 3)) % 5] for k in range(1, 4)] for i in range(60)]
    boxes = [factory.sealed_box(meeting, name, ballots) for name in ("市级主会场", "市南区分会场")]
    return campaign, boxes


def _run(db):
    db.session.expire_all()
    return db.session.execute(select(ResultRun).order_by(ResultRun.id.desc())).scalar()


def _release(client, login_as, db) -> ResultRun:
    """Statistics tallies and signs, supervision countersigns, the admin releases."""
    login_as(Role.STATISTICS)
    client.post("/office/results/tally")
    run = _run(db)
    client.post(f"/office/results/{run.id}/sign")
    login_as(Role.SUPERVISION)
    client.post(f"/office/results/{run.id}/countersign")
    login_as(Role.ADMIN)
    client.post(f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)})
    return _run(db)


def test_results_go_from_tally_through_two_signatures_to_release(
    client, login_as, factory, db, voted
):
    campaign, boxes = voted
    assert client.get("/results/").status_code == 404
    assert client.get("/api/v1/results").status_code == 404

    login_as(Role.STATISTICS)
    assert client.post("/office/results/tally").status_code == 302
    run = _run(db)
    assert run.state == "draft"
    preview = client.get(f"/office/results/{run.id}").get_data(as_text=True)
    assert "预览" in preview and "市A局" in preview
    # Supervision's venue checks, from whole ballots, are in the office's preview only.
    assert "会场检查（供监察局复核，不公开）" in preview and "市南区分会场" in preview
    assert client.get("/results/").status_code == 404  # nothing public before release
    assert (
        client.post(
            f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)}
        ).status_code
        == 403
    )
    assert client.post(f"/office/results/{run.id}/sign").status_code == 302
    assert _run(db).state == "signed"

    login_as(Role.ADMIN)
    early = client.post(f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)})
    assert_form_reshown(early, "会签", status=409)
    login_as(Role.SUPERVISION)
    assert client.post(f"/office/results/{run.id}/countersign").status_code == 302
    login_as(Role.ADMIN)
    assert (
        client.post(
            f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)}
        ).status_code
        == 302
    )
    assert _run(db).state == "released"
    twice = client.post(f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)})
    assert_form_reshown(twice, "已经发布", status=409)

    login_as(Role.STATISTICS)
    again = client.post("/office/results/tally")
    assert_form_reshown(again, "不能重新计票", status=409)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {
        "results.tally",
        "results.signed",
        "results.countersigned",
        "results.released",
    } <= actions

    page = client.get("/results/").get_data(as_text=True)
    api = client.get("/api/v1/results").get_json()
    assert "会场检查" not in page and "straight" not in json.dumps(api)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/results/export.csv").data.decode("utf-8-sig")))
    )
    book = load_workbook(io.BytesIO(client.get("/results/export.xlsx").data))
    sheet = book["部门"]
    headers = [c.value for c in sheet[1]]
    xlsx = [
        dict(zip(headers, [c.value for c in row], strict=True))
        for row in sheet.iter_rows(min_row=2)
    ]
    assert (
        [d["code"] for d in api["departments"]]
        == [r["部门代码"] for r in rows]
        == [r["部门代码"] for r in xlsx]
    )
    for d, r, x in zip(api["departments"], rows, xlsx, strict=True):
        assert x["得分"] == d["score"] and x["满意率"] == d["satisfaction_rate"]
        # The CSV holds the figures as the page shows them (no cell formats in CSV).
        assert r["得分"] == f"{d['score']:.2f}"
        assert r["满意率"] == f"{d['satisfaction_rate'] * 100:.2f}%"
        assert int(r["有效票数"]) == x["有效票数"] == d["valid"]
        assert f"{d['score']:.2f}" in page
        assert sum(d["counts"].values()) == d["returned"] == 120  # counts add up
    assert sheet.cell(row=2, column=headers.index("满意率") + 1).number_format == "0.00%"
    assert sheet.cell(row=2, column=headers.index("得分") + 1).number_format == "0.00"
    assert {"汇总", "部门", "分会场", "分档", "说明", "审计"} <= set(book.sheetnames)
    assert "会场检查" not in book.sheetnames  # supervision's, from whole ballots: not public
    assert verify(db.session, campaign) == []


def test_sign_off_waits_for_every_opened_box_to_be_sealed(client, login_as, factory, db, voted):
    campaign, boxes = voted
    late = BallotBox(
        campaign=campaign, meeting=boxes[0].meeting, venue=factory.venue(campaign, "城阳区分会场")
    )
    db.session.add(late)
    db.session.flush()
    move_box(db.session, late, BoxState.OPEN, None)
    db.session.commit()
    login_as(Role.STATISTICS)
    client.post("/office/results/tally")  # a preview of the sealed boxes is allowed
    run = _run(db)
    refused = client.post(f"/office/results/{run.id}/sign")
    assert_form_reshown(refused, "未封箱", status=409)
    assert _run(db).state == "draft"


def test_the_tally_reads_exactly_the_records_the_boxes_publish(factory, db):
    """The tally reads the database in one aggregate query; the public reads CSV records.
    Both must give the same ballots, blanks and paper ballots included, for groups of more
    departments than one packed SQL word holds (21)."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    departments = [factory.department(campaign, f"D{k:02}", group) for k in range(23)]
    meeting = factory.meeting(group)
    boxes = []
    expected = []
    for v, name in enumerate(("市级主会场", "市南区分会场")):
        box = BallotBox(campaign=campaign, meeting=meeting, venue=factory.venue(campaign, name))
        db.session.add(box)
        db.session.flush()
        for i in range(7):
            ratings = [RATING_CODES_ORDER[(i * 7 + k * (v + 2)) % 4] for k in range(23)]
            if i == 3:
                ratings[5] = None  # no rating stored: a blank cell in the records
            channel = "paper" if i % 3 == 0 else "phone"
            db.session.add(
                Ballot(
                    id=f"{v}{i:031}",
                    box_id=box.id,
                    channel=channel,
                    ratings=[
                        BallotRating(department_id=d.id, rating=r)
                        for d, r in zip(departments, ratings, strict=True)
                        if r is not None
                    ],
                )
            )
            expected.append((box.id, channel == "paper", tuple(ratings)))
        box.state = BoxState.SEALED.value
        boxes.append(box)
    db.session.commit()

    stored = stored_records(db.session, boxes)
    names = {code: name for name, code in RATING_CODES.items()}
    whole = sorted(
        (box_id, tuple(names.get(int(x)) for x in row))
        for box_id, r in stored.items()
        for row in r.ratings
    )
    assert whole == sorted((box_id, ratings) for box_id, _paper, ratings in expected)
    # Two boxes of 7 ballots are published as one unit, each column shuffled on its own.
    units = units_of(db.session, campaign)
    assert [[b.id for b in u] for u in units] == [[boxes[0].id, boxes[1].id]]
    published = parse_records(units, published_records(db.session, campaign))
    merged = unit_records(units, stored)
    assert records_hash(merged) == records_hash(published)
    for records in (merged, published):
        (unit,) = records.values()
        assert unit.departments == [d.code for d in departments]
        for j in range(23):
            column = sorted(names.get(int(x)) or "" for x in unit.ratings[:, j])
            assert column == sorted(r[2][j] or "" for r in expected)
    one = merged[boxes[0].id]
    shuffled = {boxes[0].id: BoxRecords(one.departments, one.ratings[::-1])}
    assert records_hash(shuffled) == records_hash(merged)  # the order of lines carries nothing
    changed = one.ratings.copy()
    changed[0, 0] = (changed[0, 0] + 1) % 4
    assert records_hash({boxes[0].id: BoxRecords(one.departments, changed)}) != (
        records_hash(merged)
    )


def test_verify_finds_a_ballot_changed_after_release(client, login_as, factory, db, voted):
    campaign, _boxes = voted
    _release(client, login_as, db)
    assert verify(db.session, campaign) == []
    one = (
        db.session.execute(select(BallotRating).where(BallotRating.rating == "dissatisfied"))
        .scalars()
        .first()
    )
    db.session.execute(
        update(BallotRating)
        .where(
            BallotRating.ballot_id == one.ballot_id, BallotRating.department_id == one.department_id
        )
        .values(rating="satisfied")
    )
    db.session.commit()
    differences = verify(db.session, campaign)
    assert differences and any("satisfied" in line for line in differences)


def test_verify_refuses_downloaded_records_it_cannot_read(client, login_as, db, voted):
    campaign, boxes = voted
    _release(client, login_as, db)
    texts = {box.id: client.get(f"/boxes/{box.id}/records.csv").data.decode() for box in boxes}
    assert verify(db.session, campaign, texts) == []
    header, first, *rest = texts[boxes[0].id].splitlines()
    assert header == "A,B,C"  # department columns only: no channel singles out paper voters
    ratings = first.split(",")
    for broken in (
        [header, ",".join(["very_satisfied", *ratings[1:]]), *rest],  # no such answer
        [header.replace("A,", "Z,"), first, *rest],  # a department the box does not rate
    ):
        altered = {**texts, boxes[0].id: "\n".join(broken) + "\n"}
        with pytest.raises(Refused, match="记录文件无法读取"):
            verify(db.session, campaign, altered)
    with pytest.raises(Refused, match="记录文件无法读取"):  # a box's file missing
        verify(db.session, campaign, {boxes[0].id: texts[boxes[0].id]})


def test_the_scheme_is_validated_warned_about_and_locked_after_release(
    client, login_as, factory, db, voted
):
    login_as(Role.ADMIN)
    form = {
        "w_satisfied": "100",
        "w_basic": "80",
        "w_dissatisfied": "20",
        "venue_weighting": "equal",
        "min_valid": "10",
        "min_awareness": "0.5",
        "tie_breaks": ["satisfaction_rate"],
        "resamples": "500",
        "seed": "7",
    }
    saved = client.post("/office/results/scheme", data=form, follow_redirects=True)
    assert "不为零" in saved.get_data(as_text=True)  # a non-zero 不满意 weight is warned about
    bad = client.post("/office/results/scheme", data={**form, "min_awareness": "2"})
    assert_form_reshown(bad, "应在 0 到 1 之间", status=400)
    login_as(Role.STATISTICS)
    client.post("/office/results/tally")
    run = _run(db)
    figures = json.loads(run.figures)
    assert (
        figures["scheme"]["w_dissatisfied"] == 20
        and figures["scheme"]["venue_weighting"] == "equal"
    )
    client.post(f"/office/results/{run.id}/sign")
    login_as(Role.SUPERVISION)
    client.post(f"/office/results/{run.id}/countersign")
    login_as(Role.ADMIN)
    client.post(f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)})
    locked = client.post("/office/results/scheme", data=form)
    assert_form_reshown(locked, "锁定", status=409)


def test_suggestion_handling_is_shown_beside_the_result_and_not_in_the_score(
    client, login_as, factory, db, voted
):
    import datetime as dt

    from suggestions import handling, services, tracking
    from suggestions.models import Channel, ReplyCategory, Satisfaction, Urgency

    campaign, _boxes = voted
    unit = campaign.departments[0]
    intake = services.Intake(channel=Channel.ONLINE, text="建议延长政务大厅周末开放时间。")
    item = services.receive(db.session, campaign, intake, "t")
    handling.assign(db.session, item, unit.id, [], Urgency.NORMAL, "a", dt.date(2026, 11, 23))
    reply = handling.save_reply(
        db.session, item, unit, "已决定周六上午开放，下月起实行。", True, "l", ReplyCategory.PLANNED
    )
    handling.approve_reply(db.session, reply, "a", dt.date(2026, 11, 24))
    tracking.give_feedback(db.session, item, Satisfaction.SATISFIED, dt.date(2026, 11, 25))
    db.session.commit()
    run = _release(client, login_as, db)
    assert "on_time" not in run.figures and "建议" not in run.figures
    page = client.get(f"/results/departments/{unit.code}").get_data(as_text=True)
    assert "意见建议办理情况" in page and "100.0%" in page and "不计入得分" in page


def test_a_departments_report_page_shows_its_result_once_released(
    client, login_as, factory, db, voted
):
    from tests.reports.test_reports import _publish_directly

    campaign, _boxes = voted
    unit = campaign.departments[0]
    _publish_directly(db, unit)
    assert "市民评议结果" not in client.get(f"/departments/{unit.code}").get_data(as_text=True)
    _release(client, login_as, db)
    figures = next(
        d for d in client.get("/api/v1/results").get_json()["departments"] if d["code"] == unit.code
    )
    page = client.get(f"/departments/{unit.code}").get_data(as_text=True)
    assert "市民评议结果" in page and f"{figures['score']:.2f}" in page


def test_each_signature_is_given_on_a_step_showing_the_run_and_release_needs_the_year_typed(
    client, login_as, db, voted
):
    statistician = login_as(Role.STATISTICS)
    statistician.display_name = "王统计"
    db.session.commit()
    client.post("/office/results/tally")
    run = _run(db)
    preview = client.get(f"/office/results/{run.id}").get_data(as_text=True)
    assert f'href="/office/results/{run.id}/sign"' in preview  # the next step, at the top
    step = client.get(f"/office/results/{run.id}/sign").get_data(as_text=True)
    assert "此操作不可撤销" in step and run.input_hash in step and "计入投票箱" in step
    assert _run(db).state == "draft"  # looking at the step signs nothing
    done = client.post(f"/office/results/{run.id}/sign", follow_redirects=True)
    assert "统计局已签发" in done.get_data(as_text=True)
    login_as(Role.ADMIN)
    early = client.get(f"/office/results/{run.id}/release").get_data(as_text=True)
    assert "监察局会签后才能发布" in early and "确认发布" not in early
    login_as(Role.SUPERVISION)
    client.post(f"/office/results/{run.id}/countersign")
    login_as(Role.ADMIN)
    url = f"/office/results/{run.id}/release"
    step = client.get(url).get_data(as_text=True)
    assert "请输入年度 2026 以确认发布" in step and "统计局签发" in step and "监察局会签" in step
    assert f"王统计（{statistician.username}）" in step  # people by name, not by login
    wrong = client.post(url, data={"typed": "2025"})
    assert_form_reshown(wrong, "与“2026”不符，未执行", kept=("2025",), status=400)
    assert _run(db).state == "countersigned"
    assert client.get("/results/").status_code == 404
    done = client.post(url, data={"typed": "2026"}, follow_redirects=True)
    assert "2026年度评议结果已发布" in done.get_data(as_text=True)
    assert _run(db).state == "released"


def test_files_downloaded_before_release_say_they_are_a_preview_on_every_sheet(
    client, login_as, db, voted
):
    from urllib.parse import unquote

    login_as(Role.STATISTICS)
    client.post("/office/results/tally")
    run = _run(db)
    response = client.get(f"/office/results/{run.id}/export.xlsx")
    assert "预览-未发布" in unquote(response.headers["Content-Disposition"])
    book = load_workbook(io.BytesIO(response.data))
    for sheet in book.worksheets:
        assert sheet.title.endswith("（预览）")
        assert sheet["A1"].value.startswith(f"预览（未发布）：计票 #{run.id}，待签发")
    lines = client.get(f"/office/results/{run.id}/export.csv").data.decode("utf-8-sig")
    assert lines.splitlines()[0].startswith("预览（未发布）")
    client.post(f"/office/results/{run.id}/sign")
    login_as(Role.SUPERVISION)
    client.post(f"/office/results/{run.id}/countersign")
    login_as(Role.ADMIN)
    client.post(f"/office/results/{run.id}/release", data={"typed": "2026"})
    released = client.get(f"/office/results/{run.id}/export.xlsx")
    assert "预览" not in unquote(released.headers["Content-Disposition"])
    assert "部门" in load_workbook(io.BytesIO(released.data)).sheetnames


def test_before_release_the_results_page_says_when_and_after_it_the_home_page_leads_there(
    client, login_as, db, voted
):
    before = client.get("/results/")
    page = before.get_data(as_text=True)
    assert before.status_code == 404 and "评议结果尚未发布" in page and "页面不存在" not in page
    assert "最后一场评议会议" in page  # when to come back
    assert "/results/" not in client.get("/").get_data(as_text=True).replace("/results/q", "")
    _release(client, login_as, db)
    client.post("/logout")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/results/"' in home and "查看评议结果" in home


def test_the_workbook_names_groups_and_the_scheme_in_words(client, login_as, db, voted):
    _release(client, login_as, db)
    book = load_workbook(io.BytesIO(client.get("/results/export.xlsx").data))
    audit_rows = {row[0].value: row[1].value for row in book["审计"].iter_rows(min_row=2)}
    assert audit_rows["评分方案：“满意”的分值"] == 100
    assert audit_rows["评分方案：会场"] == "各会场合并（每张有效票计一次）"
    assert audit_rows["评分方案：得分相同时依次比较"] == "满意率、“满意”占比"
    assert not any(str(v).startswith("{") for v in audit_rows.values())  # no JSON left
    pools = {row[0].value for row in book["分档"].iter_rows(min_row=2)}
    assert pools <= {"第1组"}  # bands are within the group (its panel)


def test_a_visitor_narrows_the_results_to_a_group_or_a_department_name(client, login_as, db, voted):
    _release(client, login_as, db)
    client.post("/logout")
    everything = client.get("/results/").get_data(as_text=True)
    assert all(f"市{code}局" in everything for code in "ABC")
    one = client.get("/results/", query_string={"q": "市B"}).get_data(as_text=True)
    table = one[one.index('<table class="table results">') : one.index("</table>")]
    assert "市B局" in table and "市A局" not in table and "市C局" not in table
    assert "第1组" in one and "组内排名" in one  # a rank is always within its group
    group = client.get("/results/", query_string={"group": "1"}).get_data(as_text=True)
    assert all(f"市{code}局" in group for code in "ABC")
    none = client.get("/results/", query_string={"q": "不存在的局"}).get_data(as_text=True)
    assert "没有符合条件的部门" in none
    unknown = client.get("/results/", query_string={"group": "99"})
    assert unknown.status_code == 400 and "没有这个组" in unknown.text
    long = client.get("/results/", query_string={"q": "局" * 31})
    assert long.status_code == 400 and "搜索词最多 30 个字" in long.text


def test_workbook_columns_are_as_wide_as_their_contents(client, login_as, db, voted):
    _release(client, login_as, db)
    sheet = load_workbook(io.BytesIO(client.get("/results/export.xlsx").data))["部门"]
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    width = {name: sheet.column_dimensions[letter].width for name, letter in headers.items()}
    assert width["部门"] >= 2 * len("市A局") and width["组别"] >= 8
    assert all(8 <= w <= 62 for w in width.values())


def test_a_second_press_of_tally_counts_nothing_again(client, login_as, db, voted):
    login_as(Role.STATISTICS)
    page = client.get("/office/results/").get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="(\d+)"', page).group(1)
    assert seen == "0" and "data-busy" in page  # the button says what is happening once sent
    assert client.post("/office/results/tally", data={"seen": seen}).status_code == 302
    first = _run(db)
    # The same page's button pressed again (the first press was still counting).
    second = client.post("/office/results/tally", data={"seen": seen})
    assert_form_reshown(second, f"计票 #{first.id} 在您点击之后已经完成", status=409)
    assert _run(db).id == first.id and first.state == "draft"  # not superseded
    again = client.get("/office/results/").get_data(as_text=True)
    assert f'name="seen" type="hidden" value="{first.id}"' in again  # a deliberate re-tally
    assert client.post("/office/results/tally", data={"seen": first.id}).status_code == 302
    assert _run(db).id != first.id


def test_last_years_score_is_shown_only_when_it_was_scored_the_same_way(factory, db, voted):
    campaign, _boxes = voted
    first = run_tally(db.session, campaign, None)
    db.session.commit()
    earlier = factory.campaign(year=campaign.year - 1)
    stored = json.loads(first.figures)

    def released_last_year(figures: dict) -> None:
        db.session.add(
            ResultRun(
                campaign=earlier,
                state=RunState.RELEASED.value,
                input_hash=first.input_hash,
                figures=json.dumps(figures),
                computed_at=first.computed_at,
                computed_by="t",
            )
        )
        db.session.commit()

    released_last_year(stored)
    same = figures_of(run_tally(db.session, campaign, None))
    assert [d.previous_score for d in same.all_departments()] == [
        d.score for d in same.all_departments()
    ]

    stored["scheme"]["w_basic"] = 60.0  # last year counted 基本满意 at 60, not 80
    last_year = db.session.query(ResultRun).filter_by(campaign_id=earlier.id).one()
    db.session.delete(last_year)
    db.session.flush()
    released_last_year(stored)
    other = figures_of(run_tally(db.session, campaign, None))
    assert all(d.previous_score is None for d in other.all_departments())


def test_ranks_and_bands_never_compare_departments_of_different_panels(factory, db, voted):
    """A second group rated by a lenient panel: its departments do not push the first
    group's down, nor band against a mean that mixes the two."""
    campaign, _boxes = voted
    alone = figures_of(run_tally(db.session, campaign, None))
    lenient = factory.group(campaign, 2)
    for code in ("L1", "L2"):
        factory.department(campaign, code, lenient)
    ballots = [["satisfied", "satisfied" if i % 10 else "basically_satisfied"] for i in range(60)]
    factory.sealed_box(factory.meeting(lenient), "黄岛区分会场", ballots)
    figures = figures_of(run_tally(db.session, campaign, None))
    assert set(figures.rankings) == {"1", "2"}
    for key, codes in figures.rankings.items():
        group = {d.code for d in figures.group(key).departments}
        assert set(codes) == group
        for code in codes:
            d = figures.department(code)
            assert set(d.clearly_better) <= group
            assert d.joint_rank_interval[1] <= len(group)
    assert figures.department("L1").rank == 1 and figures.department("L2").rank == 2
    # Group 1's ranks, intervals and bands are exactly what they were without group 2.
    assert figures.group("1").departments == alone.group("1").departments
