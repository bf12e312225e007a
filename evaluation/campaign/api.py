"""The campaign room's part of the public JSON API: departments and their published reports."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from evaluation.campaign.models import Department, EvaluationMode
from evaluation.campaign.reports.services import (
    public_department,
    published_codes,
    published_versions,
)
from evaluation.campaign.services import require_campaign
from evaluation.core.api import (
    ERROR,
    TEXT_PARAM,
    api_bp,
    describe,
)
from evaluation.core.extensions import db

_department_schema = {
    "type": "object",
    "required": ["code", "name", "short_name", "group", "order_in_group", "report_published"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "short_name": {"type": "string"},
        "group": {"type": "integer"},
        "order_in_group": {"type": "integer"},
        "meeting_date": {"type": ["string", "null"], "format": "date"},
        "slot_starts": {"type": ["string", "null"], "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        "report_published": {"type": "boolean"},
    },
}


def _department_json(department: Department, published: bool) -> dict[str, Any]:
    meeting = department.group.meeting if department.group else None
    slot = None
    if meeting is not None:
        slot = next((s for s in meeting.slots() if s[0] is department), None)
    return {
        "code": department.code,
        "name": department.name,
        "short_name": department.short_name,
        "group": department.group.number if department.group else None,
        "order_in_group": department.order_in_group,
        "meeting_date": meeting.date.isoformat() if meeting else None,
        "slot_starts": slot[1].strftime("%H:%M") if slot else None,
        "report_published": published,
    }


@api_bp.route("/departments")
def departments() -> ResponseReturnValue:
    """The publicly evaluated departments in reporting order."""
    campaign = require_campaign(db.session)
    published = published_codes(db.session, campaign)
    public = [d for d in campaign.departments if d.evaluation_mode == EvaluationMode.PUBLIC]
    public.sort(key=lambda d: (d.group.number, d.order_in_group))
    return jsonify(
        {
            "campaign": {"year": campaign.year, "title": campaign.title, "phase": campaign.phase},
            "departments": [_department_json(d, d.code in published) for d in public],
        }
    )


@api_bp.route("/departments/<code>/report")
def department_report(code: str) -> ResponseReturnValue:
    """The department's published report: the current version, with correction history."""
    campaign = require_campaign(db.session)
    department = public_department(db.session, campaign, code)
    versions = published_versions(db.session, department)
    current = versions[0]
    return jsonify(
        {
            "department": _department_json(department, True),
            "version": current.number,
            "first_published_at": versions[-1].published_at.isoformat() + "Z",
            "published_at": current.published_at.isoformat() + "Z",
            "correction": ({"note": current.correction_note} if current.is_correction else None),
            "duties": current.duties,
            "goals": current.goals,
            "report": {
                "work": current.work,
                "suggestions_handled": current.suggestions_handled,
                "problems": current.problems,
                "measures": current.measures,
            },
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": f"/attachments/{a.id}",
                }
                for a in current.attachments
            ],
        }
    )


describe(
    paths={
        "/api/v1/departments": {
            "get": {
                "summary": "Publicly evaluated departments in reporting order",
                "responses": {
                    "200": {
                        "description": "The current campaign's public departments",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["campaign", "departments"],
                                    "properties": {
                                        "campaign": {
                                            "type": "object",
                                            "properties": {
                                                "year": {"type": "integer"},
                                                "title": {"type": "string"},
                                                "phase": {
                                                    "type": "string",
                                                    "enum": [
                                                        "preparation",
                                                        "reporting",
                                                        "handling",
                                                        "closed",
                                                    ],
                                                },
                                            },
                                        },
                                        "departments": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Department"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "404": ERROR,
                },
            }
        },
        "/api/v1/departments/{code}/report": {
            "get": {
                "summary": "A department's published report",
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": TEXT_PARAM}
                ],
                "responses": {
                    "200": {
                        "description": "The current published version",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Report"}}
                        },
                    },
                    "404": ERROR,
                },
            }
        },
    },
    schemas={
        "Department": _department_schema,
        "Goal": {
            "type": "object",
            "properties": {
                "goal": {"type": "string"},
                "target": {"type": "string"},
                "status": {"type": "string", "enum": ["done", "partly", "not_done"]},
                "explanation": {"type": "string"},
            },
        },
        "Report": {
            "type": "object",
            "required": ["department", "version", "published_at", "duties", "goals", "report"],
            "properties": {
                "department": {"$ref": "#/components/schemas/Department"},
                "version": {"type": "integer"},
                "first_published_at": {"type": "string", "format": "date-time"},
                "published_at": {"type": "string", "format": "date-time"},
                "correction": {
                    "type": ["object", "null"],
                    "properties": {"note": {"type": "string"}},
                },
                "duties": {"type": "string", "description": "Markdown"},
                "goals": {"type": "array", "items": {"$ref": "#/components/schemas/Goal"}},
                "report": {
                    "type": "object",
                    "properties": {
                        "work": {"type": "string"},
                        "suggestions_handled": {"type": "string"},
                        "problems": {"type": "string"},
                        "measures": {"type": "string"},
                    },
                },
                "attachments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "filename": {"type": "string"},
                            "content_type": {"type": "string"},
                            "size": {"type": "integer"},
                            "url": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
)
