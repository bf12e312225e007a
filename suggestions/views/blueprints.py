"""The suggestions room's two blueprints (public, office) and what their pages share."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from evaluation.campaign.models import Campaign
from evaluation.core.extensions import db
from evaluation.core.permissions import Capability, can
from suggestions import routing, services
from suggestions.forms import (
    CHANNEL_LABELS,
    REJECT_LABELS,
    REPLY_CATEGORY_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    VISITED_LABELS,
    WARNING_LABELS,
)
from suggestions.models import (
    Suggestion,
)

public_bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
admin_bp = Blueprint("suggestions_office", __name__, url_prefix="/office/suggestions")


def register_template_helpers(app: Any) -> None:
    app.jinja_env.globals.update(
        SUGGESTION_STATUS_LABELS=STATUS_LABELS,
        REJECT_LABELS=REJECT_LABELS,
        CHANNEL_LABELS=CHANNEL_LABELS,
        WARNING_LABELS=WARNING_LABELS,
        SATISFACTION_LABELS=SATISFACTION_LABELS,
        REPLY_CATEGORY_LABELS=REPLY_CATEGORY_LABELS,
        suggestion_author=public_name,
        VISITED_LABELS=VISITED_LABELS,
    )
    app.jinja_env.filters["mask_personal"] = services.mask_personal_data
    # The office (admin) reads texts as written; everyone else in the back office masked.
    app.jinja_env.filters["for_viewer"] = lambda text: (
        text
        if can(current_user, Capability.TRIAGE_SUGGESTIONS)
        else services.mask_personal_data(text)
    )


def unit_list(campaign: Campaign) -> list[SelectChoice]:
    return [SelectChoice(d.id, d.name) for d in campaign.departments]


def unit_choices(campaign: Campaign, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank), *unit_list(campaign)]


def category_choices(campaign: Campaign, blank: str) -> list[SelectChoice]:
    categories = routing.categories_of(db.session, campaign)
    return [SelectChoice("", blank), *(SelectChoice(c.id, c.name) for c in categories)]


def public_name(suggestion: Suggestion) -> str:
    """How an outstanding suggestion's author is shown: the name only with consent."""
    if suggestion.name_consent and suggestion.author_name:
        return suggestion.author_name
    return _("市民（未公开姓名）")
