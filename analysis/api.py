"""The released results in the public JSON API: departments' figures and the questionnaires."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from analysis.computation import all_departments, figures_of
from analysis.models import ResultRun
from analysis.services import released_run
from evaluation.campaign.services import require_campaign
from evaluation.core.api import (
    ERROR,
    NULLABLE_INTERVAL,
    NULLABLE_NUMBER,
    ROW_ID,
    api_bp,
    describe,
)
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db

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
        "score": NULLABLE_NUMBER,
        "score_ci": {"$ref": "#/components/schemas/Interval"},
        "satisfaction_rate": NULLABLE_NUMBER,
        "satisfaction_ci": {"$ref": "#/components/schemas/Interval"},
        "satisfied_share": NULLABLE_NUMBER,
        "dissatisfied_share": NULLABLE_NUMBER,
        "awareness": NULLABLE_NUMBER,
        "returned": {"type": "integer"},
        "valid": {"type": "integer"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "flag": {"type": ["string", "null"], "enum": ["too_few_valid", "low_awareness", None]},
        "previous_score": NULLABLE_NUMBER,
    },
}


_scale_result = {
    "type": "object",
    "required": ["answered", "counts", "shares", "mean", "mean_ci"],
    "properties": {
        "answered": {"type": "integer"},
        "counts": {"type": "array", "items": {"type": "integer"}},
        "shares": {"type": "array", "items": NULLABLE_NUMBER},
        "mean": NULLABLE_NUMBER,
        "mean_ci": NULLABLE_INTERVAL,
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
        "shares": {"type": "array", "items": NULLABLE_NUMBER},
        "share_cis": {"type": "array", "items": NULLABLE_INTERVAL},
        "mean": NULLABLE_NUMBER,
        "mean_ci": NULLABLE_INTERVAL,
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


describe(
    paths={
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
                    "404": ERROR,
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
                    "404": ERROR,
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
                        "schema": ROW_ID,
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Every question: counts, shares with Wilson intervals, "
                        "scale means with bootstrap intervals; online responses apart",
                        "content": {"application/json": {"schema": _questionnaire_schema}},
                    },
                    "404": ERROR,
                },
            }
        },
    },
    schemas={
        "Result": _result_schema,
    },
)
