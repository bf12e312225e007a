"""A points run's figures as types: computed as these, stored as their canonical JSON, read back
by the pages and the exports."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field

from evaluation.campaign.answers import CampaignRef
from questionnaires.figures import Figure

ComponentKey = Literal["evaluation", "on_time", "reply_satisfaction", "rectification"]
COMPONENTS: tuple[ComponentKey, ...] = (
    "evaluation",
    "on_time",
    "reply_satisfaction",
    "rectification",
)


class PlanTerms(Figure):
    """The plan version the points were computed under, as it stood."""

    version: int
    full_points: float
    weights: dict[str, int] = Field(description="Component → percentage of the full points")
    fractions: dict[str, float] = Field(
        description="Share of the evaluation's weight earned: above, within, below, unranked"
    )


class ComponentPoints(Figure):
    key: ComponentKey
    weight: int = Field(description="Percentage of the full points")
    share: float = Field(description="The share of its weight earned, 0–1")
    counted: list[int] | None = Field(
        description="[met, out of] as counted; none for the evaluation (its band decides) and "
        "where there was nothing to count (the full share)"
    )
    points: float


class DepartmentPoints(Figure):
    code: str
    name: str
    group: str = Field(description="Its group's key: points are compared within it only")
    group_name: str
    band: Literal["above", "within", "below"] | None
    components: list[ComponentPoints]
    total: float


class Points(Figure):
    campaign: CampaignRef
    result_run: int
    as_of: str = Field(description="ISO date the suggestion and rectification figures stood")
    plan: PlanTerms
    departments: list[DepartmentPoints] = Field(description="Group by group, as the results")

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)

    def by_group(self) -> list[tuple[str, list[DepartmentPoints]]]:
        groups: dict[str, list[DepartmentPoints]] = {}
        for department in self.departments:
            groups.setdefault(department.group_name, []).append(department)
        return list(groups.items())
