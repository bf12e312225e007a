"""Tasks with where each stands today: for the public board, the office's lists and the to-do
lists alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department
from rectification.models import RectificationTask
from rectification.services import Standing, standing, tasks_of
from suggestions.routing import work_calendar


def with_standing(
    session: Session,
    campaign: Campaign,
    today: dt.date,
    department: Department | None = None,
    listed_only: bool = False,
) -> list[tuple[RectificationTask, Standing]]:
    """The campaign's tasks (a department's, when given; only the listed ones, if asked) with
    their standing today."""
    calendar = work_calendar(session)
    return [
        (t, standing(t, today, calendar, campaign.progress_report_day))
        for t in tasks_of(session, campaign, department, listed_only)
    ]
