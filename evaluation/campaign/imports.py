"""Importing departments and venues from CSV or XLSX: every row checked, all or nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department, EvaluationMode, Group, Venue, VenueKind
from evaluation.core import audit
from evaluation.core.errors import Refused

MAX_IMPORT_ROWS = 2000

DEPARTMENT_COLUMNS = ["代码", "全称", "简称", "评议方式", "组别", "顺序", "工作职责", "年度目标"]
VENUE_COLUMNS = ["名称", "类型", "区市", "容量", "地址"]
MODE_WORDS = {"公开": EvaluationMode.PUBLIC, "内部": EvaluationMode.INTERNAL}
VENUE_KIND_WORDS = {
    "主会场": VenueKind.MAIN,
    "市级主会场": VenueKind.MAIN,
    "分会场": VenueKind.DISTRICT,
    "区市分会场": VenueKind.DISTRICT,
}


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str


class ImportRefused(Refused):
    """The file has bad rows; nothing was imported."""

    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("文件中有 %(n)s 处错误，未导入任何数据。", n=len(errors)))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    groups_created: list[int] = field(default_factory=list)


# An import of a few thousand rows unpacks to a few megabytes; a zip bomb to gigabytes.
MAX_XLSX_EXPANDED_BYTES = 50 * 2**20


def read_table(
    filename: str, stream: IO[bytes], max_rows: int = MAX_IMPORT_ROWS
) -> list[dict[str, str]]:
    """Read the rows of a CSV (UTF-8 or GBK, as Excel saves it in China) or XLSX file."""
    data = stream.read()
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data, max_rows)
    elif filename.lower().endswith(".csv"):
        rows = list(csv.reader(io.StringIO(_decode(data))))
    else:
        raise Refused(_("只能导入 CSV 或 XLSX 文件。"))
    rows = [r for r in rows if any(cell.strip() for cell in r)] if rows else []
    if not rows:
        raise Refused(_("文件是空的。"))
    if len(rows) - 1 > max_rows:
        raise Refused(_("一次最多导入 %(n)s 行。", n=max_rows))
    return rows_of(rows[0], rows[1:])


def rows_of(header: list[str], lines: list[list[str]]) -> list[dict[str, str]]:
    """Lines under a header as the imports take them: column → text, and `__row__`, the
    spreadsheet's row number (the header is row 1)."""
    names = [h.strip() for h in header]
    return [
        {h: (r[i].strip() if i < len(r) else "") for i, h in enumerate(names) if h}
        | {"__row__": str(number)}
        for number, r in enumerate(lines, start=2)
    ]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused(_("无法识别文件编码，请保存为 UTF-8 编码的 CSV。"))


def _xlsx_rows(data: bytes, max_rows: int) -> list[list[str]]:
    _refuse_a_zip_bomb(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        # The sheet is parsed as it is read: a damaged one fails here, not at opening.
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > max_rows + 1:
                break
        workbook.close()
    except Refused:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged file
        raise Refused(_("无法读取该 XLSX 文件，请确认文件未损坏。")) from exc
    return rows


def _refuse_a_zip_bomb(data: bytes) -> None:
    """An XLSX is a zip: refuse one that would expand beyond what an import can need."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Refused(_("无法读取该 XLSX 文件，请确认文件未损坏。")) from exc
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise Refused(
            _("XLSX 文件解压后超过 %(n)s MB，不能导入。", n=MAX_XLSX_EXPANDED_BYTES // 2**20),
            413,
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_header(rows: list[dict[str, str]], required: list[str]) -> None:
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise ImportRefused([RowError(1, c, _("缺少此列")) for c in missing])


def _int(value: str, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def import_departments(
    session: Session, campaign: Campaign, rows: list[dict[str, str]], actor: str
) -> ImportResult:
    """Create or update departments by code; a bad row anywhere imports nothing."""
    check_header(rows, ["代码", "全称", "简称"])
    errors: list[RowError] = []
    parsed = []
    seen_codes: dict[str, int] = {}
    seen_orders: dict[tuple[int, int], int] = {}
    for row in rows:
        n = int(row["__row__"])
        code, name, short = row.get("代码", ""), row.get("全称", ""), row.get("简称", "")
        for column, value, limit in (("代码", code, 32), ("全称", name, 200), ("简称", short, 50)):
            if not value:
                errors.append(RowError(n, column, _("不能为空")))
            elif len(value) > limit:
                errors.append(RowError(n, column, _("超过 %(n)s 个字符", n=limit)))
        if code in seen_codes:
            errors.append(RowError(n, "代码", _("与第 %(r)s 行重复", r=seen_codes[code])))
        elif code:
            seen_codes[code] = n
        mode_word = row.get("评议方式", "") or "公开"
        mode = MODE_WORDS.get(mode_word)
        if mode is None:
            errors.append(RowError(n, "评议方式", _("应为“公开”或“内部”")))
        group_number = order = None
        if mode == EvaluationMode.PUBLIC:
            group_number = _int(row.get("组别", ""), 1, 99)
            if group_number is None:
                errors.append(RowError(n, "组别", _("公开评议的部门需填写 1 到 99 的组号")))
            if row.get("顺序"):
                order = _int(row["顺序"], 1, 99)
                if order is None:
                    errors.append(RowError(n, "顺序", _("应为 1 到 99 的整数")))
                elif group_number is not None:
                    key = (group_number, order)
                    if key in seen_orders:
                        errors.append(
                            RowError(
                                n, "顺序", _("与第 %(r)s 行的组内顺序相同", r=seen_orders[key])
                            )
                        )
                    seen_orders[key] = n
        elif mode == EvaluationMode.INTERNAL and row.get("组别"):
            errors.append(RowError(n, "组别", _("内部评议的部门不属于任何述职组")))
        parsed.append((code, name, short, mode, group_number, order, row))
    if errors:
        raise ImportRefused(errors)

    result = ImportResult()
    groups = {g.number: g for g in campaign.groups}
    existing = {d.code: d for d in campaign.departments}
    touched: set[Group] = {d.group for d in existing.values() if d.group is not None}
    # Rows with an order take it; others keep their place or go last, in file order.
    # Rows are only valid once renumbered: no flush until then.
    with session.no_autoflush:
        rank: dict[Department, tuple[int, int, int]] = {}
        for index, (code, name, short, mode, group_number, order, row) in enumerate(parsed):
            group = None
            if group_number is not None:
                group = groups.get(group_number)
                if group is None:
                    group = Group(
                        campaign=campaign, number=group_number, name=f"第{group_number}组"
                    )
                    session.add(group)
                    groups[group_number] = group
                    result.groups_created.append(group_number)
                touched.add(group)
            department = existing.get(code)
            if department is None:
                department = Department(campaign=campaign, code=code)
                session.add(department)
                result.created += 1
            else:
                result.updated += 1
            stays = department.group is group and group is not None
            department.name, department.short_name = name, short
            department.evaluation_mode = mode.value
            department.group = group
            if group is None:
                department.order_in_group = None
            elif order is not None:
                rank[department] = (order, 0, index)
            elif stays and department.order_in_group:
                rank[department] = (department.order_in_group, 1, index)
            else:
                rank[department] = (10_000 + index, 1, index)
            if "工作职责" in row:
                department.duties = row["工作职责"]
            if "年度目标" in row:
                department.annual_goals = row["年度目标"]
        for group in touched:
            members = [d for d in group.departments if d.group is group]
            members.sort(key=lambda d: rank.get(d, (d.order_in_group or 0, 2, 0)))
            for position, department in enumerate(members, start=1):
                department.order_in_group = position
    session.flush()
    audit.record(
        session,
        actor,
        "department.import",
        f"campaign:{campaign.year}",
        created=result.created,
        updated=result.updated,
        groups_created=result.groups_created,
    )
    return result


def import_venues(
    session: Session, campaign: Campaign, rows: list[dict[str, str]], actor: str
) -> ImportResult:
    """Create or update venues by name; a bad row anywhere imports nothing."""
    check_header(rows, ["名称", "类型", "容量"])
    errors: list[RowError] = []
    parsed = []
    seen: dict[str, int] = {}
    main_rows = []
    for row in rows:
        n = int(row["__row__"])
        name = row.get("名称", "")
        if not name:
            errors.append(RowError(n, "名称", _("不能为空")))
        elif len(name) > 100:
            errors.append(RowError(n, "名称", _("超过 %(n)s 个字符", n=100)))
        elif name in seen:
            errors.append(RowError(n, "名称", _("与第 %(r)s 行重复", r=seen[name])))
        else:
            seen[name] = n
        kind = VENUE_KIND_WORDS.get(row.get("类型", ""))
        if kind is None:
            errors.append(RowError(n, "类型", _("应为“主会场”或“分会场”")))
        elif kind == VenueKind.MAIN:
            main_rows.append(n)
        capacity = _int(row.get("容量", ""), 1, 5000)
        if capacity is None:
            errors.append(RowError(n, "容量", _("应为 1 到 5000 的整数")))
        if len(row.get("区市", "")) > 50:
            errors.append(RowError(n, "区市", _("超过 %(n)s 个字符", n=50)))
        parsed.append((name, kind, capacity, row))
    if len(main_rows) > 1:
        errors.extend(RowError(n, "类型", _("只能有一个市级主会场")) for n in main_rows[1:])
    existing = {v.name: v for v in campaign.venues}
    other_main = [v for v in campaign.venues if v.kind == VenueKind.MAIN and v.name not in seen]
    if main_rows and other_main:
        errors.append(
            RowError(main_rows[0], "类型", _("已有市级主会场“%(name)s”", name=other_main[0].name))
        )
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.row))

    result = ImportResult()
    for name, kind, capacity, row in parsed:
        venue = existing.get(name)
        if venue is None:
            venue = Venue(campaign=campaign, name=name)
            session.add(venue)
            result.created += 1
        else:
            result.updated += 1
        venue.kind, venue.capacity = kind.value, capacity
        venue.district = row.get("区市", "")
        if "地址" in row:
            venue.address = row["地址"]
    session.flush()
    audit.record(
        session,
        actor,
        "venue.import",
        f"campaign:{campaign.year}",
        created=result.created,
        updated=result.updated,
    )
    return result


def department_rows(campaign: Campaign) -> list[list[str]]:
    """The campaign's departments in the import's columns, public ones in reporting order."""
    mode_word = {mode: word for word, mode in MODE_WORDS.items()}
    ordered = sorted(
        campaign.departments,
        key=lambda d: (d.group.number if d.group else 999, d.order_in_group or 0, d.code),
    )
    return [
        [
            d.code,
            d.name,
            d.short_name,
            mode_word[EvaluationMode(d.evaluation_mode)],
            str(d.group.number) if d.group else "",
            str(d.order_in_group or ""),
            d.duties,
            d.annual_goals,
        ]
        for d in ordered
    ]


def venue_rows(campaign: Campaign) -> list[list[str]]:
    kind_word = {VenueKind.MAIN: "主会场", VenueKind.DISTRICT: "分会场"}
    return [
        [v.name, kind_word[VenueKind(v.kind)], v.district, str(v.capacity), v.address]
        for v in campaign.venues
    ]
