"""The suggestions room's part of the public JSON API: the board and each unit's handling."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from evaluation.campaign.services import require_campaign
from evaluation.core.api import (
    BAD_REQUEST,
    ERROR,
    NULLABLE_DATE,
    NULLABLE_NUMBER,
    ROW_ID,
    TEXT_PARAM,
    api_bp,
    describe,
)
from evaluation.core.extensions import db
from suggestions import board as boards
from suggestions.models import Channel, Status, Suggestion
from suggestions.services import mask_personal_data

_suggestion_status = {"type": "string", "enum": [s.value for s in Status]}


_warning = {"type": "string", "enum": [w.value for w in boards.WarningLevel]}


_suggestion_schema = {
    "type": "object",
    "required": ["id", "channel", "text", "created_at", "status"],
    "properties": {
        "id": {"type": "integer"},
        "channel": {"type": "string", "enum": [c.value for c in Channel]},
        "category": {"type": ["string", "null"]},
        "text": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "status": _suggestion_status,
        "merged_into": {"type": ["integer", "null"]},
        "lead_unit": {"type": ["string", "null"], "description": "department code"},
        "co_units": {"type": "array", "items": {"type": "string"}},
        "due_on": NULLABLE_DATE,
        "answered_on": NULLABLE_DATE,
        "on_time": {"type": ["boolean", "null"]},
        "warning": {"type": ["string", "null"], "enum": [*_warning["enum"], None]},
        "reply": {
            "type": ["object", "null"],
            "properties": {
                "unit": {"type": "string"},
                "text": {"type": "string"},
                "approved_at": {"type": "string", "format": "date-time"},
                "follow_up": {"type": "boolean"},
                "feedback": {"type": ["string", "null"]},
            },
        },
    },
}


_unit_stats_schema = {
    "type": "object",
    "required": ["code", "name", "received", "answered", "on_time_rate"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "received": {"type": "integer"},
        "answered": {"type": "integer"},
        "open": {"type": "integer"},
        "overdue": {"type": "integer"},
        "on_time": {"type": "integer"},
        "on_time_rate": NULLABLE_NUMBER,
        "median_working_days": NULLABLE_NUMBER,
        "feedback": {"type": "object", "additionalProperties": {"type": "integer"}},
        "satisfaction_rate": NULLABLE_NUMBER,
    },
}


def _suggestion_json(suggestion: Suggestion, bounds: boards.WarningBounds) -> dict[str, Any]:
    """A suggestion as the board shows it: no name, no phone, no tracking code."""
    followed = suggestion.merged_into or suggestion
    reply = followed.public_reply
    level = bounds.level(followed)
    return {
        "id": suggestion.id,
        "channel": suggestion.channel,
        "category": suggestion.category.name if suggestion.category else None,
        "text": mask_personal_data(suggestion.text),
        "created_at": suggestion.created_at.isoformat() + "Z",
        "status": suggestion.status,
        "merged_into": suggestion.merged_into_id,
        "lead_unit": followed.lead_unit.code if followed.lead_unit else None,
        "co_units": [u.code for u in followed.co_units],
        "due_on": followed.due_on.isoformat() if followed.due_on else None,
        "answered_on": followed.answered_on.isoformat() if followed.answered_on else None,
        "on_time": followed.on_time,
        "warning": level.value if level else None,
        "reply": (
            {
                "unit": reply.unit.code,
                "text": mask_personal_data(reply.text),
                "approved_at": reply.approved_at.isoformat() + "Z",
                "follow_up": reply.follow_up,
                "feedback": reply.feedback,
            }
            if reply
            else None
        ),
    }


@api_bp.route("/suggestions")
def suggestions() -> ResponseReturnValue:
    """The public board: every non-rejected suggestion without personal data, newest first."""
    campaign = require_campaign(db.session)
    filters, page_number = boards.board_query(request.args)
    bounds = boards.warning_bounds(db.session)
    page = boards.board(db.session, campaign, filters, page_number, bounds)
    return jsonify(
        {
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
            "suggestions": [_suggestion_json(s, bounds) for s in page.items],
        }
    )


@api_bp.route("/units/stats")
def unit_stats() -> ResponseReturnValue:
    """Each unit's handling figures and the counts of everything received."""
    campaign = require_campaign(db.session)
    return jsonify(
        {
            "units": [u.as_json() for u in boards.unit_statistics(db.session, campaign)],
            "received": boards.summary(db.session, campaign),
        }
    )


describe(
    paths={
        "/api/v1/suggestions": {
            "get": {
                "summary": "The public suggestions board (no personal data), newest first",
                "parameters": [
                    {"name": "unit", "in": "query", "schema": TEXT_PARAM},
                    {"name": "status", "in": "query", "schema": _suggestion_status},
                    {"name": "category", "in": "query", "schema": ROW_ID},
                    {"name": "warning", "in": "query", "schema": _warning},
                    {"name": "page", "in": "query", "schema": ROW_ID},
                ],
                "responses": {
                    "200": {
                        "description": "One page of 20 suggestions",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["page", "pages", "total", "suggestions"],
                                    "properties": {
                                        "page": {"type": "integer"},
                                        "pages": {"type": "integer"},
                                        "total": {"type": "integer"},
                                        "suggestions": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Suggestion"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "400": BAD_REQUEST,
                    "404": ERROR,
                },
            }
        },
        "/api/v1/units/stats": {
            "get": {
                "summary": "Each unit's handling of suggestions, and everything received",
                "responses": {
                    "200": {
                        "description": "Figures per lead unit; merged duplicates count once",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["units", "received"],
                                    "properties": {
                                        "units": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/UnitStats"},
                                        },
                                        "received": {
                                            "type": "object",
                                            "description": "counts by channel, status and reason",
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
    },
    schemas={
        "Suggestion": _suggestion_schema,
        "UnitStats": _unit_stats_schema,
    },
)
