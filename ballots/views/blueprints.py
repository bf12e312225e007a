"""The ballots room's two blueprints (public, office) and what their pages share."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ballots.boxes import box_name
from ballots.models import PaperEntryState, Rating

public_bp = Blueprint("ballots", __name__)
admin_bp = Blueprint("ballots_office", __name__, url_prefix="/office/ballots")

TURNOUT_REFRESH_SECONDS = 15
PAPER_OUTCOMES = {
    PaperEntryState.PENDING: _l("第一次录入已保存。请另一位工作人员再录入一次。"),
    None: _l("两次录入一致，这张纸质票已计入。"),
    PaperEntryState.CONFLICT: _l("两次录入不一致，已转监察局对照纸质票核对。"),
}
RATING_LABELS = {
    Rating.SATISFIED: _l("满意"),
    Rating.BASICALLY_SATISFIED: _l("基本满意"),
    Rating.DISSATISFIED: _l("不满意"),
    Rating.UNKNOWN: _l("不了解"),
}


def rating_labels() -> dict[Rating, str]:
    return {r: str(label) for r, label in RATING_LABELS.items()}  # translated once a page


# Boxes are named on pages as people call them: 第1组 · 市级主会场.
public_bp.add_app_template_filter(box_name, "box_name")
