"""The ballots room's part of the public JSON API: every box's manifest and sealing record."""

from __future__ import annotations

from dataclasses import fields
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from flask import jsonify
from flask.typing import ResponseReturnValue

from ballots.manifest import Manifest, box_index
from ballots.models import BoxState
from evaluation.campaign.services import require_campaign
from evaluation.core.api import (
    ERROR,
    api_bp,
    describe,
)
from evaluation.core.extensions import db

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


describe(
    paths={
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
                    "404": ERROR,
                },
            }
        },
    },
    schemas={
        "Box": _box_schema,
    },
)
