"""The results as an XLSX workbook and as CSV: Chinese headers, numbers as numbers."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from analysis import stats
from analysis.figures import DepartmentFigures, Figures
from analysis.forms import (
    BAND_LABELS,
    FLAG_LABELS,
    POOL_LABELS,
    RUN_STATE_LABELS,
    SCHEME_LABELS,
    TIE_BREAK_LABELS,
    VENUE_FLAG_LABELS,
    WEIGHTING_LABELS,
)
from analysis.models import ResultRun, RunState
from analysis.stats import Scheme
from evaluation.core.spreadsheets import EXPORT_LOCALE, RATE, SCORE, append_text_safe, csv_row
from questionnaires.exports import QUESTIONNAIRE_COLUMNS, questionnaire_rows

DEPARTMENT_COLUMNS: list[tuple[str, str, Callable[[DepartmentFigures], Any]]] = [
    ("排名", "", lambda d: d.rank),
    ("排名区间（90%）", "", lambda d: _interval(d.rank_interval)),
    ("联合排名区间（90%）", "", lambda d: _interval(d.joint_rank_interval)),
    ("分档", "", lambda d: str(BAND_LABELS.get(d.band or "", ""))),
    ("部门代码", "", lambda d: d.code),
    ("部门", "", lambda d: d.name),
    ("组别", "", lambda d: d.group_name),
    ("得分", SCORE, lambda d: d.score),
    ("得分区间下限", SCORE, lambda d: (d.score_ci or [None, None])[0]),
    ("得分区间上限", SCORE, lambda d: (d.score_ci or [None, None])[1]),
    ("满意率", RATE, lambda d: d.satisfaction_rate),
    ("满意率区间下限", RATE, lambda d: (d.satisfaction_ci or [None, None])[0]),
    ("满意率区间上限", RATE, lambda d: (d.satisfaction_ci or [None, None])[1]),
    ("满意占比", RATE, lambda d: d.satisfied_share),
    ("不满意占比", RATE, lambda d: d.dissatisfied_share),
    ("了解率", RATE, lambda d: d.awareness),
    ("回收票数", "", lambda d: d.returned),
    ("有效票数", "", lambda d: d.valid),
    ("满意", "", lambda d: d.counts.satisfied),
    ("基本满意", "", lambda d: d.counts.basically_satisfied),
    ("不满意", "", lambda d: d.counts.dissatisfied),
    ("不了解", "", lambda d: d.counts.unknown),
    ("未填", "", lambda d: d.counts.blank),
    ("上年得分", SCORE, lambda d: d.previous_score),
    ("说明", "", lambda d: str(FLAG_LABELS.get(d.flag or "", ""))),
]


def _interval(pair: list[int] | None) -> str:
    if not pair:
        return ""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}–{pair[1]}"


def department_rows(figures: Figures) -> list[list[Any]]:
    return [[get(d) for _h, _f, get in DEPARTMENT_COLUMNS] for d in figures.all_departments()]


def _scheme_rows(scheme: Scheme) -> list[list[Any]]:
    """The scoring scheme as rows a reader understands (not as JSON)."""
    shown = {
        "venue_weighting": str(WEIGHTING_LABELS[scheme.venue_weighting]),
        "tie_breaks": "、".join(str(TIE_BREAK_LABELS[t]) for t in scheme.tie_breaks) or "—",
        "merge_internal": "是" if scheme.merge_internal else "否",
    }
    return [
        [f"评分方案：{label}", shown.get(name, getattr(scheme, name))]
        for name, label in SCHEME_LABELS.items()
    ]


def preview_mark(run: ResultRun) -> str | None:
    """What a file exported before release says on its first line (None once released)."""
    if run.state == RunState.RELEASED:
        return None
    with force_locale(EXPORT_LOCALE):
        return _(
            "预览（未发布）：计票 #%(id)s，%(state)s。不是正式结果，不得引用。",
            id=run.id,
            state=str(RUN_STATE_LABELS[run.state]),
        )


def results_csv(figures: Figures, mark: str | None = None) -> str:
    """The department table; in Chinese whatever the visitor's language (headers are).
    `mark`: a preview's mark, written as the first line."""
    with force_locale(EXPORT_LOCALE):
        rows = department_rows(figures)
    out = io.StringIO()
    writer = csv.writer(out)
    if mark:
        writer.writerow([mark])
    writer.writerow([h for h, _f, _g in DEPARTMENT_COLUMNS])
    formats = [f for _h, f, _g in DEPARTMENT_COLUMNS]
    for row in rows:
        writer.writerow(csv_row(row, formats))
    return out.getvalue()


def _interval_method(figures: Figures) -> str:
    """How the score intervals were drawn, naming the groups that used the normal limit."""
    resamples = figures.scheme.resamples
    text = f"按会场分层、整张选票重抽样的自助法（bootstrap），{resamples} 次，95%，BCa 区间"
    large = [g.name for g in figures.groups if g.bootstrap == "normal"]
    if large:
        text += (
            f"；选票达 {stats.NORMAL_FROM:,} 张的组（{'、'.join(large)}）按各会场评价计数的"
            f"协方差从其正态极限抽取重抽样（不足 {stats.EXACT_VENUE_BELOW:,} 张的会场仍逐张"
            "重抽样），取百分位区间"
        )
    return text


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list[Any]], formats=None):
    sheet = book.create_sheet(title)
    append_text_safe(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_text_safe(sheet, row)
    for column, number_format in enumerate(formats or [], start=1):
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    _fit_columns(sheet)
    return sheet


def _display_width(value: Any) -> int:
    """How wide a value shows in a spreadsheet: a Chinese character takes two places."""
    text = f"{value:.4f}" if isinstance(value, float) else str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit_columns(sheet: Any) -> None:
    """Each column as wide as its widest cell (within reason), so nothing opens as ####."""
    for cells in sheet.iter_cols():
        widest = max((_display_width(c.value) for c in cells), default=0)
        sheet.column_dimensions[cells[0].column_letter].width = min(max(widest, 6), 60) + 2


def results_xlsx(figures: Figures, mark: str | None = None) -> bytes:
    """The workbook; `mark`: a preview's mark, on top of every sheet and in its tab."""
    with force_locale(EXPORT_LOCALE):
        return _workbook(figures, mark)


def _mark(book: Workbook, mark: str) -> None:
    for sheet in book.worksheets:
        sheet.insert_rows(1)
        sheet["A1"] = mark
        sheet["A1"].font = Font(bold=True, color="B3261E")
        sheet.freeze_panes = "A3"
        sheet.sheet_properties.tabColor = "B3261E"
        sheet.oddHeader.center.text = mark
        sheet.title = f"{sheet.title}（预览）"[:31]


def _workbook(figures: Figures, mark: str | None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    summary = []
    for g in figures.groups:
        scores = [d.score for d in g.departments if d.score is not None]
        summary.append(
            [
                g.name,
                len(g.departments),
                g.issued,
                g.ballots,
                g.ballots / g.issued if g.issued else None,
                sum(scores) / len(scores) if scores else None,
            ]
        )
    _sheet(
        book,
        "汇总",
        ["组别", "部门数", "发出票数", "回收票数", "回收率", "平均得分"],
        summary,
        ["", "", "", "", RATE, SCORE],
    )
    _sheet(
        book,
        "部门",
        [h for h, _f, _g in DEPARTMENT_COLUMNS],
        department_rows(figures),
        [f for _h, f, _g in DEPARTMENT_COLUMNS],
    )
    names = figures.names()
    per_venue = []
    for g in figures.groups:
        for v in g.per_venue:
            for code, (s, b, x, u) in v.counts.items():
                n = s + b + x
                per_venue.append(
                    [
                        g.name,
                        v.venue,
                        code,
                        names[code],
                        s,
                        b,
                        x,
                        u,
                        (s + b) / n if n else None,
                    ]
                )
    _sheet(
        book,
        "分会场",
        ["组别", "会场", "部门代码", "部门", "满意", "基本满意", "不满意", "不了解", "满意率"],
        per_venue,
        ["", "", "", "", "", "", "", "", RATE],
    )
    venues = []
    for g in figures.groups:
        for v in g.venues:
            venues.append(
                [
                    g.name,
                    v.venue,
                    v.issued,
                    v.ballots,
                    v.turnout,
                    v.paper,
                    v.straight_share,
                    v.repeated_share,
                    v.unknown_share,
                    "；".join(str(VENUE_FLAG_LABELS[f]) for f in v.flags),
                ]
            )
        for h in g.homogeneity:
            if h.flagged_venues:
                flagged = "、".join(h.flagged_venues)
                venues.append(
                    [
                        g.name,
                        flagged,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        f"{names[h.code]}：各会场评价差异显著（q={h.q:.4f}）",
                    ]
                )
    _sheet(
        book,
        "会场检查",
        [
            "组别",
            "会场",
            "发出",
            "回收",
            "回收率",
            "纸质票",
            "整张同一选项",
            "重复选票",
            "不了解比例",
            "提示",
        ],
        venues,
        ["", "", "", "", RATE, "", RATE, RATE, RATE, ""],
    )
    bands = []
    for pool in figures.rankings:
        for d in figures.pool(pool):
            if d.band:
                bands.append(
                    [
                        str(POOL_LABELS.get(pool, pool)),
                        str(BAND_LABELS[d.band]),
                        d.name,
                        d.rank,
                        _interval(d.joint_rank_interval),
                    ]
                )
    _sheet(book, "分档", ["排名范围", "分档", "部门", "排名", "联合排名区间"], bands)
    scheme = figures.scheme
    method = [
        ["有效票", "满意 + 基本满意 + 不满意；“不了解”和未填不计入有效票"],
        ["满意率", "（满意 + 基本满意）÷ 有效票，95% Wilson 区间"],
        ["了解率", "有效票 ÷（有效票 + 不了解）"],
        [
            "得分",
            f"（{scheme.w_satisfied}×满意 + {scheme.w_basic}×基本满意 + "
            f"{scheme.w_dissatisfied}×不满意）÷ 有效票",
        ],
        ["会场", "各会场合并计算" if scheme.venue_weighting == "pooled" else "各会场等权平均"],
        ["得分区间", _interval_method(figures)],
        [
            "排名区间",
            "90% 排名区间（Mogstad、Romano、Shaikh、Wilhelm，2024）；联合区间对全表同时成立",
        ],
        ["分档", "与全部参与排名部门平均分之差的联合 95% 区间"],
        [
            "输入记录哈希",
            "SHA-256：按投票箱编号依次写入“box 编号”行、部门代码行，再写入该箱每张选票的字节"
            "（渠道：手机 0、纸质 1；各部门：满意 0、基本满意 1、不满意 2、不了解 3、空白 255），"
            "选票按字节排序，与记录文件中各行的顺序无关",
        ],
        [
            "不排名",
            f"有效票少于 {scheme.min_valid} 张或了解率低于 {scheme.min_awareness:.0%}",
        ],
        [
            "会场检查",
            "χ² 同质性检验，Benjamini–Yekutieli 校正，1% 水平；提示只要求复核，不剔除任何选票",
        ],
    ]
    method.append(
        [
            "问卷",
            "占比 = 选择该项的人数 ÷ 回答该题的人数，95% Wilson 区间；量表均值（1–5）的 95% 区间"
            "为固定种子的百分位 bootstrap；会场答卷按会场汇总，网上答卷单列、不计入会场合计",
        ]
    )
    _sheet(book, "说明", ["项目", "说明"], method)
    audit_rows = [
        ["输入记录哈希（SHA-256）", figures.audit.input_hash],
        ["封箱投票箱数", figures.audit.boxes],
        ["随机种子", figures.audit.seed],
        ["重抽样次数", figures.audit.resamples],
        *_scheme_rows(figures.scheme),
    ]
    audit_rows += [
        [f"问卷答卷记录哈希 {q.title}（第 {q.version} 版）", q.records_hash]
        for q in figures.questionnaires
    ]
    audit_rows += [[f"软件 {k}", v] for k, v in figures.audit.software.items()]
    _sheet(book, "审计", ["项目", "值"], audit_rows)
    for number, questionnaire in enumerate(figures.questionnaires, start=1):
        title = f"问卷{number} {questionnaire.title}"[:31]  # Excel's sheet name limit
        _sheet(
            book,
            title,
            [h for h, _f in QUESTIONNAIRE_COLUMNS],
            questionnaire_rows(questionnaire),
            [f for _h, f in QUESTIONNAIRE_COLUMNS],
        )
    if mark:
        _mark(book, mark)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(figures: Figures, extension: str, preview: bool = False) -> str:
    with force_locale(EXPORT_LOCALE):
        name = _("%(year)s年度评议结果", year=figures.campaign.year)
        if preview:
            name += _("（预览-未发布）")
    return f"{name}.{extension}"
