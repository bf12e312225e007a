"""The campaign's tables: campaign, groups, departments, meetings and venues."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.core.extensions import db
from evaluation.core.models import enum_type

# Rules of the event, kept as named defaults; each campaign stores its own value.
DEFAULT_SLOT_MINUTES = 10
DEFAULT_SPARE_CARD_PERCENT = 10  # cards printed beyond the seats, for spoilt and lost cards


class Phase(StrEnum):
    """The campaign's phases, in the only order they normally move."""

    PREPARATION = "preparation"
    REPORTING = "reporting"
    HANDLING = "handling"
    CLOSED = "closed"

    @property
    def index(self) -> int:
        return list(Phase).index(self)


class EvaluationMode(StrEnum):
    PUBLIC = "public"  # reports at a group meeting, rated at the venues
    INTERNAL = "internal"  # reports and is rated inside the city government


class VenueKind(StrEnum):
    MAIN = "main"  # 市级主会场
    DISTRICT = "district"  # 区市分会场


DEFAULT_PROGRESS_REPORT_DAY = 3
DEFAULT_APPEAL_WORKING_DAYS = 5  # 结果公布后5个工作日内可申诉复核


class Campaign(db.Model):
    """One year's 三民活动."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("spare_card_percent BETWEEN 0 AND 100", name="spare_card_percent_in_range"),
        CheckConstraint("progress_report_day BETWEEN 1 AND 28", name="progress_report_day_range"),
        CheckConstraint("appeal_working_days BETWEEN 1 AND 30", name="appeal_working_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    phase: Mapped[Phase] = mapped_column(
        enum_type(Phase, "phase", 20), default=Phase.PREPARATION.value
    )
    preparation_starts: Mapped[dt.date | None]
    reporting_starts: Mapped[dt.date | None]
    handling_starts: Mapped[dt.date | None]
    closes_on: Mapped[dt.date | None]
    slot_minutes: Mapped[int] = mapped_column(default=DEFAULT_SLOT_MINUTES)
    # The representative categories (代表类别), comma-separated; empty: the default list.
    representative_categories: Mapped[str] = mapped_column(String(200), default="")
    spare_card_percent: Mapped[int] = mapped_column(
        default=DEFAULT_SPARE_CARD_PERCENT, server_default=str(DEFAULT_SPARE_CARD_PERCENT)
    )
    # Rectification tasks report their progress by this day of each month (每月3日前).
    progress_report_day: Mapped[int] = mapped_column(
        default=DEFAULT_PROGRESS_REPORT_DAY, server_default=str(DEFAULT_PROGRESS_REPORT_DAY)
    )
    # A department may appeal against a released figure within this many working days.
    appeal_working_days: Mapped[int] = mapped_column(
        default=DEFAULT_APPEAL_WORKING_DAYS, server_default=str(DEFAULT_APPEAL_WORKING_DAYS)
    )
    # Set when the statistics bureau signs the count: from then on nothing can add a ballot,
    # a card, a box, a venue or a meeting to this campaign.
    tally_signed_at: Mapped[dt.datetime | None]

    groups: Mapped[list[Group]] = relationship(
        back_populates="campaign", order_by="Group.number", cascade="all, delete-orphan"
    )
    departments: Mapped[list[Department]] = relationship(
        back_populates="campaign", order_by="Department.code", cascade="all, delete-orphan"
    )
    venues: Mapped[list[Venue]] = relationship(
        back_populates="campaign", order_by="Venue.id", cascade="all, delete-orphan"
    )

    @property
    def current_phase(self) -> Phase:
        return Phase(self.phase)

    def phase_start(self, phase: Phase) -> dt.date | None:
        return {
            Phase.PREPARATION: self.preparation_starts,
            Phase.REPORTING: self.reporting_starts,
            Phase.HANDLING: self.handling_starts,
            Phase.CLOSED: self.closes_on,
        }[phase]

    @property
    def internal_departments(self) -> list[Department]:
        return [d for d in self.departments if d.evaluation_mode == EvaluationMode.INTERNAL]


class Group(db.Model):
    """A reporting group (述职组): departments that report at the same half-day meeting."""

    __tablename__ = "reporting_group"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))

    campaign: Mapped[Campaign] = relationship(back_populates="groups")
    departments: Mapped[list[Department]] = relationship(
        back_populates="group", order_by="Department.order_in_group"
    )
    meeting: Mapped[Meeting | None] = relationship(back_populates="group", uselist=False)


class Department(db.Model):
    """A city department (市直部门) taking part in the campaign."""

    __tablename__ = "department"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        # A public department reports at a group meeting; an internal one never does.
        CheckConstraint(
            "(evaluation_mode = 'public' AND group_id IS NOT NULL AND order_in_group > 0)"
            " OR (evaluation_mode = 'internal' AND group_id IS NULL)",
            name="group_matches_mode",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50))
    duties: Mapped[str] = mapped_column(Text, default="")  # 工作职责
    annual_goals: Mapped[str] = mapped_column(Text, default="")  # 年度目标
    evaluation_mode: Mapped[EvaluationMode] = mapped_column(
        enum_type(EvaluationMode, "evaluation_mode", 20), default=EvaluationMode.PUBLIC.value
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("reporting_group.id", ondelete="RESTRICT")
    )
    order_in_group: Mapped[int | None]

    campaign: Mapped[Campaign] = relationship(back_populates="departments")
    group: Mapped[Group | None] = relationship(back_populates="departments")

    @property
    def is_internal(self) -> bool:
        return self.evaluation_mode == EvaluationMode.INTERNAL


STREAM_URL_LENGTH = 300


class Meeting(db.Model):
    """A group's reporting meeting (述职评议会): one date, one start, a slot per department."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_group.id", ondelete="CASCADE"), unique=True
    )
    date: Mapped[dt.date]
    starts_at: Mapped[dt.time]
    # The venue screen follows the schedule unless the office sets who is reporting now.
    screen_position: Mapped[int | None]
    # The venue screens' live stream (直播), shown beside who is reporting.
    stream_url: Mapped[str | None] = mapped_column(String(STREAM_URL_LENGTH))

    group: Mapped[Group] = relationship(back_populates="meeting")

    def slots(self) -> list[tuple[Department, dt.time, dt.time]]:
        """Each department of the group with its reporting slot, in reporting order."""
        minutes = self.group.campaign.slot_minutes
        start = dt.datetime.combine(self.date, self.starts_at)
        result = []
        for i, department in enumerate(self.group.departments):
            begins = start + dt.timedelta(minutes=minutes * i)
            ends = begins + dt.timedelta(minutes=minutes)
            result.append((department, begins.time(), ends.time()))
        return result

    @property
    def ends_at(self) -> dt.time:
        start = dt.datetime.combine(self.date, self.starts_at)
        total = self.group.campaign.slot_minutes * len(self.group.departments)
        return (start + dt.timedelta(minutes=total)).time()


class Venue(db.Model):
    """A venue (会场) where representatives watch the meetings and vote."""

    __tablename__ = "venue"
    __table_args__ = (
        UniqueConstraint("campaign_id", "name"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    kind: Mapped[VenueKind] = mapped_column(enum_type(VenueKind, "kind", 20))
    name: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int]

    campaign: Mapped[Campaign] = relationship(back_populates="venues")
