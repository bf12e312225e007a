"""Suggestions (意见建议): intake, routing rules, handling, replies and feedback (the selection
of outstanding ones is in `selection_models`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Campaign, Department, Venue
from evaluation.core.extensions import db
from evaluation.core.files import StoredFileColumns
from evaluation.core.models import enum_type

TEXT_MIN_CHARS = 10
TEXT_MAX_CHARS = 2000
REPLY_MAX_CHARS = 5000


class Channel(StrEnum):
    ONLINE = "online"  # the public form
    PAPER = "paper"  # handed in at a venue, entered by its staff
    VISIT = "visit"  # raised by a deputy or CPPCC member a department visited
    BALLOT = "ballot"  # written on a ballot, arriving without any identity
    SURVEY = "survey"  # a questionnaire's free-text answer, as anonymous as a ballot's


class Urgency(StrEnum):
    """How fast the unit must answer: the supervision rules' 3 / 5 / 10 working days."""

    URGENT = "urgent"
    NORMAL = "normal"
    DIFFICULT = "difficult"


# Working days allowed per urgency (the city's supervision rules).
DEADLINE_WORKING_DAYS = {Urgency.URGENT: 3, Urgency.NORMAL: 5, Urgency.DIFFICULT: 10}


class Status(StrEnum):
    RECEIVED = "received"  # 待分办: waiting for the office's triage
    ASSIGNED = "assigned"  # 办理中
    ANSWERED = "answered"  # 已答复: the approved reply is public
    REVIEWING = "reviewing"  # 回访复核: the citizen was not satisfied; handled once more
    MERGED = "merged"  # 已合并: a duplicate following its survivor
    REJECTED = "rejected"  # 不予受理: still counted in the statistics


OPEN_STATUSES = (Status.ASSIGNED, Status.REVIEWING)
# What the public board shows: a suggestion after the office's triage (审核后公开), so that
# nothing a citizen typed is public before someone has looked at it; rejected ones never.
PUBLIC_STATUSES = (Status.ASSIGNED, Status.ANSWERED, Status.REVIEWING, Status.MERGED)


class RejectReason(StrEnum):
    SPAM = "spam"
    OUT_OF_SCOPE = "out_of_scope"
    OTHER = "other"


class ReplyCategory(StrEnum):
    """What the unit does with the suggestion, as a government office's reply says it."""

    ADOPTED = "adopted"  # 已采纳
    PLANNED = "planned"  # 列入计划
    REFERENCE = "reference"  # 留作参考
    DECLINED = "declined"  # 不予采纳 (with the reason)


class ReplyState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class RequestKind(StrEnum):
    EXTENSION = "extension"  # 申请延期
    REASSIGN = "reassign"  # 申请改派


class RequestState(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class SuggestionCategory(db.Model):
    """A category the campaign asks suggestions about (e.g. 服务型政府建设)."""

    __tablename__ = "suggestion_category"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship()


class RoutingRule(db.Model):
    """Category and keywords → the unit the office proposes to handle a suggestion."""

    __tablename__ = "routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion_category.id", ondelete="CASCADE")
    )
    keywords: Mapped[str] = mapped_column(String(500), default="")  # separated by spaces or ，
    unit_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))

    category: Mapped[SuggestionCategory | None] = relationship()
    unit: Mapped[Department] = relationship()

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", " ").replace(",", " ").split() if k]


class LocalDayOff(db.Model):
    """A day the city gives off beyond the official calendar (e.g. a local festival)."""

    __tablename__ = "local_day_off"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(100), default="")


suggestion_co_unit = Table(
    "suggestion_co_unit",
    db.metadata,
    Column("suggestion_id", ForeignKey("suggestion.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("department.id", ondelete="RESTRICT"), primary_key=True),
)


class Suggestion(db.Model):
    """One opinion or suggestion (意见建议) and where its handling stands."""

    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint(
            "reject_reason IS NULL OR reject_reason IN ('spam', 'out_of_scope', 'other')",
            name="reject_reason_valid",
        ),
        # Ballot comments and questionnaire answers arrive without identity, whatever happens.
        CheckConstraint(
            "channel NOT IN ('ballot', 'survey') OR (author_name IS NULL AND author_phone IS NULL)",
            name="ballot_anonymous",
        ),
        CheckConstraint(
            "status != 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"
        ),
        CheckConstraint(
            "status NOT IN ('assigned', 'answered', 'reviewing') OR "
            "(lead_unit_id IS NOT NULL AND due_on IS NOT NULL)",
            name="handled_has_unit",
        ),
        # The board: newest first, and newest first within a status.
        Index("ix_suggestion_newest", "campaign_id", "id"),
        Index("ix_suggestion_board", "campaign_id", "status", "id"),
        Index("ix_suggestion_unit", "lead_unit_id", "status"),
        # Covering indexes: the counts and each unit's figures are read from the index alone.
        Index("ix_suggestion_counts", "campaign_id", "channel", "status", "reject_reason"),
        Index(
            "ix_suggestion_handling",
            "campaign_id",
            "lead_unit_id",
            "status",
            "answered_on",
            "on_time",
            "due_on",
            "feedback",
            "working_days_taken",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    # The submitter's secret for following and rating the handling; never shown publicly.
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel", 10))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion_category.id", ondelete="SET NULL")
    )
    target_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    # Private: only the admin reads these in full; public pages and the API never do.
    author_name: Mapped[str | None] = mapped_column(String(50))
    author_phone: Mapped[str | None] = mapped_column(String(11))
    name_consent: Mapped[bool] = mapped_column(default=False)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="SET NULL"))
    visited: Mapped[str] = mapped_column(String(100), default="")  # e.g. 市人大代表
    ballot_comment_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    entered_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime]

    status: Mapped[Status] = mapped_column(
        enum_type(Status, "status", 12), default=Status.RECEIVED.value
    )
    urgency: Mapped[Urgency] = mapped_column(
        enum_type(Urgency, "urgency", 10), default=Urgency.NORMAL.value
    )
    proposed_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    lead_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT")
    )
    assigned_on: Mapped[dt.date | None]
    due_on: Mapped[dt.date | None]
    answered_on: Mapped[dt.date | None]
    # Working days from assignment to the approved reply, kept for the statistics.
    working_days_taken: Mapped[int | None]
    on_time: Mapped[bool | None]
    reopened: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(String(20))  # the latest reply's rating
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="SET NULL")
    )
    reject_reason: Mapped[str | None] = mapped_column(String(20))
    reject_note: Mapped[str] = mapped_column(String(500), default="")

    campaign: Mapped[Campaign] = relationship()
    category: Mapped[SuggestionCategory | None] = relationship()
    target_unit: Mapped[Department | None] = relationship(foreign_keys=[target_unit_id])
    proposed_unit: Mapped[Department | None] = relationship(foreign_keys=[proposed_unit_id])
    lead_unit: Mapped[Department | None] = relationship(foreign_keys=[lead_unit_id])
    co_units: Mapped[list[Department]] = relationship(secondary=suggestion_co_unit)
    venue: Mapped[Venue | None] = relationship()
    merged_into: Mapped[Suggestion | None] = relationship(remote_side=[id])
    replies: Mapped[list[SuggestionReply]] = relationship(
        back_populates="suggestion", order_by="SuggestionReply.id", cascade="all, delete-orphan"
    )
    requests: Mapped[list[HandlingRequest]] = relationship(
        back_populates="suggestion", order_by="HandlingRequest.id", cascade="all, delete-orphan"
    )

    @property
    def is_real_name(self) -> bool:
        return bool(self.author_name and self.author_phone)

    @property
    def public_reply(self) -> SuggestionReply | None:
        approved = [r for r in self.replies if r.state == ReplyState.APPROVED]
        return approved[-1] if approved else None

    @property
    def draft_reply(self) -> SuggestionReply | None:
        """The reply of the current round that is not approved yet, if any."""
        pending = [r for r in self.replies if r.state != ReplyState.APPROVED]
        return pending[-1] if pending else None


class SuggestionReply(db.Model):
    """A unit's answer: drafted by the unit, approved by the office, then public."""

    __tablename__ = "suggestion_reply"
    __table_args__ = (
        CheckConstraint(
            "feedback IS NULL OR feedback IN ('satisfied', 'basically_satisfied', 'dissatisfied')",
            name="feedback_valid",
        ),
        CheckConstraint(
            "category IS NULL OR category != 'declined' OR decline_reason IS NOT NULL",
            name="declined_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[ReplyState] = mapped_column(
        enum_type(ReplyState, "state", 10), default=ReplyState.DRAFT.value
    )
    follow_up: Mapped[bool] = mapped_column(default=False)  # the 回访复核 round
    category: Mapped[ReplyCategory | None] = mapped_column(enum_type(ReplyCategory, "category", 10))
    decline_reason: Mapped[str | None] = mapped_column(Text)  # 不予采纳: why not
    written_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]
    office_comment: Mapped[str] = mapped_column(String(1000), default="")
    feedback: Mapped[str | None] = mapped_column(String(20))
    feedback_at: Mapped[dt.datetime | None]
    feedback_reason: Mapped[str | None] = mapped_column(Text)  # why the citizen is not satisfied

    suggestion: Mapped[Suggestion] = relationship(back_populates="replies")
    unit: Mapped[Department] = relationship()
    attachments: Mapped[list[ReplyAttachment]] = relationship(
        back_populates="reply", order_by="ReplyAttachment.id", cascade="all, delete-orphan"
    )


class ReplyAttachment(StoredFileColumns, db.Model):
    """A document sent with a reply (a plan, a notice, a photo of the work done): public with
    the approved reply; the file lives outside the database by its digest."""

    __tablename__ = "suggestion_reply_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion_reply.id", ondelete="CASCADE"), index=True
    )

    reply: Mapped[SuggestionReply] = relationship(back_populates="attachments")


class HandlingRequest(db.Model):
    """A unit asks for more time or for the item to go to another unit; the office decides."""

    __tablename__ = "handling_request"
    __table_args__ = (
        CheckConstraint("kind != 'extension' OR extra_days > 0", name="extension_has_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    kind: Mapped[RequestKind] = mapped_column(enum_type(RequestKind, "kind", 10))
    reason: Mapped[str] = mapped_column(String(1000))
    extra_days: Mapped[int | None]
    proposed_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    state: Mapped[RequestState] = mapped_column(
        enum_type(RequestState, "state", 10), default=RequestState.PENDING.value
    )
    asked_by: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[dt.datetime]
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    suggestion: Mapped[Suggestion] = relationship(back_populates="requests")
    unit: Mapped[Department] = relationship(foreign_keys=[unit_id])
    proposed_unit: Mapped[Department | None] = relationship(foreign_keys=[proposed_unit_id])
