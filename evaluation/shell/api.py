"""The public JSON API (/api/v1/): each room serves its own routes (`<room>/api.py`); the shell
imports them all and serves the OpenAPI document they describe together."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from analysis import api as analysis_api  # noqa: F401  (its routes)
from ballots import api as ballots_api  # noqa: F401  (its routes)
from evaluation.campaign import api as campaign_api  # noqa: F401  (its routes)
from evaluation.core.api import api_bp, openapi_document
from rectification import api as rectification_api  # noqa: F401  (its routes)
from suggestions import api as suggestions_api  # noqa: F401  (its routes)

__all__ = ["api_bp"]


@api_bp.route("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document())
