"""Year over year (历年比较): past years imported from their result CSVs, departments renamed and
merged across years, and the trend shown only for years under the same score settings."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from analysis.models import ArchivedResult, ArchivedYear
from evaluation.core.models import AuditEvent, Role
from tests.analysis.test_results import _release
from tests.assessment.test_points import panel  # noqa: F401  (the fixture)
from tests.conftest import assert_form_reshown

HEADER = "组别,部门代码,部门,得分,得分区间下限,得分区间上限,满意率,组内名次,分档\n"
# 2024: X was renamed A from 2025 on; M1 and M2 were merged into B.
Y2024 = HEADER + (
    "第一组,X,市X局,81.20,79.00,83.40,90.10%,2,与本组平均无明显差别\n"
    "第一组,M1,市M1局,77.50,75.10,79.90,86.00%,3,与本组平均无明显差别\n"
    "第一组,M2,市M2局,84.00,82.20,85.80,93.50%,1,明显高于本组平均\n"
    "第一组,C,市C局,60.10,57.00,63.20,70.00%,4,明显低于本组平均\n"
)
Y2025 = HEADER + (
    "第一组,A,市A局,85.00,83.00,87.00,94.00%,1,明显高于本组平均\n"
    "第一组,B,市B局,80.00,78.00,82.00,90.00%,2,与本组平均无明显差别\n"
    "第一组,C,市C局,62.00,59.50,64.50,72.00%,3,明显低于本组平均\n"
)
# 2023 was scored with 基本满意 at 60: never compared with today's 80.
Y2023 = HEADER + "第一组,X,市X局,70.00,68.00,72.00,88.00%,1,\n"
SETTINGS = {"w_satisfied": "100", "w_basic": "80", "w_dissatisfied": "0"}


def _import(client, year: int, text: str, **more: str):
    data = {"year": str(year), "title": f"{year}年度", "venue_weighting": "pooled"}
    data |= SETTINGS | more
    data["file"] = (io.BytesIO(text.encode("utf-8-sig")), f"{year}.csv")
    return client.post("/office/results/archive", data=data, content_type="multipart/form-data")


def _change(client, old: str, new: str):
    form = {"effective_year": "2025", "old_code": old, "new_code": new, "note": "机构改革"}
    return client.post("/office/results/archive/code-change", data=form)


def test_past_years_renamed_and_merged_departments_show_in_the_trend(
    client,
    login_as,
    db,
    panel,  # noqa: F811
):
    login_as(Role.STATISTICS)
    assert _import(client, 2024, Y2024).status_code == 302
    assert _import(client, 2025, Y2025).status_code == 302
    assert _import(client, 2023, Y2023, w_basic="60").status_code == 302
    for old, new in (("X", "A"), ("M1", "B"), ("M2", "B")):
        assert _change(client, old, new).status_code == 302
    archived = db.session.execute(select(ArchivedYear).where(ArchivedYear.year == 2024)).scalar()
    assert [r.code for r in archived.results] == ["X", "M1", "M2", "C"]
    x = archived.results[0]
    assert (x.score, x.score_low, x.satisfaction_rate, x.rank, x.band) == (
        81.2,
        79.0,
        0.901,
        2,
        "within",
    )
    from tests.reports.test_reports import _publish_directly

    _publish_directly(db, next(d for d in panel.departments if d.code == "A"))
    _release(client, login_as, db)  # 2026, scored 100 / 80 / 0, pooled: the defaults

    from analysis.archive import history
    from analysis.computation import figures_of
    from analysis.services import released_run

    figures = figures_of(released_run(db.session, panel))
    past = history(db.session, 2026)
    a = past.trend(figures, 2026, "A")
    assert [(p.year, p.code, p.how) for p in a.points] == [
        (2024, "X", "renamed"),
        (2025, "A", "same"),
        (2026, "A", "same"),
    ]
    assert a.other_scheme == [2023]  # its 基本满意 weighed 60: left out, and said so
    b = past.trend(figures, 2026, "B")
    assert [(p.year, p.code, p.how) for p in b.points] == [
        (2024, "M1", "merged"),
        (2024, "M2", "merged"),
        (2025, "B", "same"),
        (2026, "B", "same"),
    ]
    assert [(p.year, p.score, p.low, p.high) for p in b.points[:2]] == [
        (2024, 77.5, 75.1, 79.9),
        (2024, 84.0, 82.2, 85.8),
    ]

    page = client.get("/results/departments/A").get_data(as_text=True)
    assert "历年得分" in page and "时为 市X局" in page and "81.20" in page
    assert "2023 年的评分方案不同，不作比较" in page and "70.00" not in page
    merged = client.get("/results/departments/B").get_data(as_text=True)
    assert "合并前的 市M1局" in merged and "合并前的 市M2局" in merged
    results = client.get("/results/").get_data(as_text=True)
    history_table = results[results.index("历年得分（同一评分方案下）") :]
    assert '<th class="num">2024</th>' in history_table and "2023" not in history_table
    assert "85.00" in history_table  # A in 2025
    # The department's own page (its published report) shows the trend with its result.
    own = client.get("/departments/A").get_data(as_text=True)
    assert "历年得分" in own and "时为 市X局" in own
    actions = list(db.session.execute(select(AuditEvent.action)).scalars())
    assert actions.count("results.archive") == 3 and actions.count("results.code_change") == 3


def test_bad_archive_files_are_refused_whole_and_change_nothing(client, login_as, db, panel):  # noqa: F811
    login_as(Role.STATISTICS)
    broken = HEADER + "第一组,A,市A局,八十,,,,,\n第一组,A,市A局,80,,,,,\n"
    refused = _import(client, 2025, broken)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "不是数字" in page and "为空或重复" in page and "<form" in page
    missing = _import(client, 2025, "部门,得分\n市A局,80\n")
    assert_form_reshown(missing, "缺少列：部门代码", status=400)
    # A preview exported before release starts with its mark: not a released result.
    preview = "预览（未发布）：计票 #3，草稿。不是正式结果，不得引用。\n" + Y2025
    assert _import(client, 2025, preview).status_code == 400
    assert db.session.execute(select(func.count()).select_from(ArchivedResult)).scalar() == 0

    assert _import(client, 2025, Y2025).status_code == 302
    again = _import(client, 2025, Y2025)
    assert_form_reshown(again, "已导入", status=409)
    assert _import(client, 2025, Y2025, replace="y").status_code == 302
    assert db.session.execute(select(func.count()).select_from(ArchivedYear)).scalar() == 1
    same = _change(client, "A", "A")
    assert_form_reshown(same, "不能相同", status=400)
    _release(client, login_as, db)
    login_as(Role.STATISTICS)
    here = _import(client, 2026, Y2025)
    assert_form_reshown(here, "已在本系统发布", status=409)


def test_the_command_line_archives_a_year_and_records_a_code_change(runner, db, tmp_path):
    export = tmp_path / "2025.csv"
    export.write_text(Y2025, encoding="utf-8-sig")
    done = runner.invoke(args=["results", "archive", str(export), "--year", "2025"])
    assert done.exit_code == 0 and "3 departments" in done.output
    again = runner.invoke(args=["results", "archive", str(export), "--year", "2025"])
    assert again.exit_code == 1 and "已导入" in again.output
    changed = runner.invoke(args=["results", "code-change", "X", "A", "--year", "2025"])
    assert changed.exit_code == 0
    year = db.session.execute(select(ArchivedYear)).scalar_one()
    assert (year.w_basic, year.venue_weighting) == (80.0, "pooled")
