"""The released results in the public JSON API: departments' figures and the questionnaires.

The bodies are the released figures' own types (`analysis.figures`), so the OpenAPI document
describes exactly what was signed and released.
"""

from __future__ import annotations

import datetime as dt

from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from analysis.computation import figures_of
from analysis.figures import DepartmentFigures, Figures
from analysis.models import ResultRun
from analysis.services import released_run
from analysis.stats import Scheme
from evaluation.campaign.answers import CampaignRef
from evaluation.campaign.services import require_campaign
from evaluation.core.api import ROW_ID, Answer, UtcTime, api_bp, describe_get, reply
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db
from questionnaires.figures import QuestionnaireFigures, Respondents
from questionnaires.models import QuestionnaireKind


class Results(Answer):
    campaign: CampaignRef
    released_at: UtcTime
    scheme: Scheme
    input_hash: str
    departments: list[DepartmentFigures]


class QuestionnaireSummary(Answer):
    id: int
    kind: QuestionnaireKind
    title: str
    version: int
    respondents: Respondents


class Questionnaires(Answer):
    campaign: CampaignRef
    released_at: UtcTime
    questionnaires: list[QuestionnaireSummary]


def _released_figures() -> tuple[ResultRun, Figures]:
    run = released_run(db.session, require_campaign(db.session))
    if run is None:
        raise NotFound(_("评议结果尚未发布。"))
    return run, figures_of(run)


def _released_at(run: ResultRun) -> dt.datetime:
    assert run.released_at is not None  # a released run
    return run.released_at


@api_bp.route("/results")
def results() -> ResponseReturnValue:
    """The released evaluation results: every department with its intervals, in rank order."""
    run, figures = _released_figures()
    return reply(
        Results(
            campaign=figures.campaign,
            released_at=_released_at(run),
            scheme=figures.scheme,
            input_hash=figures.audit.input_hash,
            departments=figures.all_departments(),
        )
    )


@api_bp.route("/questionnaires")
def questionnaires() -> ResponseReturnValue:
    """The released questionnaires, each with its number of responses."""
    run, figures = _released_figures()
    return reply(
        Questionnaires(
            campaign=figures.campaign,
            released_at=_released_at(run),
            questionnaires=[
                QuestionnaireSummary.model_validate(
                    q.model_dump(include=set(QuestionnaireSummary.model_fields))
                )
                for q in figures.questionnaires
            ],
        )
    )


@api_bp.route("/questionnaires/<int:questionnaire_id>")
def questionnaire(questionnaire_id: int) -> ResponseReturnValue:
    """One released questionnaire: every question in total, per venue and online apart."""
    _run, figures = _released_figures()
    found = figures.questionnaire(questionnaire_id)
    if found is None:
        raise NotFound(_("没有这份问卷的结果。"))
    return reply(found)


describe_get(
    "/results",
    "The released evaluation results, in rank order",
    Results,
    "Every department's figures as released",
)
describe_get(
    "/questionnaires",
    "The released questionnaires (released with the results)",
    Questionnaires,
    "Each questionnaire with its number of responses",
)
describe_get(
    "/questionnaires/{questionnaire_id}",
    "One released questionnaire's results, in total and per venue",
    QuestionnaireFigures,
    "Every question: counts, shares with Wilson intervals, scale means with bootstrap "
    "intervals; online responses apart",
    parameters=[{"name": "questionnaire_id", "in": "path", "required": True, "schema": ROW_ID}],
)
