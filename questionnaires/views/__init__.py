"""Questionnaire pages: answering (public) and the office's builder; two blueprints
(`blueprints`), their routes in `public` and `office` beside this file."""

from __future__ import annotations

from questionnaires.views import office, public  # noqa: F401  (their routes)
from questionnaires.views.blueprints import admin_bp, public_bp
from questionnaires.views.public import receipt_link

__all__ = ["admin_bp", "public_bp", "receipt_link"]
