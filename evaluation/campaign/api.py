"""The campaign room's part of the public JSON API: departments and their published reports."""

from __future__ import annotations

import datetime as dt

from flask.typing import ResponseReturnValue
from pydantic import Field

from evaluation.campaign.answers import CampaignRef
from evaluation.campaign.models import Department, EvaluationMode, Phase
from evaluation.campaign.reports.models import GoalStatus
from evaluation.campaign.reports.services import (
    public_department,
    published_codes,
    published_versions,
)
from evaluation.campaign.services import require_campaign
from evaluation.core.api import TEXT_PARAM, Answer, UtcTime, api_bp, describe_get, reply
from evaluation.core.extensions import db


class CampaignInfo(CampaignRef):
    phase: Phase


class DepartmentEntry(Answer):
    code: str
    name: str
    short_name: str
    group: int | None
    order_in_group: int
    meeting_date: dt.date | None
    slot_starts: str | None = Field(pattern="^[0-2][0-9]:[0-5][0-9]$")
    report_published: bool


class Departments(Answer):
    campaign: CampaignInfo
    departments: list[DepartmentEntry]


class Goal(Answer):
    goal: str
    target: str
    status: GoalStatus
    explanation: str


class Correction(Answer):
    note: str


class ReportSections(Answer):
    work: str
    suggestions_handled: str
    problems: str
    measures: str


class Attachment(Answer):
    filename: str
    content_type: str
    size: int
    url: str


class Report(Answer):
    department: DepartmentEntry
    version: int
    first_published_at: UtcTime
    published_at: UtcTime
    correction: Correction | None
    duties: str = Field(description="Markdown")
    goals: list[Goal]
    report: ReportSections
    attachments: list[Attachment]


def _department_entry(department: Department, published: bool) -> DepartmentEntry:
    meeting = department.group.meeting if department.group else None
    slot = None
    if meeting is not None:
        slot = next((s for s in meeting.slots() if s[0] is department), None)
    return DepartmentEntry(
        code=department.code,
        name=department.name,
        short_name=department.short_name,
        group=department.group.number if department.group else None,
        order_in_group=department.order_in_group,
        meeting_date=meeting.date if meeting else None,
        slot_starts=slot[1].strftime("%H:%M") if slot else None,
        report_published=published,
    )


@api_bp.route("/departments")
def departments() -> ResponseReturnValue:
    """The publicly evaluated departments in reporting order."""
    campaign = require_campaign(db.session)
    published = published_codes(db.session, campaign)
    public = [d for d in campaign.departments if d.evaluation_mode == EvaluationMode.PUBLIC]
    public.sort(key=lambda d: (d.group.number, d.order_in_group))
    return reply(
        Departments(
            campaign=CampaignInfo(year=campaign.year, title=campaign.title, phase=campaign.phase),
            departments=[_department_entry(d, d.code in published) for d in public],
        )
    )


@api_bp.route("/departments/<code>/report")
def department_report(code: str) -> ResponseReturnValue:
    """The department's published report: the current version, with correction history."""
    campaign = require_campaign(db.session)
    department = public_department(db.session, campaign, code)
    versions = published_versions(db.session, department)
    current = versions[0]
    return reply(
        Report(
            department=_department_entry(department, True),
            version=current.number,
            first_published_at=versions[-1].published_at,
            published_at=current.published_at,
            correction=Correction(note=current.correction_note) if current.is_correction else None,
            duties=current.duties,
            goals=current.goals,
            report=ReportSections(
                work=current.work,
                suggestions_handled=current.suggestions_handled,
                problems=current.problems,
                measures=current.measures,
            ),
            attachments=[
                Attachment(
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    url=f"/attachments/{a.id}",
                )
                for a in current.attachments
            ],
        )
    )


describe_get(
    "/departments",
    "Publicly evaluated departments in reporting order",
    Departments,
    "The current campaign's public departments",
)
describe_get(
    "/departments/{code}/report",
    "A department's published report",
    Report,
    "The current published version",
    parameters=[{"name": "code", "in": "path", "required": True, "schema": TEXT_PARAM}],
)
