"""The public JSON API's blueprint (/api/v1/) and its OpenAPI description, assembled from what
each room's `api.py` describes of its own routes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from evaluation.core.forms import MAX_ID

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

PATHS: dict[str, Any] = {}
SCHEMAS: dict[str, Any] = {}


def describe(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Add a room's routes and their schemas to the API's OpenAPI document."""
    PATHS.update(paths)
    SCHEMAS.update(schemas)


ERROR = {
    "description": "Not found, or not published",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

TEXT_PARAM = {"type": "string", "pattern": "^[^\\x00]*$"}

ROW_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

BAD_REQUEST = {**ERROR, "description": "A query parameter is not valid"}

NULLABLE_NUMBER = {"type": ["number", "null"]}

NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

NULLABLE_INTERVAL = {"type": ["array", "null"], "items": {"type": "number"}, "maxItems": 2}


describe(
    paths={},
    schemas={
        "Interval": {
            "type": "array",
            "items": {"type": "number"},
            "maxItems": 2,
            "description": "[low, high]; empty when it cannot be computed",
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}},
        },
    },
)


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sanmin public API",
            "version": "1",
            "description": "Published data of the 三民活动: reports, results, surveys, "
            "suggestions.",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
