"""The points as the assessment office receives them: a workbook (得分, 计分办法) and a CSV, in
Chinese, group by group; anything but the countersigned run is marked in the file and its name."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import force_locale
from openpyxl import Workbook

from assessment.figures import COMPONENTS, ComponentPoints, DepartmentPoints, Points
from assessment.forms import BAND_LABELS, COMPONENT_LABELS, STATE_LABELS
from assessment.models import PointsRun, PointsState
from evaluation.core.spreadsheets import EXPORT_LOCALE, SCORE, append_text_safe, csv_row


def _counted(component: ComponentPoints) -> str:
    if component.key == "evaluation":
        return ""
    return "{}/{}".format(*component.counted) if component.counted else "无应计事项"


def headers() -> list[str]:
    columns = ["组别", "代码", "部门", "组内位置"]
    for key in COMPONENTS:
        columns += [f"{COMPONENT_LABELS[key]}（计数）", f"{COMPONENT_LABELS[key]}（得分）"]
    return [*columns, "合计"]


def row(department: DepartmentPoints) -> tuple[list[Any], list[str]]:
    values: list[Any] = [
        department.group_name,
        department.code,
        department.name,
        str(BAND_LABELS[department.band or "unranked"]),
    ]
    formats = ["", "", "", ""]
    for component in department.components:
        values += [_counted(component), component.points]
        formats += ["", SCORE]
    return [*values, department.total], [*formats, SCORE]


def mark_of(run: PointsRun) -> str | None:
    if run.state == PointsState.FINAL:
        return None
    with force_locale(EXPORT_LOCALE):
        return f"非定稿（{STATE_LABELS[run.state]}），不得作为考核依据"


def points_csv(run: PointsRun, points: Points) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    with force_locale(EXPORT_LOCALE):
        mark = mark_of(run)
        if mark:
            writer.writerow([mark])
        writer.writerow(headers())
        for department in points.departments:
            values, formats = row(department)
            writer.writerow(csv_row(values, formats))
    return out.getvalue().encode("utf-8-sig")


def points_xlsx(run: PointsRun, points: Points) -> bytes:
    book = Workbook()
    sheet = book.active
    with force_locale(EXPORT_LOCALE):
        sheet.title = "考核得分"
        mark = mark_of(run)
        if mark:
            append_text_safe(sheet, [mark])
        append_text_safe(sheet, headers())
        for department in points.departments:
            values, formats = row(department)
            append_text_safe(sheet, values)
            for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
                if number_format:
                    cell.number_format = number_format
        terms = book.create_sheet("计分办法")
        plan = points.plan
        rows: list[list[Any]] = [
            ["年度", points.campaign.year],
            ["计分办法版本", plan.version],
            ["本项满分", plan.full_points],
            ["评议结果", f"第 {points.result_run} 次计票（已发布）"],
            ["办理与整改数据截至", points.as_of],
        ]
        rows += [[f"权重：{COMPONENT_LABELS[k]}", f"{plan.weights[k]}%"] for k in COMPONENTS]
        rows += [[f"得分比例：{BAND_LABELS[k]}", v] for k, v in plan.fractions.items()]
        rows.append(
            [
                "计算",
                "各部分得分 = 满分 × 权重 × 得分比例（或比率），保留两位小数；合计为各部分之和",
            ]
        )
        rows.append(["比较", "评议结果只在本组内比较（各组由不同的代表评议），不作跨组排名"])
        for values in rows:
            append_text_safe(terms, values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(points: Points, run: PointsRun, extension: str) -> str:
    suffix = "" if run.state == PointsState.FINAL else "-非定稿"
    return f"{points.campaign.year}年度三民活动考核得分{suffix}.{extension}"
