"""The public JSON API (/api/v1/): published data only, described by its OpenAPI document."""

from __future__ import annotations

from dataclasses import fields
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from analysis.computation import all_departments, figures_of
from analysis.models import ResultRun
from analysis.services import released_run
from ballots.manifest import Manifest, box_index
from ballots.models import BoxState
from evaluation.campaign.models import Department, EvaluationMode
from evaluation.campaign.reports.services import (
    public_department,
    published_codes,
    published_versions,
)
from evaluation.campaign.services import require_campaign
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db
from evaluation.core.forms import MAX_ID
from suggestions import board as boards
from suggestions.models import Channel, Status, Suggestion
from suggestions.services import mask_personal_data

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


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


def _released_figures() -> tuple[ResultRun, dict[str, Any]]:
    run = released_run(db.session, require_campaign(db.session))
    if run is None:
        raise NotFound(_("评议结果尚未发布。"))
    return run, figures_of(run)


@api_bp.route("/results")
def results() -> ResponseReturnValue:
    """The released evaluation results: every department with its intervals, in rank order."""
    run, figures = _released_figures()
    return jsonify(
        {
            "campaign": figures["campaign"],
            "released_at": run.released_at.isoformat() + "Z",
            "scheme": figures["scheme"],
            "input_hash": figures["audit"]["input_hash"],
            "departments": [
                {k: d[k] for k in _result_schema["properties"]} for d in all_departments(figures)
            ],
        }
    )


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


@api_bp.route("/questionnaires")
def questionnaires() -> ResponseReturnValue:
    """The released questionnaires, each with its number of responses."""
    run, figures = _released_figures()
    return jsonify(
        {
            "campaign": figures["campaign"],
            "released_at": run.released_at.isoformat() + "Z",
            "questionnaires": [
                {k: q[k] for k in ("id", "kind", "title", "version", "respondents")}
                for q in figures.get("questionnaires", [])
            ],
        }
    )


@api_bp.route("/questionnaires/<int:questionnaire_id>")
def questionnaire(questionnaire_id: int) -> ResponseReturnValue:
    """One released questionnaire: every question in total, per venue and online apart."""
    _run, figures = _released_figures()
    found = next(
        (q for q in figures.get("questionnaires", []) if q["id"] == questionnaire_id), None
    )
    if found is None:
        raise NotFound(_("没有这份问卷的结果。"))
    return jsonify(found)


@api_bp.route("/boxes")
def boxes() -> ResponseReturnValue:
    """Every ballot box of the campaign: its manifest and, once sealed, its tally hash."""
    campaign = require_campaign(db.session)
    return jsonify(
        {
            "campaign": {"year": campaign.year, "title": campaign.title},
            "boxes": box_index(db.session, campaign),
        }
    )


@api_bp.route("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(OPENAPI)


_error = {
    "description": "Not found, or not published",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
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
_nullable_number = {"type": ["number", "null"]}
_rank_interval = {"type": ["array", "null"], "items": {"type": "integer"}}
_result_schema = {
    "type": "object",
    "required": ["code", "name", "score", "valid", "counts"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "group": {"type": "string", "description": "group number, or 'internal'"},
        "group_name": {"type": "string"},
        "rank": {"type": ["integer", "null"], "description": "null when not ranked (flag)"},
        "rank_interval": _rank_interval,
        "joint_rank_interval": _rank_interval,
        "band": {"type": ["string", "null"], "enum": ["above", "within", "below", None]},
        "score": _nullable_number,
        "score_ci": {"$ref": "#/components/schemas/Interval"},
        "satisfaction_rate": _nullable_number,
        "satisfaction_ci": {"$ref": "#/components/schemas/Interval"},
        "satisfied_share": _nullable_number,
        "dissatisfied_share": _nullable_number,
        "awareness": _nullable_number,
        "returned": {"type": "integer"},
        "valid": {"type": "integer"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "flag": {"type": ["string", "null"], "enum": ["too_few_valid", "low_awareness", None]},
        "previous_score": _nullable_number,
    },
}
# Any text but NUL, which no honest client sends (every request carrying one is refused).
_text_param = {"type": "string", "pattern": "^[^\\x00]*$"}
_row_id = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_bad_request = {**_error, "description": "A query parameter is not valid"}
_suggestion_status = {"type": "string", "enum": [s.value for s in Status]}
_warning = {"type": "string", "enum": [w.value for w in boards.WarningLevel]}
_nullable_date = {"type": ["string", "null"], "format": "date"}
_nullable_interval = {"type": ["array", "null"], "items": {"type": "number"}, "maxItems": 2}
_scale_result = {
    "type": "object",
    "required": ["answered", "counts", "shares", "mean", "mean_ci"],
    "properties": {
        "answered": {"type": "integer"},
        "counts": {"type": "array", "items": {"type": "integer"}},
        "shares": {"type": "array", "items": _nullable_number},
        "mean": _nullable_number,
        "mean_ci": _nullable_interval,
    },
}
_question_result = {
    "type": "object",
    "required": ["respondents", "answered"],
    "description": "choice questions: counts, shares, share_cis; scale: as a scale result; "
    "matrix: rows, one scale result per item; text: only how many answered",
    "properties": {
        "respondents": {"type": "integer"},
        "answered": {"type": "integer"},
        "counts": {"type": "array", "items": {"type": "integer"}},
        "shares": {"type": "array", "items": _nullable_number},
        "share_cis": {"type": "array", "items": _nullable_interval},
        "mean": _nullable_number,
        "mean_ci": _nullable_interval,
        "rows": {"type": "array", "items": _scale_result},
    },
}
_respondents = {
    "type": "object",
    "required": ["total", "online", "venues"],
    "properties": {
        "total": {"type": "integer", "description": "venue responses (online ones apart)"},
        "online": {"type": "integer"},
        "venues": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "venue": {"type": "string"},
                    "respondents": {"type": "integer"},
                },
            },
        },
    },
}
_questionnaire_summary = {
    "type": "object",
    "required": ["id", "kind", "title", "version", "respondents"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["social", "conduct", "other"]},
        "title": {"type": "string"},
        "version": {"type": "integer"},
        "respondents": _respondents,
    },
}
_questionnaire_schema = {
    "type": "object",
    "required": [*_questionnaire_summary["required"], "venues", "sections"],
    "properties": {
        **_questionnaire_summary["properties"],
        "venues": {"type": "array", "items": {"type": "string"}},
        "records_hash": {
            "type": "string",
            "description": "SHA-256 of the published response records, lines sorted",
        },
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["title", "questions"],
                "properties": {
                    "title": {"type": "string"},
                    "questions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "kind", "text", "total", "venues"],
                            "properties": {
                                "id": {"type": "integer"},
                                "kind": {
                                    "type": "string",
                                    "enum": ["single", "multiple", "scale", "matrix", "text"],
                                },
                                "text": {"type": "string"},
                                "required": {"type": "boolean"},
                                "max_choices": {"type": ["integer", "null"]},
                                "options": {"type": "array", "items": {"type": "string"}},
                                "items": {"type": "array", "items": {"type": "string"}},
                                "total": _question_result,
                                "venues": {"type": "array", "items": _question_result},
                                "online": {"anyOf": [_question_result, {"type": "null"}]},
                            },
                        },
                    },
                },
            },
        },
    },
}
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
        "due_on": _nullable_date,
        "answered_on": _nullable_date,
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
        "on_time_rate": _nullable_number,
        "median_working_days": _nullable_number,
        "feedback": {"type": "object", "additionalProperties": {"type": "integer"}},
        "satisfaction_rate": _nullable_number,
    },
}
_JSON_TYPES = {int: "integer", str: "string", bool: "boolean", float: "number"}


def _json_type(hint: Any) -> dict[str, Any]:
    """A JSON schema for one annotated field of a dataclass (the types the API serves)."""
    args = [a for a in get_args(hint) if a is not type(None)]
    if get_origin(hint) in (UnionType, Union) and len(args) == 1:
        return {"type": [_JSON_TYPES[args[0]], "null"]}
    if get_origin(hint) is dict:
        return {"type": "object", "additionalProperties": {"type": "array"}}
    if get_origin(hint) is list:
        return {"type": "array"}
    return {"type": _JSON_TYPES[hint]}


def _manifest_schema() -> dict[str, Any]:
    """The public manifest, generated from `ballots.manifest.Manifest`."""
    hints = get_type_hints(Manifest)
    shown = [
        f.name for f in fields(Manifest) if f.name not in ("box_id", "group", "venue", "state")
    ]
    properties = {name: _json_type(hints[name]) for name in shown}
    properties["cards_used_by_phone"] = {"type": "integer"}
    properties["reconciles"] = {"type": "boolean"}
    properties["approvals"]["items"] = {
        "type": "object",
        "required": ["count", "reason"],
        "properties": {"count": {"type": "integer"}, "reason": {"type": "string"}},
    }
    return {"type": "object", "required": [*shown, "reconciles"], "properties": properties}


_box_schema = {
    "type": "object",
    "required": ["id", "group", "venue", "internal", "state", "manifest", "sealed"],
    "properties": {
        "id": {"type": "integer"},
        "group": {"type": ["integer", "null"]},
        "venue": {"type": ["string", "null"]},
        "internal": {"type": "boolean"},
        "state": {"type": "string", "enum": [s.value for s in BoxState]},
        "manifest": _manifest_schema(),
        "withdrawal_reason": {"type": ["string", "null"]},
        "sealed": {
            "type": ["object", "null"],
            "description": "Once sealed: receipts, the tally hash and the audit head of the "
            "closing minutes, and where to download the records",
            "properties": {
                "receipts": {"type": "integer"},
                "tally_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "audit_head": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "minutes_confirmed": {"type": "boolean"},
                "minutes": {"type": "string"},
                "records": {"type": "string"},
                "receipt_list": {"type": "string"},
            },
        },
    },
}
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "sanmin public API",
        "version": "1",
        "description": "Published data of the 三民活动: reports, results, surveys, suggestions.",
    },
    "paths": {
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
                    "404": _error,
                },
            }
        },
        "/api/v1/results": {
            "get": {
                "summary": "The released evaluation results, in rank order",
                "responses": {
                    "200": {
                        "description": "Every department's figures as released",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["campaign", "released_at", "departments"],
                                    "properties": {
                                        "campaign": {"type": "object"},
                                        "released_at": {"type": "string", "format": "date-time"},
                                        "scheme": {"type": "object"},
                                        "input_hash": {"type": "string"},
                                        "departments": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Result"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "404": _error,
                },
            }
        },
        "/api/v1/questionnaires": {
            "get": {
                "summary": "The released questionnaires (released with the results)",
                "responses": {
                    "200": {
                        "description": "Each questionnaire with its number of responses",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["campaign", "released_at", "questionnaires"],
                                    "properties": {
                                        "campaign": {"type": "object"},
                                        "released_at": {"type": "string", "format": "date-time"},
                                        "questionnaires": {
                                            "type": "array",
                                            "items": _questionnaire_summary,
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "404": _error,
                },
            }
        },
        "/api/v1/questionnaires/{questionnaire_id}": {
            "get": {
                "summary": "One released questionnaire's results, in total and per venue",
                "parameters": [
                    {
                        "name": "questionnaire_id",
                        "in": "path",
                        "required": True,
                        "schema": _row_id,
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Every question: counts, shares with Wilson intervals, "
                        "scale means with bootstrap intervals; online responses apart",
                        "content": {"application/json": {"schema": _questionnaire_schema}},
                    },
                    "404": _error,
                },
            }
        },
        "/api/v1/suggestions": {
            "get": {
                "summary": "The public suggestions board (no personal data), newest first",
                "parameters": [
                    {"name": "unit", "in": "query", "schema": _text_param},
                    {"name": "status", "in": "query", "schema": _suggestion_status},
                    {"name": "category", "in": "query", "schema": _row_id},
                    {"name": "warning", "in": "query", "schema": _warning},
                    {"name": "page", "in": "query", "schema": _row_id},
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
                    "400": _bad_request,
                    "404": _error,
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
                    "404": _error,
                },
            }
        },
        "/api/v1/boxes": {
            "get": {
                "summary": "Every ballot box with its manifest (选票台账)",
                "responses": {
                    "200": {
                        "description": "The current campaign's boxes",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["campaign", "boxes"],
                                    "properties": {
                                        "campaign": {"type": "object"},
                                        "boxes": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Box"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "404": _error,
                },
            }
        },
        "/api/v1/departments/{code}/report": {
            "get": {
                "summary": "A department's published report",
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": _text_param}
                ],
                "responses": {
                    "200": {
                        "description": "The current published version",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Report"}}
                        },
                    },
                    "404": _error,
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Interval": {
                "type": "array",
                "items": {"type": "number"},
                "maxItems": 2,
                "description": "[low, high]; empty when it cannot be computed",
            },
            "Result": _result_schema,
            "Box": _box_schema,
            "Suggestion": _suggestion_schema,
            "UnitStats": _unit_stats_schema,
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
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
        }
    },
}
