"""The campaign's work summary (工作总结): one page and one PDF, every figure read from what was
released or published — the released results, the boxes' closing manifests, the suggestions'
board, the finalised selections, the rectification tasks — nothing typed a second time."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from analysis.appeals import appeals_of
from analysis.computation import figures_of
from analysis.figures import INTERNAL
from analysis.models import AppealState, ResultRun
from analysis.services import released_run
from ballots.boxes import boxes_of
from ballots.manifest import manifests
from ballots.models import BoxState
from evaluation.campaign.models import Campaign
from evaluation.core.pdf import FONT, PRINTABLE
from rectification.models import TaskState
from rectification.services import tasks_of
from suggestions.board import summary as suggestion_summary
from suggestions.board import unit_statistics
from suggestions.selection import outstanding
from suggestions.selection_models import NomineeKind


@dataclass(frozen=True)
class GroupLine:
    name: str
    departments: int
    issued: int
    ballots: int
    paper: int
    above: int
    within: int
    below: int
    unranked: int


@dataclass(frozen=True)
class VenueLine:
    group: str
    venue: str
    seats: int
    present: int | None
    ballots: int


@dataclass(frozen=True)
class WorkSummary:
    campaign: Campaign
    run: ResultRun
    attendance: list[tuple[str, int, int]]  # category, invited, came
    venues: list[VenueLine]
    groups: list[GroupLine]
    questionnaires: list[tuple[str, int, int]]  # title, respondents, of which online
    suggestions: int
    answered: int
    on_time: int
    rated: int
    satisfied: int  # 满意 and 基本满意 among the rated replies
    outstanding_suggestions: list[str]
    outstanding_units: list[str]
    outstanding_organisers: list[str]
    tasks: int
    listed: int
    closed: int
    appeals: int
    upheld: int

    @property
    def ballots(self) -> int:
        return sum(g.ballots for g in self.groups)

    @property
    def paper(self) -> int:
        return sum(g.paper for g in self.groups)


def work_summary(session: Session, campaign: Campaign) -> WorkSummary | None:
    """None until the results are released: the summary speaks of released figures only."""
    run = released_run(session, campaign)
    if run is None:
        return None
    figures = figures_of(run)
    groups = []
    for group in figures.groups:
        bands = defaultdict(int)
        for d in group.departments:
            bands[d.band or "unranked"] += 1
        first = group.departments[0] if group.departments else None
        groups.append(
            GroupLine(
                "内部评议" if group.key == INTERNAL else group.name,
                len(group.departments),
                group.issued,
                group.ballots,
                first.paper if first else 0,
                bands["above"],
                bands["within"],
                bands["below"],
                bands["unranked"],
            )
        )
    attendance: dict[str, list[int]] = {}
    venues = []
    boxes = [b for b in boxes_of(session, campaign) if b.current_state == BoxState.SEALED]
    for _box, m in sorted(manifests(session, boxes).items()):
        venues.append(
            VenueLine(str(m.group or "内部"), m.venue or "", m.seats, m.present, m.ballots)
        )
        for category, (invited, came) in m.attendance.items():
            totals = attendance.setdefault(category, [0, 0])
            totals[0] += invited
            totals[1] += came
    units = unit_statistics(session, campaign)
    tasks = tasks_of(session, campaign)
    appeals = appeals_of(session, campaign)
    return WorkSummary(
        campaign=campaign,
        run=run,
        attendance=[(c, n[0], n[1]) for c, n in attendance.items()],
        venues=venues,
        groups=groups,
        questionnaires=[
            (q.title, q.respondents.total, q.respondents.online) for q in figures.questionnaires
        ],
        suggestions=suggestion_summary(session, campaign)["total"]["all"],
        answered=sum(u.answered for u in units),
        on_time=sum(u.on_time for u in units),
        rated=sum(u.rated for u in units),
        satisfied=sum(u.rated - u.feedback["dissatisfied"] for u in units),
        outstanding_suggestions=[
            r.nominee.suggestion.text[:40]
            for r in outstanding(session, campaign, NomineeKind.SUGGESTION)
            if r.nominee.suggestion
        ],
        outstanding_units=[
            r.nominee.name for r in outstanding(session, campaign, NomineeKind.UNIT)
        ],
        outstanding_organisers=[
            r.nominee.name for r in outstanding(session, campaign, NomineeKind.ORGANISER)
        ],
        tasks=len(tasks),
        listed=sum(t.listed for t in tasks),
        closed=sum(t.state == TaskState.CLOSED for t in tasks),
        appeals=len(appeals),
        upheld=sum(a.state in (AppealState.UPHELD, AppealState.CORRECTED) for a in appeals),
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def summary_pdf(s: WorkSummary) -> bytes:
    """The summary as an A4 document, the page's sections in order."""
    out = io.BytesIO()
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=18, leading=26, alignment=1)

    def table(rows: list[list[object]], widths: list[float]) -> Table:
        t = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
                    ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                ]
            )
        )
        return t

    def text(value: str) -> Paragraph:
        return Paragraph(value.translate(PRINTABLE), body)

    story: list[object] = [
        Paragraph(f"{s.campaign.title}工作总结".translate(PRINTABLE), head),
        text(
            f"评议结果于 {s.run.released_at:%Y年%m月%d日} 发布。"
            "本总结的数字均取自已发布的结果和公开记录。"
        ),
        Spacer(0, 4 * mm),
        text("一、市民代表出席情况"),
        table(
            [["类别", "邀请", "出席", "出席率"]]
            + [[c, i, n, _share(n, i)] for c, i, n in s.attendance],
            [50, 30, 30, 30],
        ),
        Spacer(0, 3 * mm),
        text("二、各组评议票"),
        table(
            [
                [
                    "组别",
                    "部门",
                    "发出",
                    "收回",
                    "其中纸质",
                    "高于平均",
                    "无明显差别",
                    "低于平均",
                    "未排名",
                ]
            ]
            + [
                [
                    g.name,
                    g.departments,
                    g.issued,
                    g.ballots,
                    g.paper,
                    g.above,
                    g.within,
                    g.below,
                    g.unranked,
                ]
                for g in s.groups
            ],
            [34, 14, 16, 16, 18, 18, 22, 18, 16],
        ),
        text(
            f"共收回评议票 {s.ballots} 张，其中手机 {s.ballots - s.paper} 张、纸质 {s.paper} 张。"
        ),
        Spacer(0, 3 * mm),
        text("三、各会场投票"),
        table(
            [["组别", "会场", "座位", "签到", "收回"]]
            + [
                [v.group, v.venue, v.seats, "—" if v.present is None else v.present, v.ballots]
                for v in s.venues
            ],
            [20, 60, 25, 25, 25],
        ),
        Spacer(0, 3 * mm),
        text("四、问卷调查"),
        *[
            text(f"{title}：答卷 {n} 份，其中网上 {online} 份。")
            for title, n, online in s.questionnaires
        ],
        text("五、意见建议"),
        text(
            f"收到意见建议 {s.suggestions} 件，已答复 {s.answered} 件，其中按期答复 {s.on_time} 件"
            f"（{_share(s.on_time, s.answered)}）；市民评价 {s.rated} 次，"
            f"满意和基本满意 {s.satisfied} 次（{_share(s.satisfied, s.rated)}）。"
        ),
        text("优秀意见建议：" + ("；".join(s.outstanding_suggestions) or "尚未评定")),
        text("优秀承办单位：" + ("、".join(s.outstanding_units) or "尚未评定")),
        text("优秀组织单位：" + ("、".join(s.outstanding_organisers) or "尚未评定")),
        text("六、整改落实"),
        text(f"整改任务 {s.tasks} 项，其中公开挂牌督办 {s.listed} 项，已销号 {s.closed} 项。"),
        text(f"七、申诉复核：收到申诉 {s.appeals} 件，成立 {s.upheld} 件。"),
    ]
    SimpleDocTemplate(out, pagesize=A4, title=f"{s.campaign.title}工作总结").build(story)
    return out.getvalue()
