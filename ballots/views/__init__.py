"""Voting pages (public, no login), the public box index, and the back office's boxes.

One blueprint for the public and one for the office (`blueprints`); their routes live in
`voting`, `boxes`, `office`, `moves`, `paper`, `prints` and `wall` beside this file.
"""

from __future__ import annotations

from ballots.views import boxes, moves, office, paper, prints, voting, wall  # noqa: F401
from ballots.views.blueprints import admin_bp, public_bp

__all__ = ["admin_bp", "public_bp"]
