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


class Nominee(db.Model):
    """A nominated suggestion or unit."""

    __tablename__ = "nominee"
    __table_args__ = (
        UniqueConstraint("selection_id", "suggestion_id"),
        UniqueConstraint("selection_id", "unit_id"),
        CheckConstraint("(suggestion_id IS NULL) != (unit_id IS NULL)", name="one_kind_of_nominee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id", ondelete="CASCADE"))
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE")
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    selected: Mapped[bool] = mapped_column(default=False)

    selection: Mapped[Selection] = relationship(back_populates="nominees")
    suggestion: Mapped[Suggestion | None] = relationship()
    unit: Mapped[Department | None] = relationship()


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
