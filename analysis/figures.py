"""The released figures as types: what the computation produces, what a result run stores (as
canonical JSON), and what the pages, exports, charts, API and `results verify` read back.

Every part is frozen and refuses unknown fields, so a figure that is misspelt or missing fails
where it is read, not on a page. A field the computation does not set (a venue check that was
not tested, say) is stored as absent, as it always was, and reads back as its default.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field

from analysis.stats import Scheme
from evaluation.campaign.answers import CampaignRef
from questionnaires.figures import Figure, Interval, QuestionnaireFigures

INTERNAL = "internal"  # the key of the internal departments' group and ranking pool

Band = Literal["above", "within", "below"]
Flag = Literal["too_few_valid", "low_awareness"]


class RatingCounts(Figure):
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    unknown: int
    blank: int


class DepartmentFigures(Figure):
    """One department's result: counts, rates and score with intervals, rank and band."""

    code: str
    name: str
    group: str = Field(description="The key of its group: the group's number, or 'internal'")
    group_name: str
    returned: int = Field(description="Ballots returned in its group")
    paper: int = Field(description="Of which on paper")
    counts: RatingCounts
    valid: int = Field(description="Ballots rating it 满意, 基本满意 or 不满意")
    satisfaction_rate: float | None
    satisfaction_ci: Interval = Field(description="[low, high]; empty when not computable")
    satisfied_share: float | None
    dissatisfied_share: float | None
    awareness: float | None = Field(description="Share of its raters who know it")
    score: float | None
    score_ci: Interval = Field(description="[low, high]; empty when not computable")
    flag: Flag | None = Field(description="Why it is not ranked")
    rank: int | None = Field(description="名次 within its group; ties share the better rank")
    rank_interval: list[int] | None = Field(description="Marginal rank interval")
    joint_rank_interval: list[int] | None = Field(description="Simultaneous rank interval")
    clearly_better: list[str] = Field(description="Codes of the departments clearly above it")
    band: Band | None = Field(description="Clearly above, within or below its group's average")
    previous_score: float | None = Field(description="Its score in last year's released run")


class VenueCounts(Figure):
    """Each department's counts at one venue: [satisfied, basic, dissatisfied, unknown]."""

    venue: str
    counts: dict[str, list[int]]


class TopSet(Figure):
    """The departments that could be among the group's best τ, and among its worst τ."""

    tau: int
    best: list[str]
    worst: list[str]


class Sensitivity(Figure):
    """The group's point ranks under another reasonable scoring."""

    setting: Literal["basic_weight", "rate_only"]
    w_basic: float | None = Field(description="The 基本满意 weight tried (basic_weight)")
    spearman: float | None = Field(description="Spearman's ρ against the released ranks")
    ranks: dict[str, int]


class GroupFigures(Figure):
    key: str
    name: str
    departments: list[DepartmentFigures]
    ballots: int
    bootstrap: Literal["normal", "bca"] = Field(description="How the resamples were drawn")
    issued: int
    per_venue: list[VenueCounts]
    top_sets: list[TopSet] = []
    sensitivity: list[Sensitivity] = []


class Withdrawn(Figure):
    """A box formally taken out of the count (撤销), with its reason."""

    box: int
    group: int | None
    venue: str | None
    reason: str | None


class OverAttendance(Figure):
    """A box with more ballots than representatives checked in, and supervision's note."""

    box: int
    group: int | None
    venue: str | None
    ballots: int
    present: int
    note: str | None


class Audit(Figure):
    input_hash: str = Field(pattern="^[0-9a-f]{64}$")
    boxes: int
    withdrawn: list[Withdrawn]
    over_attendance: list[OverAttendance]
    seed: int
    resamples: int
    software: dict[str, str]
    audit_head: str | None = None


class Figures(Figure):
    """Every figure of one tally of a campaign."""

    campaign: CampaignRef
    scheme: Scheme
    groups: list[GroupFigures]
    rankings: dict[str, list[str]] = Field(
        description="Group key → its department codes by rank (ranks never cross groups)"
    )
    questionnaires: list[QuestionnaireFigures] = []
    audit: Audit

    def canonical_json(self) -> str:
        """As stored: sorted keys, the fields the computation set, nothing else."""
        return json.dumps(self.plain(), ensure_ascii=False, sort_keys=True)

    def plain(self) -> dict:
        return self.model_dump(mode="json", exclude_unset=True)

    def all_departments(self) -> list[DepartmentFigures]:
        """Every department in ranking order, group by group (the internal group last)."""
        by_code = {d.code: d for g in self.groups for d in g.departments}
        pools = sorted(self.rankings, key=lambda pool: pool == INTERNAL)
        return [by_code[code] for pool in pools for code in self.rankings[pool]]

    def pool(self, pool: str) -> list[DepartmentFigures]:
        return [d for d in self.all_departments() if d.code in self.rankings[pool]]

    def department(self, code: str) -> DepartmentFigures | None:
        return next((d for d in self.all_departments() if d.code == code), None)

    def group(self, key: str) -> GroupFigures:
        return next(g for g in self.groups if g.key == key)

    def names(self) -> dict[str, str]:
        return {d.code: d.name for g in self.groups for d in g.departments}

    def questionnaire(self, questionnaire_id: int) -> QuestionnaireFigures | None:
        return next((q for q in self.questionnaires if q.id == questionnaire_id), None)
