"""The public board (公开督办): warning levels, filtered pages and each unit's handling figures.

Nothing here reads a submitter's name or phone number: the board, its API and the statistics
are built from columns that carry no personal data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from evaluation.campaign.models import Campaign, Department
from evaluation.core.clock import beijing_today
from evaluation.core.errors import Refused
from evaluation.core.forms import MAX_ID, database_id
from evaluation.core.paging import Page
from suggestions.models import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Channel,
    Satisfaction,
    Status,
    Suggestion,
    suggestion_co_unit,
)
from suggestions.routing import work_calendar

BOARD_PAGE_SIZE = 20
BLUE_WORKING_DAYS = 2  # blue: due within this many working days


class WarningLevel(StrEnum):
    BLUE = "blue"  # due within 2 working days
    YELLOW = "yellow"  # due today
    RED = "red"  # overdue


@dataclass(frozen=True)
class WarningBounds:
    """Today and the last date still shown blue, worked out once per page."""

    today: dt.date
    blue_until: dt.date

    def level(self, suggestion: Suggestion) -> WarningLevel | None:
        if suggestion.status not in OPEN_STATUSES or suggestion.due_on is None:
            return None
        if suggestion.due_on < self.today:
            return WarningLevel.RED
        if suggestion.due_on == self.today:
            return WarningLevel.YELLOW
        if suggestion.due_on <= self.blue_until:
            return WarningLevel.BLUE
        return None

    def condition(self, level: WarningLevel, entity: Any = Suggestion) -> Any:
        due = entity.due_on
        is_open = entity.status.in_([s.value for s in OPEN_STATUSES])
        if level == WarningLevel.RED:
            return and_(is_open, due < self.today)
        if level == WarningLevel.YELLOW:
            return and_(is_open, due == self.today)
        return and_(is_open, due > self.today, due <= self.blue_until)


def warning_bounds(session: Session, today: dt.date | None = None) -> WarningBounds:
    today = today or beijing_today()
    return WarningBounds(today, work_calendar(session).add_working_days(today, BLUE_WORKING_DAYS))


@dataclass(frozen=True)
class Filters:
    unit: str | None = None  # a department code
    status: Status | None = None
    category: int | None = None
    warning: WarningLevel | None = None
    q: str | None = None  # a number (No.12, #12, 12) or words in the text


SEARCH_MAX = 50


def board_query(args: Mapping[str, str]) -> tuple[Filters, int]:
    """The filters and page number of a board URL; a value that is not valid is refused."""

    def parse(name: str, kind: Callable[[str], Any]) -> Any:
        value = args.get(name) or None
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            raise Refused(_("参数 %(name)s 不正确。", name=name)) from None

    filters = Filters(
        unit=args.get("unit") or None,
        status=parse("status", Status),
        category=parse("category", database_id),
        warning=parse("warning", WarningLevel),
        q=" ".join((args.get("q") or "").split()) or None,
    )
    if filters.q and len(filters.q) > SEARCH_MAX:
        raise Refused(_("搜索词最多 %(n)s 个字。", n=SEARCH_MAX))
    return filters, parse("page", database_id) or 1


def _number(q: str) -> int | None:
    """The suggestion number a search means (No.12, #12, 12), if it is one."""
    digits = q.upper().removeprefix("NO.").removeprefix("NO").removeprefix("#").strip()
    return (
        int(digits) if digits.isascii() and digits.isdigit() and 0 < int(digits) <= MAX_ID else None
    )


def _following(condition: Callable[[Any], Any]) -> Any:
    """Rows that meet the condition, merged duplicates judged by their survivor (as shown)."""
    survivor = aliased(Suggestion)
    merged = Suggestion.status == Status.MERGED.value
    return or_(
        and_(~merged, condition(Suggestion)),
        and_(merged, Suggestion.merged_into_id.in_(select(survivor.id).where(condition(survivor)))),
    )


def filtered(
    campaign: Campaign, filters: Filters, bounds: WarningBounds, public: bool = True
) -> Select:
    """The campaign's suggestions passing the filters: for the public only those triaged and
    not rejected; for the office every one not rejected, the untriaged ones included."""
    shown = PUBLIC_STATUSES if public else [s for s in Status if s != Status.REJECTED]
    query = select(Suggestion).where(
        Suggestion.campaign_id == campaign.id,
        Suggestion.status.in_([s.value for s in shown]),
    )
    if filters.unit:
        units = select(Department.id).where(
            Department.campaign_id == campaign.id, Department.code == filters.unit
        )
        query = query.where(_following(lambda row: row.lead_unit_id.in_(units)))
    if filters.status == Status.MERGED:
        query = query.where(Suggestion.status == Status.MERGED.value)
    elif filters.status:
        query = query.where(_following(lambda row: row.status == filters.status.value))
    if filters.category:
        query = query.where(Suggestion.category_id == filters.category)
    if filters.warning:
        query = query.where(_following(lambda row: bounds.condition(filters.warning, row)))
    if filters.q:
        number = _number(filters.q)
        if number is not None:
            query = query.where(Suggestion.id == number)
        elif public and any(c.isdigit() for c in filters.q):
            # The public text masks phone and id numbers: a search must not find them.
            query = query.where(false())
        else:
            query = query.where(
                and_(
                    *(Suggestion.text.contains(word, autoescape=True) for word in filters.q.split())
                )
            )
    return query


def board(
    session: Session,
    campaign: Campaign,
    filters: Filters,
    page: int = 1,
    bounds: WarningBounds | None = None,
    per_page: int = BOARD_PAGE_SIZE,
    public: bool = True,
    oldest_first: bool = False,
) -> Page:
    """One page of the board, newest first (`public` False: the office's full list;
    `oldest_first`: the office's queue, where the longest waiting come first)."""
    bounds = bounds or warning_bounds(session)
    query = filtered(campaign, filters, bounds, public)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = Page.count(total, per_page)
    page = min(max(1, page), pages)
    items = list(
        session.execute(
            query.options(
                joinedload(Suggestion.lead_unit),
                joinedload(Suggestion.category),
                joinedload(Suggestion.merged_into),
            )
            .order_by(Suggestion.id.asc() if oldest_first else Suggestion.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .scalars()
    )
    return Page(items, total, page, pages)


@dataclass
class UnitStats:
    """How one unit handled the suggestions it led."""

    code: str
    name: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0
    median_working_days: float | None = None
    feedback: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Satisfaction})

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    @property
    def rated(self) -> int:
        return sum(self.feedback.values())

    @property
    def satisfaction_rate(self) -> float | None:
        """满意 + 基本满意 among the replies citizens rated."""
        if not self.rated:
            return None
        return 1 - self.feedback[Satisfaction.DISSATISFIED] / self.rated


def unit_statistics(
    session: Session, campaign: Campaign, bounds: WarningBounds | None = None
) -> list[UnitStats]:
    """Each unit's figures over the items it leads (merged duplicates count in their survivor)."""
    bounds = bounds or warning_bounds(session)
    handled = (
        Suggestion.campaign_id == campaign.id,
        Suggestion.lead_unit_id.is_not(None),
        Suggestion.status.not_in([Status.MERGED.value, Status.REJECTED.value]),
    )

    def count_if(condition: object) -> object:
        return func.sum(case((condition, 1), else_=0))

    is_open = Suggestion.status.in_([s.value for s in OPEN_STATUSES])
    rows = session.execute(
        select(
            Suggestion.lead_unit_id,
            func.count(),
            count_if(Suggestion.answered_on.is_not(None)),
            count_if(Suggestion.on_time.is_(True)),
            count_if(is_open),
            count_if(and_(is_open, Suggestion.due_on < bounds.today)),
            *(count_if(Suggestion.feedback == s.value) for s in Satisfaction),
        )
        .where(*handled)
        .group_by(Suggestion.lead_unit_id)
    ).all()
    # Working days taken are small whole numbers: count each value and find the median there,
    # rather than fetching one row per answered suggestion.
    days: dict[int, dict[int, int]] = defaultdict(dict)
    for unit_id, taken, n in session.execute(
        select(Suggestion.lead_unit_id, Suggestion.working_days_taken, func.count())
        .where(*handled, Suggestion.working_days_taken.is_not(None))
        .group_by(Suggestion.lead_unit_id, Suggestion.working_days_taken)
    ):
        days[unit_id][taken] = n
    units = {
        d.id: d
        for d in session.execute(
            select(Department).where(Department.campaign_id == campaign.id)
        ).scalars()
    }
    result = []
    for unit_id, received, answered, on_time, open_, overdue, *feedback in rows:
        unit = units[unit_id]
        stats = UnitStats(unit.code, unit.name, received, answered, on_time, open_, overdue)
        stats.feedback = {s.value: int(n) for s, n in zip(Satisfaction, feedback, strict=True)}
        stats.median_working_days = median_of_counts(days[unit_id])
        result.append(stats)
    result.sort(key=lambda s: s.code)
    return result


def median_of_counts(counts: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}, as statistics.median would say."""
    total = sum(counts.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]  # positions of the one or two middle values
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return (found[0] + found[1]) / 2


def summary(session: Session, campaign: Campaign) -> dict[str, dict[str, int]]:
    """Everything received, rejected ones included: by channel, by status, by reject reason."""
    rows = session.execute(
        select(Suggestion.channel, Suggestion.status, Suggestion.reject_reason, func.count())
        .where(Suggestion.campaign_id == campaign.id)
        .group_by(Suggestion.channel, Suggestion.status, Suggestion.reject_reason)
    ).all()
    result: dict[str, dict[str, int]] = {
        "channel": {c.value: 0 for c in Channel},
        "status": {s.value: 0 for s in Status},
        "rejected": defaultdict(int),
    }
    for channel, status, reason, n in rows:
        result["channel"][channel] += n
        result["status"][status] += n
        if reason:
            result["rejected"][reason] += n
    result["rejected"] = dict(result["rejected"])
    result["total"] = {"all": sum(result["channel"].values())}
    return result


def unit_queue(
    session: Session, unit: Department, bounds: WarningBounds
) -> list[tuple[Suggestion, WarningLevel | None]]:
    """The items a unit leads or co-handles, the most pressing first."""
    co = select(suggestion_co_unit.c.suggestion_id).where(suggestion_co_unit.c.unit_id == unit.id)
    items = session.execute(
        select(Suggestion)
        .where(
            or_(Suggestion.lead_unit_id == unit.id, Suggestion.id.in_(co)),
            Suggestion.status.not_in([Status.MERGED.value, Status.REJECTED.value]),
        )
        .order_by(Suggestion.due_on, Suggestion.id)
    ).scalars()
    ranked = [(s, bounds.level(s)) for s in items]
    open_first = {True: 0, False: 1}
    ranked.sort(key=lambda pair: (open_first[pair[0].status in OPEN_STATUSES], pair[0].due_on))
    return ranked
