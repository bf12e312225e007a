"""The questionnaires' results: per question and per venue, with intervals.

Shares carry a Wilson interval; the mean of a scale (or of a matrix item) carries a seeded
percentile bootstrap interval. Answers are whole numbers 1–5, so resampling n answers with
replacement is the same as drawing the counts of each point from a multinomial with the
observed shares: that is how the bootstrap is drawn, exactly and quickly.

Venue responses count once their box is sealed (like ballots); online responses are reported
apart and never mixed into the venue figures. Free text is counted, never published here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections import Counter, defaultdict
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.models import BallotBox, BoxState
from evaluation.campaign.models import Campaign
from evaluation.core.intervals import wilson
from questionnaires.figures import QuestionnaireFigures
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
    records: dict[int, str] | None = None,
) -> list[QuestionnaireFigures]:
    """Every questionnaire that has been opened, with its results, in the order they were made.

    The figures come from each questionnaire's published response records: `records`
    (questionnaire id → CSV text, as downloaded) or, by default, as the site publishes them.
    """
    venue_order = [v.name for v in campaign.venues] + [INTERNAL_VENUE]
    figures = []
    for questionnaire in opened_questionnaires(session, campaign):
        text = (
            records[questionnaire.id]
            if records is not None and questionnaire.id in records
            else response_records(session, campaign, questionnaire)
        )
        figures.append(
            QuestionnaireFigures.model_validate(
                _questionnaire(questionnaire, text, venue_order, seed, resamples, confidence)
            )
        )
    return figures


def opened_questionnaires(session: Session, campaign: Campaign) -> list[Questionnaire]:
    return list(
        session.execute(
            select(Questionnaire)
            .where(
                Questionnaire.campaign_id == campaign.id,
                Questionnaire.state != QuestionnaireState.DRAFT.value,
            )
            .order_by(Questionnaire.id)
        ).scalars()
    )


# ---------------------------------------------------------------- the published records


class Column(NamedTuple):
    """One answer column of the records: its header, question, matrix item and kind."""

    header: str
    question: Question
    item: int
    kind: QuestionKind


def _columns(questionnaire: Questionnaire) -> list[Column]:
    """The records' answer columns: Q<n>, and Q<n>.<item> for a matrix (items from 1)."""
    columns = []
    for number, q in enumerate(questionnaire.questions, start=1):
        kind = q.current_kind
        if kind == QuestionKind.MATRIX:
            columns += [Column(f"Q{number}.{i + 1}", q, i, kind) for i in range(len(q.items))]
        else:
            columns.append(Column(f"Q{number}", q, 0, kind))
    return columns


def response_records(session: Session, campaign: Campaign, questionnaire: Questionnaire) -> str:
    """The counted responses, one line each, shuffled, with no id: anyone can recount them.

    Columns: source (venue/online), venue, then one per question (per item of a matrix):
    the option's number from 1 (several joined by ';'), the scale point 1–5, or for a text
    question 1 when answered (what was written is not published). Blank: not answered.
    Venue responses count once their box is sealed.
    """
    scope_rows = session.execute(
        select(QuestionnaireResponse.id, QuestionnaireResponse.source, BallotBox.venue_id)
        .outerjoin(BallotBox, BallotBox.id == QuestionnaireResponse.box_id)
        .where(
            QuestionnaireResponse.questionnaire_id == questionnaire.id,
            (QuestionnaireResponse.source == ResponseSource.ONLINE.value)
            | (BallotBox.state == BoxState.SEALED.value),
        )
    ).all()
    names = {v.id: v.name for v in campaign.venues}
    lines: dict[str, dict[tuple[int, int], list[int]]] = {}
    where: dict[str, tuple[str, str]] = {}
    for response_id, source, venue_id in scope_rows:
        venue = "" if source == ResponseSource.ONLINE else names.get(venue_id, INTERNAL_VENUE)
        where[response_id] = (source, venue)
        lines[response_id] = defaultdict(list)
    chosen = session.execute(
        select(Answer.response_id, Answer.question_id, Answer.item, Answer.choice)
        .join(QuestionnaireResponse, QuestionnaireResponse.id == Answer.response_id)
        .where(QuestionnaireResponse.questionnaire_id == questionnaire.id)
    )
    for response_id, question_id, item, choice in chosen:
        if response_id in lines:
            lines[response_id][question_id, item].append(choice)
    written = session.execute(
        select(TextAnswer.response_id, TextAnswer.question_id)
        .join(QuestionnaireResponse, QuestionnaireResponse.id == TextAnswer.response_id)
        .where(QuestionnaireResponse.questionnaire_id == questionnaire.id)
    )
    for response_id, question_id in written:
        if response_id in lines:
            lines[response_id][question_id, 0].append(1)
    columns = _columns(questionnaire)
    order = list(lines)
    random.SystemRandom().shuffle(order)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source", "venue", *(c.header for c in columns)])
    for response_id in order:
        values = lines[response_id]
        writer.writerow(
            [
                *where[response_id],
                *(_encode(c, values.get((c.question.id, c.item), [])) for c in columns),
            ]
        )
    return out.getvalue()


def _encode(column: Column, choices: list[int]) -> str:
    if column.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return ";".join(str(c + 1) for c in sorted(choices))
    return ";".join(str(c) for c in choices)


def _decode(column: Column, value: str) -> list[int]:
    """The stored choices of one record cell; a cell that is not well formed is refused."""
    if not value:
        return []
    numbers = [int(part) for part in value.split(";")]
    q, kind = column.question, column.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        numbers = [n - 1 for n in numbers]
        valid = range(len(q.options))
    elif kind == QuestionKind.TEXT:
        valid = range(1, 2)
    else:
        valid = range(1, SCALE_POINTS + 1)
    if any(n not in valid for n in numbers) or (kind != QuestionKind.MULTIPLE and len(numbers) > 1):
        raise ValueError(f"not an answer to {q.text!r}: {value!r}")
    return numbers


def records_fingerprint(text: str) -> str:
    """SHA-256 of the records, independent of the order of their lines."""
    header, *lines = text.splitlines()
    digest = hashlib.sha256(f"{header}\n".encode())
    for line in sorted(lines):
        digest.update(f"{line}\n".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------- the figures


def _questionnaire(
    questionnaire: Questionnaire,
    text: str,
    venue_order: list[str],
    seed: int,
    resamples: int,
    confidence: float,
) -> dict[str, Any]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    columns = _columns(questionnaire)
    if header != ["source", "venue", *(c.header for c in columns)]:
        raise ValueError(f"the records do not match the questionnaire {questionnaire.title!r}")
    # (scope, question, item, choice) -> count, and who answered each question (per scope)
    counts: Counter[tuple[str, int, int, int]] = Counter()
    answered: dict[tuple[str, int, int], set[int]] = defaultdict(set)
    respondents: Counter[str] = Counter()
    for row_number, row in enumerate(reader):
        source, venue, *cells = row
        scope = ONLINE if source == ResponseSource.ONLINE else venue
        scopes = (scope,) if scope == ONLINE else (scope, TOTAL)
        for s in scopes:
            respondents[s] += 1
        for column, cell in zip(columns, cells, strict=True):
            q_id, item = column.question.id, column.item
            counted = column.kind != QuestionKind.TEXT  # a text answer only counts as answered
            for choice in _decode(column, cell):
                for s in scopes:
                    if counted:
                        counts[s, q_id, item, choice] += 1
                        answered[s, q_id, item].add(row_number)
                    answered[s, q_id, -1].add(row_number)
    venues = [v for v in venue_order if respondents[v]]

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
        "records_hash": records_fingerprint(text),
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
