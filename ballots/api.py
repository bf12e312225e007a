"""The ballots room's part of the public JSON API: every box's manifest and sealing record."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from ballots.index import PublicBox, box_index
from evaluation.campaign.answers import CampaignRef
from evaluation.campaign.services import require_campaign
from evaluation.core.api import Answer, api_bp, describe_get, reply
from evaluation.core.extensions import db


class Boxes(Answer):
    campaign: CampaignRef
    boxes: list[PublicBox]


@api_bp.route("/boxes")
def boxes() -> ResponseReturnValue:
    """Every ballot box of the campaign: its manifest and, once sealed, its tally hash."""
    campaign = require_campaign(db.session)
    return reply(
        Boxes(
            campaign=CampaignRef(year=campaign.year, title=campaign.title),
            boxes=box_index(db.session, campaign),
        )
    )


describe_get(
    "/boxes",
    "Every ballot box with its manifest (选票台账)",
    Boxes,
    "The current campaign's boxes",
)
