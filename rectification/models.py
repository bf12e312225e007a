"""Rectification tasks (整改任务) after the results: a department's commitment with dated,
weighted milestones, its monthly progress reports, and supervision's checks before a task is
closed off (销号). A listed task (公开挂牌督办) is public on the board; its internal notes are not.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Department
from evaluation.core.extensions import db
from evaluation.core.files import StoredFileColumns
from evaluation.core.models import enum_type

CHECK_WORKING_DAYS = 10  # 收到报告后10日内开展抽查、复查和明查暗访


class TaskSource(StrEnum):
    RESULT = "result"  # a released figure: below the panel's band, or a low item
    COMMENT = "comment"  # 不满意 comments, questionnaire findings
    SUGGESTION = "suggestion"  # a suggestion answered 列入计划
    SUPERVISION = "supervision"  # a supervision finding
    DISCUSSION = "discussion"  # a follow-up of the discussion meeting (恳谈会)
    MANUAL = "manual"


class TaskState(StrEnum):
    PLAN_PENDING = "plan_pending"  # the department drafts its plan (整改方案)
    PLAN_SUBMITTED = "plan_submitted"  # the office approves or returns it
    IN_PROGRESS = "in_progress"  # milestones running, progress reported monthly
    REPORTED = "reported"  # completion reported: supervision checks within 10 working days
    CLOSED = "closed"  # 销号, with a passed check and its evidence


class CheckKind(StrEnum):
    SPOT = "spot"  # 抽查
    RECHECK = "recheck"  # 复查
    OPEN_VISIT = "open_visit"  # 明查
    UNANNOUNCED = "unannounced"  # 暗访
    LOOK_BACK = "look_back"  # 回头看, months after closing


class RectificationTask(db.Model):
    """One problem a department must put right, and what it committed to."""

    __tablename__ = "rectification_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    co_units: Mapped[str] = mapped_column(String(300), default="")  # 配合单位
    official: Mapped[str] = mapped_column(String(50))  # 责任人
    leader: Mapped[str] = mapped_column(String(50))  # 分管市领导
    source: Mapped[TaskSource] = mapped_column(enum_type(TaskSource, "source", 12))
    source_note: Mapped[str] = mapped_column(String(200), default="")
    problem: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text, default="")  # 整改方案, the department's
    plan_comment: Mapped[str] = mapped_column(Text, default="")  # why the office returned it
    state: Mapped[TaskState] = mapped_column(
        enum_type(TaskState, "state", 16), default=TaskState.PLAN_PENDING.value
    )
    listed: Mapped[bool] = mapped_column(default=True)  # 公开挂牌督办
    evidence: Mapped[str] = mapped_column(Text, default="")  # the completion report
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    closed_on: Mapped[dt.date | None]

    department: Mapped[Department] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        order_by="Milestone.position", cascade="all, delete-orphan", back_populates="task"
    )
    reports: Mapped[list[ProgressReport]] = relationship(
        order_by="ProgressReport.id", cascade="all, delete-orphan", back_populates="task"
    )
    checks: Mapped[list[SupervisionCheck]] = relationship(
        order_by="SupervisionCheck.id", cascade="all, delete-orphan", back_populates="task"
    )

    @property
    def progress(self) -> int:
        """Per cent done: the milestones' progress weighted by their weights (as Decidim's
        accountability module rolls results up)."""
        total = sum(m.weight for m in self.milestones)
        if not total:
            return 100 if self.state == TaskState.CLOSED else 0
        return round(sum(m.weight * m.progress for m in self.milestones) / total)


class Milestone(db.Model):
    """A dated step of a task's plan (节点), with its weight in the task's progress."""

    __tablename__ = "rectification_milestone"
    __table_args__ = (
        UniqueConstraint("task_id", "position"),
        CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_task.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date]
    weight: Mapped[int] = mapped_column(default=1)
    progress: Mapped[int] = mapped_column(default=0)
    done_on: Mapped[dt.date | None]

    task: Mapped[RectificationTask] = relationship(back_populates="milestones")


class ProgressReport(db.Model):
    """The department's report on one milestone (每月进展), with the reason for any delay."""

    __tablename__ = "rectification_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_task.id", ondelete="CASCADE"), index=True
    )
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_milestone.id", ondelete="CASCADE")
    )
    reported_on: Mapped[dt.date]
    progress: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    delay_reason: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(64))

    task: Mapped[RectificationTask] = relationship(back_populates="reports")
    milestone: Mapped[Milestone] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        order_by="Evidence.id", cascade="all, delete-orphan", back_populates="report"
    )


class Evidence(StoredFileColumns, db.Model):
    """A document or photo sent with a progress report (佐证材料): public with a listed task;
    the file lives outside the database by its digest."""

    __tablename__ = "rectification_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_report.id", ondelete="CASCADE"), index=True
    )

    report: Mapped[ProgressReport] = relationship(back_populates="evidence")


class SupervisionCheck(db.Model):
    """Supervision's check of a reported completion (within 10 working days) or a later look
    back (回头看): its kind, due date and finding. The finding is internal; the public board
    shows only the kind, the dates and whether it passed."""

    __tablename__ = "rectification_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_task.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CheckKind | None] = mapped_column(enum_type(CheckKind, "kind", 12))
    opened_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    finding: Mapped[str] = mapped_column(Text, default="")
    passed: Mapped[bool | None]
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_on: Mapped[dt.date | None]

    task: Mapped[RectificationTask] = relationship(back_populates="checks")


class Notice(db.Model):
    """A supervision notice (督查通报): the figures of the moment it was composed, praise and
    criticism with the departments named, and supervision's remarks; public once published."""

    __tablename__ = "rectification_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(100))
    figures: Mapped[str] = mapped_column(Text)  # JSON: each department's figures, as composed
    praised: Mapped[str] = mapped_column(String(500), default="")  # department codes
    criticised: Mapped[str] = mapped_column(String(500), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    composed_by: Mapped[str] = mapped_column(String(64))
    composed_on: Mapped[dt.date]
    published_on: Mapped[dt.date | None]


class Talk(db.Model):
    """A formal talk (约谈) held with a department's leaders: when, who, why and the outcome.
    Kept in the office: the public sees notices, not talks."""

    __tablename__ = "rectification_talk"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    held_on: Mapped[dt.date]
    participants: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))

    department: Mapped[Department] = relationship()


class InviteeKind(StrEnum):
    DEPARTMENT = "department"
    EXPERT = "expert"
    REPRESENTATIVE = "representative"  # a citizen representative of the year's roster


class DiscussionMeeting(db.Model):
    """The discussion meeting (恳谈会) of departments, experts and representatives after the
    results: its agenda before, its minutes after, and the follow-ups it raised."""

    __tablename__ = "discussion_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    minutes_by: Mapped[str | None] = mapped_column(String(100))
    minutes_at: Mapped[dt.datetime | None]

    invitees: Mapped[list[DiscussionInvitee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="DiscussionInvitee.id"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="FollowUp.id"
    )


class DiscussionInvitee(db.Model):
    __tablename__ = "discussion_invitee"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_meeting.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[InviteeKind] = mapped_column(enum_type(InviteeKind, "kind", 15))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(100), default="")  # organisation, title, category

    meeting: Mapped[DiscussionMeeting] = relationship(back_populates="invitees")
    department: Mapped[Department | None] = relationship()


class FollowUp(db.Model):
    """Something the meeting asked a department to act on; the office may open a
    rectification task from it (its source note names the follow-up)."""

    __tablename__ = "discussion_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_meeting.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime]

    meeting: Mapped[DiscussionMeeting] = relationship(back_populates="follow_ups")
    department: Mapped[Department] = relationship()

    @property
    def source_note(self) -> str:
        """What a task opened from it records as its source (stored data: Chinese)."""
        return f"恳谈会 No.{self.meeting_id} 跟进事项 No.{self.id}"
