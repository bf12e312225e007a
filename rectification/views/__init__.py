"""Rectification pages: one blueprint for the office and one for the public
(`blueprints`); their routes live in `tasks`, `notices` and `discussion` beside this file."""

from __future__ import annotations

from rectification.views import discussion, notices, tasks  # noqa: F401  (their routes)
from rectification.views.blueprints import admin_bp, public_bp

__all__ = ["admin_bp", "public_bp"]
