"""The demo's results at work: two versions of the assessment plan, and three past years in the
archive (imported as their result CSVs would be), one department renamed and two merged since,
one year scored under another scheme (shown as not comparable)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import appeals, archive
from analysis.models import ArchivedYear
from analysis.services import released_run
from assessment.services import DEFAULT_PLAN, plans_of, save_plan
from evaluation.campaign.models import Campaign, Department
from evaluation.core.files import storage

RENAMED = ("J05", "D05")  # 2025's code → today's
MERGED = (("J10", "D10"), ("J11", "D10"))  # two bureaus merged into today's D10
BANDS = {"above": "明显高于本组平均", "within": "与本组平均无明显差别", "below": "明显低于本组平均"}


def _past_codes(code: str) -> list[str]:
    if code == RENAMED[1]:
        return [RENAMED[0]]
    merged = [old for old, new in MERGED if new == code]
    return merged or [code]


def _csv(departments: list[Department], year: int) -> bytes:
    """A past year's results CSV, with the headers the results page's download has."""
    rng = random.Random(year)
    rows = []
    for department in departments:
        for code in _past_codes(department.code):
            score = round(rng.uniform(72, 92), 2)
            name = department.name if code == department.code else f"{department.name}（原{code}）"
            rows.append([department.group.name, code, name, score])
    by_group: dict[str, list[float]] = {}
    for row in rows:
        by_group.setdefault(row[0], []).append(row[3])
    lines = ["组别,部门代码,部门,得分,得分区间下限,得分区间上限,满意率,组内名次,分档"]
    for group, code, name, score in rows:
        scores = sorted(by_group[group], reverse=True)
        mean = sum(scores) / len(scores)
        band = "above" if score > mean + 5 else "below" if score < mean - 5 else "within"
        half = round(rng.uniform(1.2, 2.6), 2)
        rate = f"{min(99.0, score + rng.uniform(3, 7)):.2f}%"
        rank = scores.index(score) + 1
        lines.append(
            f"{group},{code},{name},{score:.2f},{score - half:.2f},{score + half:.2f},"
            f"{rate},{rank},{BANDS[band]}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def build_demo_results_at_work(session: Session, campaign: Campaign, actor: str) -> None:
    """Create what is missing; running it again changes nothing."""
    if not plans_of(session, campaign):
        save_plan(session, campaign, DEFAULT_PLAN, actor)
        adjusted = replace(
            DEFAULT_PLAN,
            w_evaluation=60,
            w_on_time=15,
            w_reply_satisfaction=15,
            note="按联席会议意见，提高意见建议办理的权重。",
        )
        save_plan(session, campaign, adjusted, actor)
    public = [d for d in campaign.departments if d.group is not None]
    settings = archive.ScoreSettings(100.0, 80.0, 0.0, "pooled")
    older = archive.ScoreSettings(100.0, 60.0, 0.0, "pooled")  # before the city changed it
    for year, scored in ((campaign.year - 3, older), (campaign.year - 2, settings)):
        _archive(session, public, year, scored, actor)
    _archive(session, public, campaign.year - 1, settings, actor)
    recorded = {(c.old_code, c.new_code) for c in archive.code_changes(session)}
    for old, new in (RENAMED, *MERGED):
        if (old, new) not in recorded:
            note = "更名" if (old, new) == RENAMED else "机构改革合并"
            archive.record_code_change(session, campaign.year, old, new, note, actor)


APPEAL = (
    "D03",
    "rank",
    "我局认为第一组部分分会场的纸质票录入时部门顺序有误，影响了我局的名次区间，请核对原始选票后复核。",
)


def build_demo_appeal(session: Session, campaign: Campaign, actor: str, today: dt.date) -> None:
    """Once the demo's results are released (README's walk-through), a department's appeal
    waits for the statistics bureau (the demo keeps a box open for its public cards, so its
    results are released only when someone walks them through)."""
    run = released_run(session, campaign)
    if (
        run is None
        or appeals.appeals_of(session, campaign)
        or today > appeals.deadline(session, run)
    ):
        return
    code, figure, reasons = APPEAL
    unit = next(d for d in campaign.departments if d.code == code)
    appeals.file_appeal(session, run, unit, figure, reasons, [], storage(), actor, today)


def _archive(
    session: Session,
    departments: list[Department],
    year: int,
    settings: archive.ScoreSettings,
    actor: str,
) -> None:
    if session.execute(select(ArchivedYear.id).where(ArchivedYear.year == year)).first():
        return
    archive.import_year(
        session, _csv(departments, year), year, f"{year}年度三民活动", settings, actor
    )
