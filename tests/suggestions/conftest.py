"""A reporting campaign with three units, categories and a routing rule, for suggestion tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from evaluation.campaign.models import Campaign, Department, Phase, Venue
from suggestions import routing, services
from suggestions.models import Channel, Suggestion, SuggestionCategory

PHONE = "13912345678"
NAME = "欧阳秀英"
TEXT = "建议在学校门口增设临时停车位，缓解上下学时段的交通拥堵。"


@dataclass
class World:
    campaign: Campaign
    units: list[Department]
    venue: Venue
    categories: list[SuggestionCategory]

    def receive(self, db: Any, **values: Any) -> Suggestion:
        values.setdefault("channel", Channel.ONLINE)
        values.setdefault("text", TEXT)
        suggestion = services.receive(db.session, self.campaign, services.Intake(**values), "test")
        db.session.commit()
        return suggestion

    def real_name(self, db: Any, **values: Any) -> Suggestion:
        return self.receive(db, author_name=NAME, author_phone=PHONE, **values)


@pytest.fixture
def world(factory: Any, db: Any) -> World:
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign)
    units = [factory.department(campaign, code, group) for code in ("A", "B", "C")]
    venue = factory.venue(campaign)
    for name in ("2027年经济社会发展", "服务型政府建设", "部门工作作风"):
        routing.add_category(db.session, campaign, name, "test")
    categories = routing.categories_of(db.session, campaign)
    routing.add_rule(db.session, campaign, None, "停车 红绿灯", units[1].id, "test")
    db.session.commit()
    return World(campaign, units, venue, categories)
