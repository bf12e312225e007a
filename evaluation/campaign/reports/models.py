"""Report versions and their attachments. A version is frozen once submitted; every one is kept."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Department
from evaluation.core.extensions import db
from evaluation.core.files import StoredFileColumns
from evaluation.core.models import enum_type

SECTION_MAX_CHARS = 20_000
MAX_GOALS = 30


class ReportState(StrEnum):
    DRAFT = "draft"  # the department is writing it
    SUBMITTED = "submitted"  # waiting for the joint office; nobody may edit it
    RETURNED = "returned"  # sent back with comments; its successor is the new draft
    APPROVED = "approved"  # passed review, not yet public
    PUBLISHED = "published"  # public; never changed in place


class GoalStatus(StrEnum):
    DONE = "done"  # 已完成
    PARTLY = "partly"  # 部分完成
    NOT_DONE = "not_done"  # 未完成


# The year-end report's four sections (述职报告), in the order they are read out.
SECTIONS = ("work", "suggestions_handled", "problems", "measures")


class ReportVersion(db.Model):
    """One version of a department's duties, goals and year-end report."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("department_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    number: Mapped[int]
    state: Mapped[ReportState] = mapped_column(
        enum_type(ReportState, "state", 20), default=ReportState.DRAFT.value
    )
    duties: Mapped[str] = mapped_column(Text, default="")  # 工作职责 (Markdown)
    goals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # 年度目标
    work: Mapped[str] = mapped_column(Text, default="")  # 本年度工作及成效
    suggestions_handled: Mapped[str] = mapped_column(Text, default="")  # 上年度意见建议办理情况
    problems: Mapped[str] = mapped_column(Text, default="")  # 存在的主要问题
    measures: Mapped[str] = mapped_column(Text, default="")  # 改进措施
    review_comment: Mapped[str] = mapped_column(Text, default="")
    correction_note: Mapped[str] = mapped_column(Text, default="")  # 更正说明, on a correction
    submitted_at: Mapped[dt.datetime | None]
    reviewed_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]

    department: Mapped[Department] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="version", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def current_state(self) -> ReportState:
        return ReportState(self.state)

    @property
    def is_correction(self) -> bool:
        return bool(self.correction_note)


class Attachment(StoredFileColumns, db.Model):
    """A PDF or image attached to a version; the file lives outside the database by its hash."""

    __tablename__ = "report_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("report_version.id", ondelete="CASCADE"), index=True
    )

    version: Mapped[ReportVersion] = relationship(back_populates="attachments")
