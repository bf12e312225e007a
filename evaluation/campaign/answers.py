"""The campaign as the public JSON and the released figures name it."""

from __future__ import annotations

from evaluation.core.api import Answer


class CampaignRef(Answer):
    year: int
    title: str
