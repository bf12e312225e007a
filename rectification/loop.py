"""The loop closes: a department's report editor sees last year's rectification tasks (and its
section on last year's suggestions and problems starts from them), and its public page links
to its listed tasks. Both answer the campaign room's signals; the shell connects them."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from evaluation.campaign.models import Campaign, Department
from evaluation.core.extensions import db
from rectification.forms import STATE_LABELS
from rectification.models import RectificationTask, TaskState
from rectification.services import tasks_of


def _last_year(department: Department) -> tuple[Department | None, list[RectificationTask]]:
    previous = db.session.execute(
        select(Department)
        .join(Campaign, Campaign.id == Department.campaign_id)
        .where(Campaign.year == department.campaign.year - 1, Department.code == department.code)
    ).scalar()
    if previous is None:
        return None, []
    return previous, tasks_of(db.session, previous.campaign, previous)


def report_start(tasks: list[RectificationTask]) -> str:
    """The opening of the report's section on last year's suggestions and problems."""
    closed = sum(t.state == TaskState.CLOSED for t in tasks)
    lines = [
        _(
            "上年度本单位牵头整改任务 %(n)s 项，已销号 %(c)s 项，正在整改 %(o)s 项。",
            n=len(tasks),
            c=closed,
            o=len(tasks) - closed,
        )
    ]
    for i, task in enumerate(tasks, start=1):
        lines.append(
            _(
                "%(i)s. %(problem)s 整改承诺：%(commitment)s 目前：%(state)s，进度 %(p)s%%。",
                i=i,
                problem=task.problem,
                commitment=task.commitment,
                state=STATE_LABELS[task.state],
                p=task.progress,
            )
        )
    return "\n".join(lines)


def last_year_tasks(sender: Any, department: Department) -> dict[str, Any]:
    """Answers `evaluation.campaign.signals.report_editor`."""
    _previous, tasks = _last_year(department)
    if not tasks:
        return {"last_year_tasks": []}
    with force_locale("zh"):  # the report is published in Chinese, whoever drafts it
        start = report_start(tasks)
    return {
        "last_year_tasks": tasks,
        "report_start": {"suggestions_handled": start},
        "task_states": STATE_LABELS,
    }


def department_tasks(sender: Any, campaign: Campaign, department: Department) -> dict[str, Any]:
    """Answers `evaluation.campaign.signals.department_page`: its listed tasks, this year's
    and last year's."""
    _previous, earlier = _last_year(department)
    current = tasks_of(db.session, campaign, department, listed_only=True)
    return {
        "listed_tasks": current + [t for t in earlier if t.listed],
        "task_states": STATE_LABELS,
    }
