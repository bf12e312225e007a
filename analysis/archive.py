"""Year over year (历年比较): past years' released results in an archive, departments' code
changes across years, and each department's trend under the same score settings.

A past year comes in as the CSV the results page offers (下载 CSV, `sanmin results export
--format csv`), or any CSV with its headers: 部门代码, 部门, 组别, 得分 and, where known,
得分区间下限, 得分区间上限, 满意率, 组内名次, 分档. The score settings it was computed under are
stated at import: a score from other weights, or pooled another way, is never compared.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.computation import SCORE_SETTINGS, figures_of
from analysis.figures import Figures
from analysis.forms import BAND_LABELS
from analysis.models import ArchivedResult, ArchivedYear, CodeChange, ResultRun, RunState
from evaluation.campaign.imports import ImportRefused, RowError, read_table
from evaluation.campaign.models import Campaign
from evaluation.core import audit
from evaluation.core.clock import utcnow
from evaluation.core.errors import Conflict, Refused
from evaluation.core.spreadsheets import EXPORT_LOCALE

REQUIRED = ("部门代码", "部门", "组别", "得分")


@dataclass(frozen=True)
class ScoreSettings:
    """What makes two years' scores comparable (`analysis.computation.SCORE_SETTINGS`)."""

    w_satisfied: float
    w_basic: float
    w_dissatisfied: float
    venue_weighting: str


def settings_of(source: object) -> ScoreSettings:
    return ScoreSettings(*(getattr(source, name) for name in SCORE_SETTINGS))


def _number(text: str, percent: bool = False) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    # Decimal: "90.10%" is 0.901 exactly as printed, not 0.9009999…
    value = Decimal(text.removesuffix("%"))
    if text.endswith("%") or (percent and value > 1):
        value /= 100
    return float(value)


def _rows(data: bytes) -> list[ArchivedResult]:
    rows = read_table("results.csv", io.BytesIO(data), max_rows=1000)
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise Refused(
            _(
                "缺少列：%(c)s。请导入评议结果页“下载 CSV”的文件（已发布的结果），"
                "或含这些列的 CSV。",
                c="、".join(missing),
            )
        )
    with force_locale(EXPORT_LOCALE):
        bands = {str(label): key for key, label in BAND_LABELS.items()}
    errors, results, seen = [], [], set()
    for row in rows:
        number = int(row["__row__"])
        code = row["部门代码"]
        if not code or code in seen:
            errors.append(RowError(number, "部门代码", _("为空或重复")))
            continue
        seen.add(code)
        try:
            rank = row.get("组内名次", "")
            results.append(
                ArchivedResult(
                    code=code,
                    name=row["部门"] or code,
                    group_name=row["组别"],
                    score=_number(row["得分"]),
                    score_low=_number(row.get("得分区间下限", "")),
                    score_high=_number(row.get("得分区间上限", "")),
                    satisfaction_rate=_number(row.get("满意率", ""), percent=True),
                    rank=int(rank) if rank else None,
                    band=bands.get(row.get("分档", "")),
                )
            )
        except (ValueError, InvalidOperation):
            errors.append(RowError(number, "得分", _("不是数字")))
    if errors:
        raise ImportRefused(errors)
    return results


def import_year(
    session: Session,
    data: bytes,
    year: int,
    title: str,
    settings: ScoreSettings,
    actor: str,
    replace: bool = False,
) -> ArchivedYear:
    """Bring a past year's released results into the archive (all rows or none)."""
    if not 2000 <= year <= 2100:
        raise Refused(_("年度应为四位数字。"), field="year")
    released_here = session.execute(
        select(ResultRun.id)
        .join(Campaign, Campaign.id == ResultRun.campaign_id)
        .where(Campaign.year == year, ResultRun.state == RunState.RELEASED)
    ).first()
    if released_here:
        raise Conflict(_("%(y)s 年度的结果已在本系统发布，不需要导入。", y=year))
    results = _rows(data)
    existing = session.execute(select(ArchivedYear).where(ArchivedYear.year == year)).scalar()
    if existing is not None:
        if not replace:
            raise Conflict(_("%(y)s 年度已导入；确需替换请勾选“替换”。", y=year), field="year")
        session.delete(existing)
        session.flush()
    archived = ArchivedYear(
        year=year,
        title=title.strip() or f"{year}年度",
        file_sha256=hashlib.sha256(data).hexdigest(),
        imported_at=utcnow(),
        imported_by=actor,
        results=results,
        **vars(settings),
    )
    session.add(archived)
    session.flush()
    audit.record(
        session,
        actor,
        "results.archive",
        f"year:{year}",
        departments=len(results),
        sha256=archived.file_sha256,
        replaced=existing is not None,
        **vars(settings),
    )
    return archived


def record_code_change(
    session: Session, effective_year: int, old_code: str, new_code: str, note: str, actor: str
) -> CodeChange:
    old_code, new_code = old_code.strip(), new_code.strip()
    if not old_code or not new_code or old_code == new_code:
        raise Refused(_("原代码和新代码都要填写，且不能相同。"), field="new_code")
    if not 2000 <= effective_year <= 2100:
        raise Refused(_("年度应为四位数字。"), field="effective_year")
    duplicate = session.execute(
        select(CodeChange.id).where(
            CodeChange.effective_year == effective_year,
            CodeChange.old_code == old_code,
            CodeChange.new_code == new_code,
        )
    ).first()
    if duplicate:
        raise Conflict(_("这条代码变更已经记录。"), field="new_code")
    change = CodeChange(
        effective_year=effective_year,
        old_code=old_code,
        new_code=new_code,
        note=note.strip(),
        recorded_at=utcnow(),
        recorded_by=actor,
    )
    session.add(change)
    session.flush()
    audit.record(
        session, actor, "results.code_change", f"{old_code}→{new_code}", year=effective_year
    )
    return change


def predecessors(changes: Iterable[CodeChange], code: str, year: int) -> dict[str, str]:
    """The codes that, in `year`, became today's `code`: code then → how ("same", "renamed",
    "merged", "split"). Changes are followed back one year at a time, newest first."""
    by_year: dict[int, list[CodeChange]] = {}
    for change in changes:
        if change.effective_year > year:
            by_year.setdefault(change.effective_year, []).append(change)
    codes = {code: "same"}
    for effective in sorted(by_year, reverse=True):
        step = by_year[effective]
        earlier: dict[str, str] = {}
        for current, how in codes.items():
            olds = [c.old_code for c in step if c.new_code == current]
            if not olds:
                earlier[current] = how
                continue
            for old in olds:
                heirs = {c.new_code for c in step if c.old_code == old}
                if len(olds) > 1:
                    earlier[old] = "merged"
                elif len(heirs) > 1:
                    earlier[old] = "split"
                else:
                    earlier[old] = how if how in ("merged", "split") else "renamed"
        codes = earlier
    return codes


@dataclass(frozen=True)
class TrendPoint:
    year: int
    code: str  # the code that year
    name: str
    score: float | None
    low: float | None
    high: float | None
    band: str | None
    how: str  # same, renamed, merged, split


@dataclass(frozen=True)
class Trend:
    points: list[TrendPoint]  # comparable years, oldest first
    other_scheme: list[int]  # years left out: scored under other settings


@dataclass(frozen=True)
class PastYear:
    year: int
    settings: ScoreSettings
    rows: dict[str, tuple[str, float | None, float | None, float | None, str | None]]


@dataclass(frozen=True)
class History:
    """Every year before this one (released here, or archived) and the code changes: read
    once, then asked for each department's trend."""

    years: list[PastYear]
    changes: list[CodeChange]

    def trend(self, figures: Figures, year: int, code: str) -> Trend:
        """`code`'s scores over the past years and in `figures` (this year's released
        results): only years under the same score settings as this year's."""
        now = settings_of(figures.scheme)
        points: list[TrendPoint] = []
        other: list[int] = []
        for past in self.years:
            found = predecessors(self.changes, code, past.year)
            found = {c: how for c, how in found.items() if c in past.rows}
            if not found:
                continue
            if past.settings != now:
                other.append(past.year)
                continue
            points += [
                TrendPoint(past.year, c, *past.rows[c], how) for c, how in sorted(found.items())
            ]
        current = figures.department(code)
        if current is not None:
            low, high = (current.score_ci or [None, None])[:2]
            points.append(
                TrendPoint(year, code, current.name, current.score, low, high, current.band, "same")
            )
        return Trend(points, other)


def history(session: Session, year: int) -> History:
    """The years before `year`: released in this database, or else archived."""
    years: dict[int, PastYear] = {}
    for archived in session.execute(select(ArchivedYear).where(ArchivedYear.year < year)).scalars():
        rows = {
            r.code: (r.name, r.score, r.score_low, r.score_high, r.band) for r in archived.results
        }
        years[archived.year] = PastYear(archived.year, settings_of(archived), rows)
    released = session.execute(
        select(ResultRun, Campaign.year)
        .join(Campaign, Campaign.id == ResultRun.campaign_id)
        .where(Campaign.year < year, ResultRun.state == RunState.RELEASED)
    ).all()
    for run, past in released:
        figures = figures_of(run)
        rows = {
            d.code: (d.name, d.score, *(d.score_ci or [None, None])[:2], d.band)
            for d in figures.all_departments()
        }
        years[past] = PastYear(past, settings_of(figures.scheme), rows)
    changes = list(session.execute(select(CodeChange)).scalars())
    return History([years[y] for y in sorted(years)], changes)


def archived_years(session: Session) -> list[ArchivedYear]:
    return list(session.execute(select(ArchivedYear).order_by(ArchivedYear.year)).scalars())


def code_changes(session: Session) -> list[CodeChange]:
    return list(
        session.execute(
            select(CodeChange).order_by(CodeChange.effective_year, CodeChange.old_code)
        ).scalars()
    )
