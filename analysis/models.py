"""The scoring scheme of a campaign and the result runs (计票结果) made from its ballots."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Campaign, Department
from evaluation.core.extensions import db
from evaluation.core.files import StoredFileColumns
from evaluation.core.models import enum_type


class VenueWeighting(StrEnum):
    POOLED = "pooled"  # every valid ballot counts once
    EQUAL = "equal"  # every venue counts the same, whatever its size


class RunState(StrEnum):
    DRAFT = "draft"  # computed, seen only by the statistics bureau
    SIGNED = "signed"  # signed off by the statistics bureau
    COUNTERSIGNED = "countersigned"  # countersigned by the supervision bureau
    RELEASED = "released"  # public
    SUPERSEDED = "superseded"  # replaced by a later tally before release
    CORRECTED = "corrected"  # was released, then replaced by a correction (申诉复核)


class ScoringScheme(db.Model):
    """How a campaign turns ratings into scores (评分方案); locked once results are released."""

    __tablename__ = "scoring_scheme"
    __table_args__ = (
        CheckConstraint("min_awareness >= 0 AND min_awareness <= 1", name="awareness_share"),
        CheckConstraint("min_valid >= 0", name="min_valid_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), unique=True
    )
    w_satisfied: Mapped[float] = mapped_column(default=100.0)
    w_basic: Mapped[float] = mapped_column(default=80.0)
    w_dissatisfied: Mapped[float] = mapped_column(default=0.0)
    venue_weighting: Mapped[VenueWeighting] = mapped_column(
        enum_type(VenueWeighting, "venue_weighting", 10), default=VenueWeighting.POOLED.value
    )
    min_valid: Mapped[int] = mapped_column(default=30)
    min_awareness: Mapped[float] = mapped_column(default=0.5)
    tie_breaks: Mapped[str] = mapped_column(
        String(100), default="satisfaction_rate,satisfied_share"
    )
    resamples: Mapped[int] = mapped_column(default=2000)
    seed: Mapped[int] = mapped_column(default=20261)

    campaign: Mapped[Campaign] = relationship()


class ResultRun(db.Model):
    """One tally of a campaign: the figures as computed, and who signed and released them."""

    __tablename__ = "result_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[RunState] = mapped_column(
        enum_type(RunState, "state", 15), default=RunState.DRAFT.value
    )
    input_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the ballot records used
    figures: Mapped[str] = mapped_column(Text)  # canonical JSON of every public figure
    # The venue checks from whole ballots, for supervision only (analysis.venue_checks).
    review: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[dt.datetime]
    computed_by: Mapped[str] = mapped_column(String(100))
    signed_by: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime | None]
    countersigned_by: Mapped[str | None] = mapped_column(String(100))
    countersigned_at: Mapped[dt.datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[dt.datetime | None]
    # A correction: the released run this one replaced when it was released.
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("result_run.id", ondelete="SET NULL")
    )

    campaign: Mapped[Campaign] = relationship()


class ArchivedYear(db.Model):
    """A past year's released results brought in from its export (历年结果), with the score
    settings it was computed under: only years under the same settings are compared."""

    __tablename__ = "archived_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    w_satisfied: Mapped[float]
    w_basic: Mapped[float]
    w_dissatisfied: Mapped[float]
    venue_weighting: Mapped[VenueWeighting] = mapped_column(
        enum_type(VenueWeighting, "venue_weighting", 10)
    )
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime]
    imported_by: Mapped[str] = mapped_column(String(100))

    results: Mapped[list[ArchivedResult]] = relationship(
        back_populates="archived_year", cascade="all, delete-orphan", order_by="ArchivedResult.id"
    )


class ArchivedResult(db.Model):
    """One department's released figures of an archived year, under that year's code."""

    __tablename__ = "archived_result"
    __table_args__ = (UniqueConstraint("archived_year_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    archived_year_id: Mapped[int] = mapped_column(
        ForeignKey("archived_year.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    group_name: Mapped[str] = mapped_column(String(100))
    score: Mapped[float | None]
    score_low: Mapped[float | None]
    score_high: Mapped[float | None]
    satisfaction_rate: Mapped[float | None]
    rank: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(10))

    archived_year: Mapped[ArchivedYear] = relationship(back_populates="results")


class CodeChange(db.Model):
    """A department's code changed from one year to the next (更名, 合并, 分设): from
    `effective_year` on, `old_code` continues as `new_code`. Several old codes to one new is a
    merger, one old to several new a split; a chain of changes is followed back year by year."""

    __tablename__ = "department_code_change"
    __table_args__ = (UniqueConstraint("effective_year", "old_code", "new_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_year: Mapped[int]
    old_code: Mapped[str] = mapped_column(String(20))
    new_code: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))


class AppealFigure(StrEnum):
    SCORE = "score"  # 得分
    RANK = "rank"  # 名次区间
    BAND = "band"  # 分档
    COUNTS = "counts"  # 票数
    OTHER = "other"


class AppealState(StrEnum):
    FILED = "filed"  # the department filed it: the statistics bureau proposes a decision
    PROPOSED = "proposed"  # supervision confirms (or sends back) the proposal
    UPHELD = "upheld"  # the figure is corrected by a new run, released in its place
    REJECTED = "rejected"  # with reasons, to the department
    CORRECTED = "corrected"  # upheld, and the correction is released


class Appeal(db.Model):
    """A department's appeal against a released figure (申诉复核), and its decision."""

    __tablename__ = "result_appeal"
    __table_args__ = (UniqueConstraint("result_run_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    result_run_id: Mapped[int] = mapped_column(ForeignKey("result_run.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    figure: Mapped[AppealFigure] = mapped_column(enum_type(AppealFigure, "figure", 10))
    reasons: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[dt.datetime]
    state: Mapped[AppealState] = mapped_column(
        enum_type(AppealState, "state", 10), default=AppealState.FILED.value
    )
    proposal: Mapped[str | None] = mapped_column(String(10))  # "uphold" or "reject"
    proposal_reasons: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str | None] = mapped_column(String(100))
    proposed_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    sent_back: Mapped[str | None] = mapped_column(Text)  # supervision's note when it disagreed
    correction_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("result_run.id", ondelete="SET NULL")
    )

    department: Mapped[Department] = relationship()
    result_run: Mapped[ResultRun] = relationship(foreign_keys=[result_run_id])
    files: Mapped[list[AppealFile]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="AppealFile.id"
    )


class AppealFile(StoredFileColumns, db.Model):
    """A document sent with an appeal (PDF, JPEG, PNG), kept outside the database by digest."""

    __tablename__ = "result_appeal_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("result_appeal.id", ondelete="CASCADE"), index=True
    )

    appeal: Mapped[Appeal] = relationship(back_populates="files")
