"""The rectification room's two blueprints (office, public) and what their pages share."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from evaluation.campaign.models import DEFAULT_PROGRESS_REPORT_DAY
from evaluation.campaign.services import current_campaign
from evaluation.core.audit_events import event_label
from evaluation.core.clock import beijing_today
from evaluation.core.extensions import db
from rectification.forms import CHECK_LABELS, SOURCE_LABELS, STATE_LABELS

admin_bp = Blueprint("rectification_office", __name__, url_prefix="/office/rectification")
public_bp = Blueprint("rectification", __name__, url_prefix="/rectification")

LABELS = {"states": STATE_LABELS, "sources": SOURCE_LABELS, "checks": CHECK_LABELS}


@admin_bp.context_processor
@public_bp.context_processor
def _labels() -> dict[str, Any]:
    """The room's labels, today's date and the monthly report day, on every page of it."""
    campaign = current_campaign(db.session)
    day = campaign.progress_report_day if campaign else DEFAULT_PROGRESS_REPORT_DAY
    return {**LABELS, "today": beijing_today(), "report_day": day, "event_label": event_label}
