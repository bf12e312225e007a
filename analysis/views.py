"""Results pages: the public results once released; the bureaus' tally, sign-off and release."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from analysis.appeals import corrections_shown
from analysis.archive import history
from analysis.charts import heat_map, scale_heat_map, score_bars
from analysis.computation import figures_of
from analysis.exports import (
    export_name,
    preview_mark,
    results_csv,
    results_xlsx,
)
from analysis.figures import INTERNAL, Figures
from analysis.forms import (
    APPEAL_FIGURE_LABELS,
    BAND_LABELS,
    NEXT_SIGNATURE,
    RUN_STATE_LABELS,
    VENUE_FLAG_LABELS,
)
from analysis.models import Appeal, ResultRun
from analysis.services import (
    released_run,
    run_review,
)
from evaluation.campaign.models import Campaign, Department
from evaluation.campaign.services import meetings_of, require_campaign
from evaluation.core.errors import NotFound, Refused
from evaluation.core.extensions import db
from evaluation.core.files import attachment
from questionnaires.exports import questionnaire_csv
from questionnaires.figures import QuestionnaireFigures
from questionnaires.forms import QUESTION_KIND_LABELS
from questionnaires.models import QuestionKind
from questionnaires.results import response_records
from questionnaires.services import get_questionnaire
from suggestions.board import unit_statistics

public_bp = Blueprint("results", __name__, url_prefix="/results")


SEARCH_MAX = 30


def _view() -> tuple[str, str]:
    """The group (its key) and the words a visitor narrowed the results to ('' for all)."""
    group = request.args.get("group", "")
    words = " ".join(request.args.get("q", "").split())
    if len(words) > SEARCH_MAX:
        raise Refused(_("搜索词最多 %(n)s 个字。", n=SEARCH_MAX))
    return group, words


def results_page(run: ResultRun, preview: bool) -> str:
    """The results, all of them or one group's (?group=1) or the departments whose name holds
    the words (?q=); ranks are always within the department's group."""
    figures = figures_of(run)
    group, words = _view()
    if group and group not in {g.key for g in figures.groups}:
        raise Refused(_("没有这个组。"))
    names = figures.names()
    short = {d.code: d.short_name or d.name for d in run.campaign.departments if d.code in names}
    pools = []
    for pool in sorted(figures.rankings, key=lambda p: p == INTERNAL):
        rows = [
            d
            for d in figures.pool(pool)
            if (not group or d.group == group) and all(w in d.name for w in words.split())
        ]
        if rows or not (group or words):
            pools.append((pool, rows, score_bars(rows, short)))
    trends = {}
    if not preview:
        past = history(db.session, run.campaign.year)
        trends = {
            d.code: past.trend(figures, run.campaign.year, d.code)
            for d in figures.all_departments()
        }
    return render_template(
        "analysis/results.html",
        correction=None if preview else _correction(run),
        appeal_figures=APPEAL_FIGURE_LABELS,
        trends=trends,
        trend_years=sorted({p.year for t in trends.values() for p in t.points}),
        run=run,
        figures=figures,
        pools=pools,
        group=group,
        words=words,
        heat_maps=[(g, heat_map(g, short)) for g in figures.groups if not group or g.key == group],
        preview=preview,
        band_labels=BAND_LABELS,
        review=run_review(run) if preview else None,
        names=names,
        venue_flag_labels=VENUE_FLAG_LABELS,
        state_labels=RUN_STATE_LABELS,
        next_step=NEXT_SIGNATURE.get(run.state) if run else None,
    )


@dataclass(frozen=True)
class Correction:
    """What a released correction replaced, why, and which departments' figures changed."""

    replaced: ResultRun
    appeals: list[Appeal]
    changed: list[tuple[str, float | None, float | None, str | None, str | None]]


def _correction(run: ResultRun) -> Correction | None:
    if run.corrects_id is None:
        return None
    replaced = db.session.get(ResultRun, run.corrects_id)
    before = {d.code: d for d in figures_of(replaced).all_departments()}
    changed = []
    for d in figures_of(run).all_departments():
        old = before.get(d.code)
        if old is None or (old.score, old.band, old.joint_rank_interval) != (
            d.score,
            d.band,
            d.joint_rank_interval,
        ):
            changed.append((d.name, old.score if old else None, d.score, old and old.band, d.band))
    return Correction(replaced, corrections_shown(db.session, run), changed)


def _released() -> ResultRun:
    run = released_run(db.session, require_campaign(db.session))
    if run is None:
        raise NotFound(_("评议结果尚未发布。"))
    return run


def download(run: ResultRun, fmt: str) -> Response:
    """The run's figures as a file; before release, marked as a preview in it and its name."""
    figures = figures_of(run)
    mark = preview_mark(run)
    if fmt == "xlsx":
        body, mimetype = (
            results_xlsx(figures, mark),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        body, mimetype = results_csv(figures, mark).encode("utf-8-sig"), "text/csv"
    else:
        raise NotFound(_("没有这种导出格式。"))
    return attachment(body, mimetype, export_name(figures, fmt, preview=mark is not None))


# ---------------------------------------------------------------- public


def department_result(sender: Any, campaign: Campaign, department: Department) -> dict[str, Any]:
    """Answers `evaluation.campaign.signals.department_page`: the department's released result."""
    run = released_run(db.session, campaign)
    if run is None:
        return {"result": None}
    figures = figures_of(run)
    trend = history(db.session, campaign.year).trend(figures, campaign.year, department.code)
    return {
        "result": figures.department(department.code),
        "trend": trend,
        "band_labels": BAND_LABELS,
    }


@public_bp.route("/")
def results() -> str | tuple[str, int]:
    campaign = require_campaign(db.session)
    run = released_run(db.session, campaign)
    if run is None:  # say when, not just "not found"
        meetings = meetings_of(db.session, campaign)
        return render_template(
            "analysis/not_yet.html",
            campaign=campaign,
            last_meeting=meetings[-1].date if meetings else None,
        ), 404
    return results_page(run, preview=False)


@public_bp.route("/departments/<code>")
def department(code: str) -> str:
    figures = figures_of(_released())
    found = figures.department(code)
    if found is None or found.group == INTERNAL:
        raise NotFound(_("没有这个部门的公开评议结果。"))
    venues = [(v.venue, v.counts[code]) for v in figures.group(found.group).per_venue]
    # Shown beside the evaluation as it stands today; never part of the signed figures.
    campaign = require_campaign(db.session)
    handling = next((u for u in unit_statistics(db.session, campaign) if u.code == code), None)
    trend = history(db.session, campaign.year).trend(figures, campaign.year, code)
    return render_template(
        "analysis/department.html",
        trend=trend,
        d=found,
        venues=venues,
        figures=figures,
        ranked=sum(d.rank is not None for d in figures.pool(found.group)),
        band_labels=BAND_LABELS,
        handling=handling,
    )


@public_bp.route("/export.<fmt>")
def export(fmt: str) -> Response:
    return download(_released(), fmt)


def _questionnaire(figures: Figures, questionnaire_id: int) -> QuestionnaireFigures:
    found = figures.questionnaire(questionnaire_id)
    if found is None:
        raise NotFound(_("没有这份问卷的结果。"))
    return found


def questionnaire_page(run: ResultRun, questionnaire_id: int, preview: bool) -> str:
    questionnaire = _questionnaire(figures_of(run), questionnaire_id)
    charts = {
        q.id: scale_heat_map(
            q.items,
            questionnaire.venues,
            [[venue.rows[i].mean for venue in q.venues] for i in range(len(q.items))],  # type: ignore[index],
        )
        for q in questionnaire.questions
        if q.kind == QuestionKind.MATRIX
    }
    return render_template(
        "analysis/questionnaire.html",
        run=run,
        q=questionnaire,
        charts=charts,
        preview=preview,
        question_kind_labels=QUESTION_KIND_LABELS,
    )


@public_bp.route("/questionnaires/<int:questionnaire_id>")
def questionnaire(questionnaire_id: int) -> str:
    return questionnaire_page(_released(), questionnaire_id, preview=False)


@public_bp.route("/questionnaires/<int:questionnaire_id>/export.csv")
def questionnaire_export(questionnaire_id: int) -> Response:
    found = _questionnaire(figures_of(_released()), questionnaire_id)
    return attachment(
        questionnaire_csv(found).encode("utf-8-sig"), "text/csv", f"{found.title}.csv"
    )


@public_bp.route("/questionnaires/<int:questionnaire_id>/records.csv")
def questionnaire_records(questionnaire_id: int) -> Response:
    """The counted responses, shuffled, for anyone to recount (`sanmin results verify`)."""
    campaign = require_campaign(db.session)
    _questionnaire(figures_of(_released()), questionnaire_id)  # released ones only
    questionnaire = get_questionnaire(db.session, campaign, questionnaire_id)
    text = response_records(db.session, campaign, questionnaire)
    return attachment(text.encode(), "text/csv", f"questionnaire-{questionnaire_id}-records.csv")
