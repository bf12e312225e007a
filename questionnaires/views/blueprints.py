"""The questionnaires room's two blueprints: answering (public) and the office's builder."""

from __future__ import annotations

from flask import Blueprint

public_bp = Blueprint("questionnaires", __name__)
admin_bp = Blueprint("questionnaires_office", __name__, url_prefix="/office/questionnaires")
