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
    RUN_STATE_LABELS,
    SCHEME_LABELS,
    TIE_BREAK_LABELS,
    WEIGHTING_LABELS,
)
from analysis.models import ResultRun, RunState
from analysis.stats import Scheme
from ballots.publication import MIN_PUBLISHED
from evaluation.core.spreadsheets import EXPORT_LOCALE, RATE, SCORE, append_text_safe, csv_row
from questionnaires.exports import QUESTIONNAIRE_COLUMNS, questionnaire_rows

DEPARTMENT_COLUMNS: list[tuple[str, str, Callable[[DepartmentFigures], Any]]] = [
    ("组别", "", lambda d: d.group_name),
    ("组内联合名次区间（90%）", "", lambda d: _interval(d.joint_rank_interval)),
    ("组内名次区间（90%）", "", lambda d: _interval(d.rank_interval)),
    ("组内名次", "", lambda d: d.rank),
    ("分档", "", lambda d: str(BAND_LABELS.get(d.band or "", ""))),
    ("部门代码", "", lambda d: d.code),
    ("部门", "", lambda d: d.name),
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
    bands = []
    for pool in figures.rankings:
        for d in figures.pool(pool):
            if d.band:
                bands.append(
                    [
                        d.group_name,
                        str(BAND_LABELS[d.band]),
                        d.name,
                        d.rank,
                        _interval(d.joint_rank_interval),
                    ]
                )
    _sheet(book, "分档", ["组别（排名范围）", "分档", "部门", "组内名次", "联合名次区间"], bands)
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
            "排名",
            "只在同一组内排名、分档：各组由不同的代表在不同的会议上评议，组间分数不能直接比较",
        ],
        [
            "名次区间",
            "组内 90% 名次区间（Mogstad、Romano、Shaikh、Wilhelm，2024）；联合区间对全组同时成立"
            "（两两差值的最大 |t| 自助法临界值，逐步法），名次本身只是区间内的一个点；"
            "“可能排第 1 名/进入前 3 名/落在最后 3 名”由联合区间得出",
        ],
        ["分档", "与本组参与排名部门平均分之差的联合 95% 区间"],
        [
            "敏感性",
            "基本满意按 60、90 分，以及只看满意率时的组内名次，与发布名次的 Spearman 等级相关",
        ],
        [
            "计票记录",
            f"每个投票箱（不足 {MIN_PUBLISHED} 张选票的与同组其他投票箱合并）一个 CSV 文件，"
            "首行为部门代码，每列是该部门的全部评价、各列分别随机打乱：行不是选票，"
            "无法据此核对某人怎样投票；不含渠道列；结果发布后公开",
        ],
        [
            "重抽样",
            "先把每个会场（合并公开的投票箱算一个会场）的每一列排序，再用 numpy "
            "default_rng([组种子, 0]) 依会场、部门顺序各自打乱，然后在会场内有放回地重抽样"
            "（BCa，scipy.stats.bootstrap，batch=100；5000 张以上用正态极限）；组种子 = 随机种子 + "
            "组的序号（按组号，内部评议最后，从 0 起）。各部门的评价按相互独立处理，名次区间和"
            "分档因此偏保守（更宽）",
        ],
        [
            "输入记录哈希",
            "SHA-256：按记录文件编号依次写入“box 编号”行、部门代码行，再依次写入每个部门的全部评价"
            "字节（满意 0、基本满意 1、不满意 2、不了解 3、空白 255）排序后的结果，与行的顺序无关",
        ],
        [
            "不排名",
            f"有效票少于 {scheme.min_valid} 张或了解率低于 {scheme.min_awareness:.0%}",
        ],
        [
            "会场检查",
            "需要完整选票，由监察局在系统内复核，不公开：每个会场与同组其他会场比较平均得分和"
            "“不了解”比例（置换检验的正态极限），整张同一选项和重复选票用 Fisher 精确检验，"
            "全部检验一起做 Benjamini–Yekutieli 校正（1% 水平）；提示只要求复核，不剔除任何选票",
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
