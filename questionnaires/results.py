"""The questionnaires' results: per question and per venue, with intervals.

Shares carry a Wilson interval; the mean of a scale (or of a matrix item) carries a seeded
percentile bootstrap interval. Answers are whole numbers 1–5, so resampling n answers with
replacement is the same as drawing the counts of each point from a multinomial with the
observed shares: that is how the bootstrap is drawn, exactly and quickly.

Venue responses count once their box is sealed (like ballots); online responses are reported
apart and never mixed into the venue figures. Free text is counted, never published here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.stats import wilson
from ballots.models import BallotBox, BoxState
from evaluation.models import Campaign
from questionnaires.models import (
    SCALE_POINTS,
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireState,
    ResponseSource,
    TextAnswer,
)

TOTAL = "total"
ONLINE = "online"
INTERNAL_VENUE = "内部"  # where the internal box's voters answered; stored as data


def questionnaire_figures(
    session: Session,
    campaign: Campaign,
    seed: int,
    resamples: int,
    confidence: float,
) -> list[dict[str, Any]]:
    """Every questionnaire that has been opened, with its results, in the order they were made."""
    figures = []
    for questionnaire in session.execute(
        select(Questionnaire)
        .where(
            Questionnaire.campaign_id == campaign.id,
            Questionnaire.state != QuestionnaireState.DRAFT.value,
        )
        .order_by(Questionnaire.id)
    ).scalars():
        figures.append(
            _questionnaire(session, campaign, questionnaire, seed, resamples, confidence)
        )
    return figures


def _scopes(
    session: Session, campaign: Campaign, questionnaire: Questionnaire
) -> tuple[dict[str, str], list[str]]:
    """Each counted response's venue (or 'online'), and the venues in the campaign's order."""
    rows = session.execute(
        select(QuestionnaireResponse.id, QuestionnaireResponse.source, BallotBox.venue_id)
        .outerjoin(BallotBox, BallotBox.id == QuestionnaireResponse.box_id)
        .where(
            QuestionnaireResponse.questionnaire_id == questionnaire.id,
            (QuestionnaireResponse.source == ResponseSource.ONLINE.value)
            | (BallotBox.state == BoxState.SEALED.value),
        )
    ).all()
    names = {v.id: v.name for v in campaign.venues}
    scope_of = {}
    for response_id, source, venue_id in rows:
        if source == ResponseSource.ONLINE:
            scope_of[response_id] = ONLINE
        else:
            scope_of[response_id] = names[venue_id] if venue_id is not None else INTERNAL_VENUE
    present = set(scope_of.values())
    venues = [v.name for v in campaign.venues if v.name in present]
    if INTERNAL_VENUE in present:
        venues.append(INTERNAL_VENUE)
    return scope_of, venues


def _questionnaire(
    session: Session,
    campaign: Campaign,
    questionnaire: Questionnaire,
    seed: int,
    resamples: int,
    confidence: float,
) -> dict[str, Any]:
    scope_of, venues = _scopes(session, campaign, questionnaire)
    respondents = Counter(scope_of.values())
    respondents[TOTAL] = sum(n for scope, n in respondents.items() if scope != ONLINE)
    # (scope, question, item, choice) -> count, and who answered each question (per scope)
    counts: Counter[tuple[str, int, int, int]] = Counter()
    answered: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    rows = session.execute(
        select(Answer.response_id, Answer.question_id, Answer.item, Answer.choice)
        .join(QuestionnaireResponse, QuestionnaireResponse.id == Answer.response_id)
        .where(QuestionnaireResponse.questionnaire_id == questionnaire.id)
    )
    for response_id, question_id, item, choice in rows:
        scope = scope_of.get(response_id)
        if scope is None:  # its box is not sealed yet
            continue
        for s in (scope,) if scope == ONLINE else (scope, TOTAL):
            counts[s, question_id, item, choice] += 1
            answered[s, question_id, item].add(response_id)
            answered[s, question_id, -1].add(response_id)
    for response_id, question_id in session.execute(
        select(TextAnswer.response_id, TextAnswer.question_id)
        .join(QuestionnaireResponse, QuestionnaireResponse.id == TextAnswer.response_id)
        .where(QuestionnaireResponse.questionnaire_id == questionnaire.id)
    ):
        scope = scope_of.get(response_id)
        if scope is not None:
            for s in (scope,) if scope == ONLINE else (scope, TOTAL):
                answered[s, question_id, -1].add(response_id)

    def result(scope: str, q: Question, stream: int) -> dict[str, Any]:
        rng = np.random.default_rng([seed, q.id, stream])
        n = len(answered.get((scope, q.id, -1), ()))
        out: dict[str, Any] = {"respondents": respondents.get(scope, 0), "answered": n}
        kind = q.current_kind
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            chosen = [counts[scope, q.id, 0, i] for i in range(len(q.options))]
            out["counts"] = chosen
            out["shares"] = [c / n if n else None for c in chosen]
            out["share_cis"] = [_pair(wilson(c, n, confidence)) for c in chosen]
        elif kind == QuestionKind.SCALE:
            out.update(_scale(scope, q.id, 0, n, counts, rng, resamples, confidence))
        elif kind == QuestionKind.MATRIX:
            out["rows"] = [
                _scale(
                    scope,
                    q.id,
                    i,
                    len(answered.get((scope, q.id, i), ())),
                    counts,
                    rng,
                    resamples,
                    confidence,
                )
                for i in range(len(q.items))
            ]
        return out

    sections = []
    for section in questionnaire.sections:
        questions = []
        for q in section.questions:
            questions.append(
                {
                    "id": q.id,
                    "kind": q.kind,
                    "text": q.text,
                    "required": q.required,
                    "max_choices": q.max_choices,
                    "options": q.options,
                    "items": q.items,
                    "total": result(TOTAL, q, 0),
                    "venues": [result(v, q, i) for i, v in enumerate(venues, start=1)],
                    "online": result(ONLINE, q, len(venues) + 1) if respondents[ONLINE] else None,
                }
            )
        sections.append({"title": section.title, "questions": questions})
    return {
        "id": questionnaire.id,
        "kind": questionnaire.kind,
        "title": questionnaire.title,
        "version": questionnaire.version,
        "respondents": {
            TOTAL: respondents[TOTAL],
            ONLINE: respondents[ONLINE],
            "venues": [{"venue": v, "respondents": respondents[v]} for v in venues],
        },
        "venues": venues,
        "sections": sections,
    }


def _scale(
    scope: str,
    question_id: int,
    item: int,
    n: int,
    counts: Counter[tuple[str, int, int, int]],
    rng: np.random.Generator,
    resamples: int,
    confidence: float,
) -> dict[str, Any]:
    """The distribution over points 1–5, its mean and the mean's bootstrap interval."""
    points = np.arange(1, SCALE_POINTS + 1)
    chosen = np.array([counts[scope, question_id, item, p] for p in points])
    out: dict[str, Any] = {
        "answered": n,
        "counts": chosen.tolist(),
        "shares": [c / n if n else None for c in chosen.tolist()],
        "mean": float(points @ chosen / n) if n else None,
        "mean_ci": None,
    }
    if n >= 2:
        draws = rng.multinomial(n, chosen / n, size=resamples) @ points / n
        alpha = (1 - confidence) / 2
        low, high = np.quantile(draws, [alpha, 1 - alpha])
        out["mean_ci"] = [float(low), float(high)]
    return out


def _pair(interval: tuple[float, float] | None) -> list[float] | None:
    return list(interval) if interval else None
