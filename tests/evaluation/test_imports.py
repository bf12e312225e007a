"""Importing departments and venues from CSV and XLSX: all rows or none, every bad row named."""

import io

from openpyxl import Workbook

from evaluation.campaign.models import Department, Group, Venue
from evaluation.core.models import Role
from tests.conftest import assert_form_reshown

DEPARTMENTS_CSV = """代码,全称,简称,评议方式,组别,顺序,工作职责
FGW,市发展和改革委员会,发展改革委,公开,1,2,负责全市发展规划
CZJ,市财政局,财政局,公开,1,1,负责财政预算
JYJ,市教育局,教育局,公开,2,,负责全市教育
YJS,市政府研究室,研究室,内部,,,政策研究
"""

BAD_DEPARTMENTS_CSV = """代码,全称,简称,评议方式,组别,顺序
FGW,市发展和改革委员会,发展改革委,公开,1,1
,市财政局,财政局,公开,1,2
JYJ,市教育局,教育局,半公开,2,
FGW,市发改委重复,重复,公开,x,
YJS,市政府研究室,研究室,内部,3,
"""


def _upload(client, kind, content: bytes, filename: str):
    return client.post(
        f"/office/import/{kind}",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_good_csv_imports_departments_in_reporting_order(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    response = _upload(client, "departments", DEPARTMENTS_CSV.encode(), "departments.csv")
    assert response.status_code == 302
    db.session.expire_all()
    group1 = db.session.query(Group).filter_by(number=1).one()
    assert [d.code for d in group1.departments] == ["CZJ", "FGW"]
    assert db.session.query(Group).filter_by(number=2).one().departments[0].code == "JYJ"
    internal = db.session.query(Department).filter_by(code="YJS").one()
    assert internal.is_internal and internal.group is None
    assert db.session.query(Department).filter_by(code="FGW").one().duties == "负责全市发展规划"


def test_a_csv_saved_by_excel_in_gbk_is_read(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    response = _upload(client, "departments", DEPARTMENTS_CSV.encode("gbk"), "departments.csv")
    assert response.status_code == 302
    assert db.session.query(Department).count() == 4


def test_importing_the_same_file_twice_updates_instead_of_duplicating(
    client, factory, login_as, db
):
    factory.campaign()
    login_as(Role.ADMIN)
    _upload(client, "departments", DEPARTMENTS_CSV.encode(), "departments.csv")
    again = _upload(client, "departments", DEPARTMENTS_CSV.encode(), "departments.csv")
    assert again.status_code == 302
    assert db.session.query(Department).count() == 4


def test_a_good_xlsx_imports_venues(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    content = _xlsx(
        [
            ["名称", "类型", "区市", "容量"],
            ["市级主会场", "主会场", "", 100],
            ["市南区分会场", "分会场", "市南区", 200],
        ]
    )
    response = _upload(client, "venues", content, "venues.xlsx")
    assert response.status_code == 302
    venues = {v.name: v for v in db.session.query(Venue)}
    assert venues["市级主会场"].capacity == 100 and venues["市级主会场"].kind == "main"
    assert venues["市南区分会场"].district == "市南区"


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(
    client, factory, login_as, db
):
    factory.campaign()
    login_as(Role.ADMIN)
    response = _upload(client, "departments", BAD_DEPARTMENTS_CSV.encode(), "departments.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未导入任何数据" in page
    for row, column, reason in [
        (3, "代码", "不能为空"),
        (4, "评议方式", "应为“公开”或“内部”"),
        (5, "代码", "与第 2 行重复"),
        (5, "组别", "1 到 99 的组号"),
        (6, "组别", "内部评议的部门不属于任何述职组"),
    ]:
        assert f"<td>{row}</td><td>{column}</td><td>" in page and reason in page
    assert db.session.query(Department).count() == 0
    assert db.session.query(Group).count() == 0


def test_bad_xlsx_venue_rows_import_nothing(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    content = _xlsx(
        [
            ["名称", "类型", "区市", "容量"],
            ["市级主会场", "主会场", "", 100],
            ["市南区分会场", "分会场", "市南区", "很多"],
            ["市北区分会场", "大会场", "市北区", 0],
        ]
    )
    response = _upload(client, "venues", content, "venues.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>3</td><td>容量</td>" in page
    assert "<td>4</td><td>类型</td>" in page and "<td>4</td><td>容量</td>" in page
    assert db.session.query(Venue).count() == 0


def test_a_missing_column_or_wrong_file_type_is_refused_clearly(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    missing = _upload(client, "venues", "名称,容量\n主会场,100\n".encode(), "venues.csv")
    assert_form_reshown(missing, "缺少此列", status=422)
    wrong = _upload(client, "venues", b"%PDF-1.4", "venues.pdf")
    assert_form_reshown(wrong, "只能导入 CSV 或 XLSX", status=400)
    broken = _upload(client, "venues", b"not a zip", "venues.xlsx")
    assert_form_reshown(broken, "无法读取", status=400)
    assert db.session.query(Venue).count() == 0


def test_the_command_line_imports_and_lists_bad_rows(runner, factory, db, tmp_path):
    factory.campaign()
    db.session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_DEPARTMENTS_CSV, encoding="utf-8")
    result = runner.invoke(args=["import", "departments", str(bad)])
    assert result.exit_code == 1
    assert "第 3 行，代码：不能为空" in result.output
    assert db.session.query(Department).count() == 0
    good = tmp_path / "good.csv"
    good.write_text(DEPARTMENTS_CSV, encoding="utf-8")
    result = runner.invoke(args=["import", "departments", str(good)])
    assert result.exit_code == 0, result.output
    assert db.session.query(Department).count() == 4


def test_an_export_reads_back_in_as_the_same_departments(runner, factory, db, tmp_path):
    factory.campaign()
    db.session.commit()
    source = tmp_path / "in.csv"
    source.write_text(DEPARTMENTS_CSV, encoding="utf-8")
    runner.invoke(args=["import", "departments", str(source)])
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["export", "departments", "--out", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "代码,全称,简称,评议方式,组别,顺序,工作职责,年度目标"
    assert text.index("CZJ") < text.index("FGW") < text.index("JYJ") < text.index("YJS")
