"""The assessment plan (考核计分办法: weights and band fractions, one row a version, locked
with the release of the results) and the point runs made under it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.models import ResultRun
from evaluation.campaign.models import Campaign
from evaluation.core.extensions import db
from evaluation.core.models import enum_type


class AssessmentPlan(db.Model):
    """One version of the conversion from figures to points. Weights are percentages of the
    item's full points; the fractions say what share of the evaluation's weight each band
    (within its own group) earns."""

    __tablename__ = "assessment_plan"
    __table_args__ = (
        UniqueConstraint("campaign_id", "version"),
        CheckConstraint(
            "w_evaluation + w_on_time + w_reply_satisfaction + w_rectification = 100",
            name="weights_add_up",
        ),
        CheckConstraint(
            "f_above >= f_within AND f_within >= f_below AND f_below >= 0 AND f_above <= 1"
            " AND f_unranked >= 0 AND f_unranked <= 1",
            name="fractions_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    full_points: Mapped[float] = mapped_column(default=100.0)
    w_evaluation: Mapped[int] = mapped_column(default=70)
    w_on_time: Mapped[int] = mapped_column(default=10)
    w_reply_satisfaction: Mapped[int] = mapped_column(default=10)
    w_rectification: Mapped[int] = mapped_column(default=10)
    f_above: Mapped[float] = mapped_column(default=1.0)
    f_within: Mapped[float] = mapped_column(default=0.9)
    f_below: Mapped[float] = mapped_column(default=0.75)
    f_unranked: Mapped[float] = mapped_column(default=0.9)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(100))

    campaign: Mapped[Campaign] = relationship()


class PointsState(StrEnum):
    DRAFT = "draft"  # computed by the statistics bureau
    SIGNED = "signed"  # signed by the statistics bureau
    FINAL = "final"  # countersigned by supervision: the export for the assessment office
    SUPERSEDED = "superseded"  # replaced by a later computation


class PointsRun(db.Model):
    """One computation of every department's points from a released result run."""

    __tablename__ = "assessment_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    result_run_id: Mapped[int] = mapped_column(ForeignKey("result_run.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("assessment_plan.id", ondelete="CASCADE"))
    state: Mapped[PointsState] = mapped_column(
        enum_type(PointsState, "state", 12), default=PointsState.DRAFT.value
    )
    as_of: Mapped[dt.date]  # suggestions and rectification counted as they stood that day
    figures: Mapped[str] = mapped_column(Text)  # canonical JSON (assessment.figures.Points)
    computed_at: Mapped[dt.datetime]
    computed_by: Mapped[str] = mapped_column(String(100))
    signed_by: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime | None]
    countersigned_by: Mapped[str | None] = mapped_column(String(100))
    countersigned_at: Mapped[dt.datetime | None]

    campaign: Mapped[Campaign] = relationship()
    result_run: Mapped[ResultRun] = relationship()
    plan: Mapped[AssessmentPlan] = relationship()
