"""The rectification room's part of the public JSON API: the listed tasks (公开挂牌督办)."""

from __future__ import annotations

import datetime as dt

from flask.typing import ResponseReturnValue
from pydantic import Field

from evaluation.campaign.services import require_campaign
from evaluation.core.api import Answer, api_bp, describe_get, reply
from evaluation.core.clock import beijing_today
from evaluation.core.extensions import db
from rectification.board import with_standing
from rectification.models import CheckKind, TaskSource, TaskState
from suggestions.board import WarningLevel


class PublicMilestone(Answer):
    title: str
    due_on: dt.date
    weight: int
    progress: int = Field(description="Per cent")
    done_on: dt.date | None


class PublicReport(Answer):
    reported_on: dt.date
    milestone: int = Field(description="The milestone's position, from 1")
    progress: int = Field(description="Per cent")
    text: str
    delay_reason: str | None = Field(description="Why the milestone is late, when it is")


class PublicCheck(Answer):
    """Supervision's check: its kind and dates and whether it passed, never its notes."""

    kind: CheckKind | None
    opened_on: dt.date
    due_on: dt.date
    checked_on: dt.date | None
    passed: bool | None


class PublicTask(Answer):
    id: int
    department: str = Field(description="Department code")
    department_name: str
    co_units: str
    official: str
    leader: str = Field(description="The city leader in charge (分管市领导)")
    source: TaskSource
    problem: str
    commitment: str
    state: TaskState
    progress: int = Field(description="Per cent: the milestones' progress, weighted")
    warning: WarningLevel | None = Field(description="Of the next milestone, in working days")
    report_missing: bool = Field(description="This month's progress report is late")
    closed_on: dt.date | None
    milestones: list[PublicMilestone]
    reports: list[PublicReport]
    checks: list[PublicCheck]


class TasksAnswer(Answer):
    tasks: list[PublicTask]


@api_bp.route("/rectification")
def rectification_tasks() -> ResponseReturnValue:
    """Every listed task, by department: its plan's milestones, progress and checks."""
    campaign = require_campaign(db.session)
    rows = with_standing(db.session, campaign, beijing_today(), listed_only=True)
    return reply(
        TasksAnswer(
            tasks=[
                PublicTask(
                    id=t.id,
                    department=t.department.code,
                    department_name=t.department.name,
                    co_units=t.co_units,
                    official=t.official,
                    leader=t.leader,
                    source=t.source,
                    problem=t.problem,
                    commitment=t.commitment,
                    state=t.state,
                    progress=t.progress,
                    warning=standing.warning,
                    report_missing=standing.report_missing,
                    closed_on=t.closed_on,
                    milestones=[
                        PublicMilestone(
                            title=m.title,
                            due_on=m.due_on,
                            weight=m.weight,
                            progress=m.progress,
                            done_on=m.done_on,
                        )
                        for m in t.milestones
                    ],
                    reports=[
                        PublicReport(
                            reported_on=r.reported_on,
                            milestone=r.milestone.position,
                            progress=r.progress,
                            text=r.text,
                            delay_reason=r.delay_reason or None,
                        )
                        for r in t.reports
                    ],
                    checks=[
                        PublicCheck(
                            kind=c.kind,
                            opened_on=c.opened_on,
                            due_on=c.due_on,
                            checked_on=c.checked_on,
                            passed=c.passed,
                        )
                        for c in t.checks
                    ],
                )
                for t, standing in rows
            ]
        )
    )


describe_get(
    "/rectification",
    "The listed rectification tasks (公开挂牌督办), by department",
    TasksAnswer,
    "Every listed task of the current campaign, without supervision's notes",
)
