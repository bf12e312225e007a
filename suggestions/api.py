"""The suggestions room's part of the public JSON API: the board and each unit's handling."""

from __future__ import annotations

import datetime as dt

from flask import request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field, TypeAdapter

from evaluation.campaign.services import require_campaign
from evaluation.core.api import (
    ROW_ID,
    TEXT_PARAM,
    Answer,
    UtcTime,
    api_bp,
    describe_get,
    reply,
)
from evaluation.core.extensions import db
from suggestions import board as boards
from suggestions.models import Channel, ReplyCategory, Satisfaction, Status, Suggestion
from suggestions.services import mask_personal_data


class ReplyFile(Answer):
    filename: str
    size: int = Field(description="Bytes")
    url: str = Field(description="Where the public downloads it")


class PublicReply(Answer):
    unit: str = Field(description="Department code")
    category: ReplyCategory | None = Field(description="已采纳, 列入计划, 留作参考 or 不予采纳")
    text: str
    decline_reason: str | None = Field(description="Why not, when declined")
    approved_at: UtcTime
    follow_up: bool
    feedback: Satisfaction | None
    attachments: list[ReplyFile]


class PublicSuggestion(Answer):
    """A suggestion as the board shows it: no name, no phone, no tracking code."""

    id: int
    channel: Channel
    category: str | None
    text: str
    created_at: UtcTime
    status: Status
    merged_into: int | None
    lead_unit: str | None = Field(description="Department code")
    co_units: list[str]
    due_on: dt.date | None
    answered_on: dt.date | None
    on_time: bool | None
    warning: boards.WarningLevel | None
    reply: PublicReply | None


class Board(Answer):
    page: int
    pages: int
    total: int
    suggestions: list[PublicSuggestion]


class UnitFigures(Answer):
    """How one unit handled the suggestions it led."""

    code: str
    name: str
    received: int
    answered: int
    open: int
    overdue: int
    on_time: int
    on_time_rate: float | None
    median_working_days: float | None
    feedback: dict[Satisfaction, int]
    satisfaction_rate: float | None


class Received(Answer):
    """Everything received, rejected ones included."""

    channel: dict[Channel, int]
    status: dict[Status, int]
    rejected: dict[str, int] = Field(description="Rejected ones by reason")
    total: dict[str, int]


class UnitsAnswer(Answer):
    units: list[UnitFigures]
    received: Received


def _public(suggestion: Suggestion, bounds: boards.WarningBounds) -> PublicSuggestion:
    followed = suggestion.merged_into or suggestion
    reply_ = followed.public_reply
    return PublicSuggestion(
        id=suggestion.id,
        channel=suggestion.channel,
        category=suggestion.category.name if suggestion.category else None,
        text=mask_personal_data(suggestion.text),
        created_at=suggestion.created_at,
        status=suggestion.status,
        merged_into=suggestion.merged_into_id,
        lead_unit=followed.lead_unit.code if followed.lead_unit else None,
        co_units=[u.code for u in followed.co_units],
        due_on=followed.due_on,
        answered_on=followed.answered_on,
        on_time=followed.on_time,
        warning=bounds.level(followed),
        reply=PublicReply(
            unit=reply_.unit.code,
            category=reply_.category,
            text=mask_personal_data(reply_.text),
            decline_reason=mask_personal_data(reply_.decline_reason)
            if reply_.decline_reason
            else None,
            approved_at=reply_.approved_at,
            follow_up=reply_.follow_up,
            feedback=reply_.feedback,
            attachments=[
                ReplyFile(
                    filename=f.filename,
                    size=f.size,
                    url=url_for("suggestions.reply_file", attachment_id=f.id, _external=True),
                )
                for f in reply_.attachments
            ],
        )
        if reply_
        else None,
    )


@api_bp.route("/suggestions")
def suggestions() -> ResponseReturnValue:
    """The public board: every non-rejected suggestion without personal data, newest first."""
    campaign = require_campaign(db.session)
    filters, page_number = boards.board_query(request.args)
    bounds = boards.warning_bounds(db.session)
    page = boards.board(db.session, campaign, filters, page_number, bounds)
    return reply(
        Board(
            page=page.page,
            pages=page.pages,
            total=page.total,
            suggestions=[_public(s, bounds) for s in page.items],
        )
    )


@api_bp.route("/units/stats")
def unit_stats() -> ResponseReturnValue:
    """Each unit's handling figures and the counts of everything received."""
    campaign = require_campaign(db.session)
    units = boards.unit_statistics(db.session, campaign)
    return reply(
        UnitsAnswer(
            units=[
                UnitFigures(
                    code=u.code,
                    name=u.name,
                    received=u.received,
                    answered=u.answered,
                    open=u.open,
                    overdue=u.overdue,
                    on_time=u.on_time,
                    on_time_rate=_round(u.on_time_rate),
                    median_working_days=u.median_working_days,
                    feedback=u.feedback,
                    satisfaction_rate=_round(u.satisfaction_rate),
                )
                for u in units
            ],
            received=Received.model_validate(boards.summary(db.session, campaign)),
        )
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _enum_param(name: str, kind: type) -> dict[str, object]:
    return {"name": name, "in": "query", "schema": TypeAdapter(kind).json_schema()}


describe_get(
    "/suggestions",
    "The public suggestions board (no personal data), newest first",
    Board,
    "One page of 20 suggestions",
    parameters=[
        {"name": "unit", "in": "query", "schema": TEXT_PARAM},
        _enum_param("status", Status),
        {"name": "category", "in": "query", "schema": ROW_ID},
        _enum_param("warning", boards.WarningLevel),
        {"name": "page", "in": "query", "schema": ROW_ID},
        {"name": "q", "in": "query", "schema": {**TEXT_PARAM, "maxLength": boards.SEARCH_MAX}},
    ],
    bad_request=True,
)
describe_get(
    "/units/stats",
    "Each unit's handling of suggestions, and everything received",
    UnitsAnswer,
    "Figures per lead unit; merged duplicates count once",
)
