"""Where tasks come from, offered to the office as ready drafts: departments whose released
result is clearly below their panel's average, suggestions answered 列入计划 (taken into the
plan) and the discussion meeting's follow-ups (恳谈会) that no task follows yet. Supervision
findings, comments and questionnaire findings are written by hand with their source."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.services import figures_of, released_run
from evaluation.campaign.models import Campaign
from rectification.models import DiscussionMeeting, FollowUp, RectificationTask, TaskSource
from suggestions.models import ReplyCategory, ReplyState, Suggestion, SuggestionReply
from suggestions.services import mask_personal_data

PROBLEM_MAX = 500


@dataclass(frozen=True)
class Draft:
    """A task as the office would start it: which department, from where, the problem."""

    key: str  # result:<code> or suggestion:<id>
    department_id: int
    source: TaskSource
    source_note: str
    problem: str


def _taken(session: Session, campaign: Campaign) -> set[str]:
    return set(
        session.execute(
            select(RectificationTask.source_note).where(
                RectificationTask.campaign_id == campaign.id
            )
        ).scalars()
    )


def drafts(session: Session, campaign: Campaign) -> list[Draft]:
    """Every draft no task has been opened from yet."""
    taken = _taken(session, campaign)
    found = []
    units = {d.code: d for d in campaign.departments}
    run = released_run(session, campaign)
    if run is not None:
        for figures in figures_of(run).all_departments():
            if figures.band != "below" or figures.code not in units:
                continue
            note = "评议结果：明显低于本组平均"  # stored data: Chinese, whatever the UI language
            if f"{note}（{figures.code}）" in taken:
                continue
            rate = figures.satisfaction_rate
            found.append(
                Draft(
                    key=f"result:{figures.code}",
                    department_id=units[figures.code].id,
                    source=TaskSource.RESULT,
                    source_note=f"{note}（{figures.code}）",
                    problem=f"在{figures.group_name}的评议中满意度明显低于本组平均水平"
                    f"（满意率 {'—' if rate is None else f'{rate:.1%}'}）。",
                )
            )
    planned = session.execute(
        select(Suggestion, SuggestionReply)
        .join(SuggestionReply, SuggestionReply.suggestion_id == Suggestion.id)
        .where(
            Suggestion.campaign_id == campaign.id,
            SuggestionReply.state == ReplyState.APPROVED,
            SuggestionReply.category == ReplyCategory.PLANNED,
        )
        .order_by(Suggestion.id)
    )
    for suggestion, reply in planned:
        note = f"意见建议 No.{suggestion.id}（列入计划）"
        if note in taken:
            continue
        found.append(
            Draft(
                key=f"suggestion:{suggestion.id}",
                department_id=reply.unit_id,
                source=TaskSource.SUGGESTION,
                source_note=note,
                problem=mask_personal_data(suggestion.text)[:PROBLEM_MAX],
            )
        )
    follow_ups = session.execute(
        select(FollowUp)
        .join(DiscussionMeeting, DiscussionMeeting.id == FollowUp.meeting_id)
        .where(DiscussionMeeting.campaign_id == campaign.id)
        .order_by(FollowUp.id)
    ).scalars()
    for follow_up in follow_ups:
        if follow_up.source_note in taken:
            continue
        found.append(
            Draft(
                key=f"discussion:{follow_up.id}",
                department_id=follow_up.department_id,
                source=TaskSource.DISCUSSION,
                source_note=follow_up.source_note,
                problem=follow_up.text[:PROBLEM_MAX],
            )
        )
    return found
