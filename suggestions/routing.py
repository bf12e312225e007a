"""Where suggestions go: categories, routing rules, local days off and the working calendar."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department
from evaluation.core import audit
from evaluation.core.clock import beijing_today
from evaluation.core.errors import Conflict, NotFound, Refused
from suggestions.models import (
    LocalDayOff,
    RoutingRule,
    SuggestionCategory,
)
from suggestions.workdays import WorkCalendar


def work_calendar(session: Session) -> WorkCalendar:
    """The official calendar with the city's local days off."""
    return WorkCalendar.with_days_off(session.execute(select(LocalDayOff.day)).scalars())


def campaign_unit(session: Session, campaign: Campaign, unit_id: int | None) -> Department | None:
    if unit_id is None:
        return None
    unit = session.get(Department, unit_id)
    if unit is None or unit.campaign_id != campaign.id:
        raise Refused(_("所选部门不存在。"))
    return unit


def campaign_category(
    session: Session, campaign: Campaign, category_id: int | None
) -> SuggestionCategory | None:
    if category_id is None:
        return None
    category = session.get(SuggestionCategory, category_id)
    if category is None or category.campaign_id != campaign.id:
        raise Refused(_("所选类别不存在。"))
    return category


def propose_unit(
    session: Session,
    campaign: Campaign,
    category: SuggestionCategory | None,
    text: str,
    target: Department | None,
) -> Department | None:
    """The unit the office is likely to choose: the one named, else the best routing rule.

    A rule matches when its category is the suggestion's (or it has none) and, if it lists
    keywords, at least one appears in the text; more keyword hits win, then a category match,
    then the older rule.
    """
    if target is not None:
        return target
    best: tuple[int, int, int] | None = None
    chosen = None
    for rule in rules_of(session, campaign):
        if rule.category_id is not None and (category is None or rule.category_id != category.id):
            continue
        keywords = rule.keyword_list
        hits = sum(1 for k in keywords if k in text)
        if keywords and not hits:
            continue
        key = (hits, int(rule.category_id is not None), -rule.id)
        if best is None or key > best:
            best, chosen = key, rule.unit
    return chosen


def rules_of(session: Session, campaign: Campaign) -> list[RoutingRule]:
    return list(
        session.execute(
            select(RoutingRule)
            .where(RoutingRule.campaign_id == campaign.id)
            .order_by(RoutingRule.id)
        ).scalars()
    )


def add_category(session: Session, campaign: Campaign, name: str, actor: str) -> None:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise Refused(_("类别名称应为 1 到 50 个字。"))
    exists = session.execute(
        select(SuggestionCategory).where(
            SuggestionCategory.campaign_id == campaign.id, SuggestionCategory.name == name
        )
    ).scalar()
    if exists:
        raise Conflict(_("该类别已经存在。"))
    position = len(categories_of(session, campaign)) + 1
    session.add(SuggestionCategory(campaign_id=campaign.id, name=name, position=position))
    session.flush()
    audit.record(session, actor, "suggestion.category_add", name)


def categories_of(session: Session, campaign: Campaign) -> list[SuggestionCategory]:
    return list(
        session.execute(
            select(SuggestionCategory)
            .where(SuggestionCategory.campaign_id == campaign.id)
            .order_by(SuggestionCategory.position, SuggestionCategory.id)
        ).scalars()
    )


def add_rule(
    session: Session,
    campaign: Campaign,
    category_id: int | None,
    keywords: str,
    unit_id: int,
    actor: str,
) -> None:
    category = campaign_category(session, campaign, category_id)
    unit = campaign_unit(session, campaign, unit_id)
    keywords = " ".join((keywords or "").replace("，", " ").replace(",", " ").split())
    if unit is None:
        raise Refused(_("请选择承办单位。"))
    if category is None and not keywords:
        raise Refused(_("规则至少要有类别或关键词之一。"))
    session.add(
        RoutingRule(campaign_id=campaign.id, category=category, keywords=keywords, unit=unit)
    )
    session.flush()
    audit.record(session, actor, "suggestion.rule_add", unit.code, keywords=keywords)


def remove_rule(session: Session, campaign: Campaign, rule_id: int, actor: str) -> None:
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.campaign_id != campaign.id:
        raise NotFound(_("找不到该规则。"))
    session.delete(rule)
    session.flush()
    audit.record(session, actor, "suggestion.rule_remove", str(rule_id))


def add_day_off(session: Session, day: dt.date, reason: str, actor: str) -> None:
    if session.get(LocalDayOff, day) is not None:
        raise Conflict(_("这一天已经是本地休息日。"))
    session.add(LocalDayOff(day=day, reason=(reason or "").strip()[:100]))
    session.flush()
    audit.record(session, actor, "suggestion.day_off_add", day.isoformat(), reason=reason)


def remove_day_off(session: Session, day: dt.date, actor: str) -> None:
    found = session.get(LocalDayOff, day)
    if found is None:
        raise NotFound(_("找不到该休息日。"))
    session.delete(found)
    session.flush()
    audit.record(session, actor, "suggestion.day_off_remove", day.isoformat())


def calendar_warning(today: dt.date | None = None) -> list[int]:
    """Years around now for which only weekends are counted (the package does not know them)."""
    today = today or beijing_today()
    return WorkCalendar.unknown_years(today, today + dt.timedelta(days=60))
