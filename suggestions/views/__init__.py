"""Suggestion pages: the public form, tracking, board and lists; the office's handling pages,
settings and selections. Two blueprints (`blueprints`), their routes in the modules beside."""

from __future__ import annotations

from suggestions.views import files, office, public, selection, settings, triage  # noqa: F401
from suggestions.views.blueprints import admin_bp, public_bp, register_template_helpers
from suggestions.views.office import last_year_suggestions

__all__ = ["admin_bp", "last_year_suggestions", "public_bp", "register_template_helpers"]
