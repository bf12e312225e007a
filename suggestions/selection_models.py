"""The selection of outstanding suggestions and units (优秀意见建议、优秀承办单位评选): rounds,
nominees and the reviewers' blind scores."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Department
from evaluation.core.extensions import db
from evaluation.core.models import enum_type
from suggestions.models import Suggestion


class NomineeKind(StrEnum):
    SUGGESTION = "suggestion"  # 优秀意见建议
    UNIT = "unit"  # 优秀承办单位
    ORGANISER = "organiser"  # 优秀组织单位: a department or a district government


class SelectionState(StrEnum):
    SCORING = "scoring"  # reviewers score blind
    CLOSED = "closed"  # scores visible, ranking shown
    FINAL = "final"  # the admin chose the top N; public


class Selection(db.Model):
    """One selection round (评选) of a campaign: outstanding suggestions or outstanding units."""

    __tablename__ = "selection"
    __table_args__ = (UniqueConstraint("campaign_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    kind: Mapped[NomineeKind] = mapped_column(enum_type(NomineeKind, "kind", 12))
    state: Mapped[SelectionState] = mapped_column(
        enum_type(SelectionState, "state", 10), default=SelectionState.SCORING.value
    )
    top_n: Mapped[int | None]

    nominees: Mapped[list[Nominee]] = relationship(
        back_populates="selection", order_by="Nominee.id", cascade="all, delete-orphan"
    )


# Exactly one of what can be nominated.
ONE_KIND = (
    "(CASE WHEN suggestion_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN district IS NULL THEN 0 ELSE 1 END) = 1"
)


class Nominee(db.Model):
    """A nominated suggestion, unit (department) or district government."""

    __tablename__ = "nominee"
    __table_args__ = (
        UniqueConstraint("selection_id", "suggestion_id"),
        UniqueConstraint("selection_id", "unit_id"),
        UniqueConstraint("selection_id", "district"),
        CheckConstraint(ONE_KIND, name="one_kind_of_nominee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id", ondelete="CASCADE"))
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE")
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    district: Mapped[str | None] = mapped_column(String(50))  # its government (区市人民政府)
    selected: Mapped[bool] = mapped_column(default=False)

    selection: Mapped[Selection] = relationship(back_populates="nominees")
    suggestion: Mapped[Suggestion | None] = relationship()
    unit: Mapped[Department | None] = relationship()

    @property
    def name(self) -> str:
        """A unit's or a district government's name (a suggestion is shown by its number)."""
        if self.unit is not None:
            return self.unit.name
        return f"{self.district}人民政府" if self.district else ""


class ReviewScore(db.Model):
    """One reviewer's score of one nominee on one criterion of the rubric."""

    __tablename__ = "review_score"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 10", name="score_in_rubric"),)

    nominee_id: Mapped[int] = mapped_column(
        ForeignKey("nominee.id", ondelete="CASCADE"), primary_key=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), primary_key=True
    )
    criterion: Mapped[str] = mapped_column(String(20), primary_key=True)
    score: Mapped[int]
