"""A released questionnaire's figures in long form (question × item × option × scope), for its
CSV download and its sheet in the results workbook; Chinese whatever the visitor's language."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import force_locale

from evaluation.core.spreadsheets import EXPORT_LOCALE, RATE, SCORE, csv_row
from questionnaires.figures import (
    QuestionFigures,
    QuestionnaireFigures,
    QuestionResult,
    ScaleResult,
)
from questionnaires.forms import QUESTION_KIND_LABELS
from questionnaires.models import QuestionKind

QUESTIONNAIRE_COLUMNS = [
    ("题号", ""),
    ("题目", ""),
    ("题型", ""),
    ("小项", ""),
    ("选项", ""),
    ("范围", ""),
    ("答题人数", ""),
    ("选择人数", ""),
    ("占比", RATE),
    ("占比区间下限", RATE),
    ("占比区间上限", RATE),
    ("均值", SCORE),
    ("均值区间下限", SCORE),
    ("均值区间上限", SCORE),
]
MEAN_ROW = "（均值）"
TEXT_ROW = "（文字回答）"
ALL_VENUES = "全部会场"
ONLINE_SCOPE = "网上公开"


def _scopes(question: QuestionFigures, venues: list[str]) -> list[tuple[str, QuestionResult]]:
    scopes = [(ALL_VENUES, question.total), *zip(venues, question.venues, strict=True)]
    if question.online:
        scopes.append((ONLINE_SCOPE, question.online))
    return scopes


def _point_rows(result: QuestionResult | ScaleResult, labels: list[str]) -> list[list[Any]]:
    """item, option, answered, count, share, share CI, mean and its CI for one scale."""
    rows = [
        ["", label, result.answered, count, share, None, None, None, None, None]
        for label, count, share in zip(labels, result.counts, result.shares, strict=True)
    ]
    low, high = result.mean_ci or (None, None)
    rows.append(["", MEAN_ROW, result.answered, None, None, None, None, result.mean, low, high])
    return rows


def questionnaire_rows(questionnaire: QuestionnaireFigures) -> list[list[Any]]:
    """One released questionnaire in long form: question × item × option × venue."""
    rows = []
    number = 0
    for section in questionnaire.sections:
        for q in section.questions:
            number += 1
            kind = QuestionKind(q.kind)
            head = [number, q.text, str(QUESTION_KIND_LABELS[kind])]
            for scope, result in _scopes(q, questionnaire.venues):
                if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                    body = [
                        ["", option, result.answered, count, share, *(ci or (None, None))]
                        + [None, None, None]
                        for option, count, share, ci in zip(
                            q.options,
                            result.counts,
                            result.shares,
                            result.share_cis,
                            strict=True,
                        )
                    ]
                elif kind == QuestionKind.SCALE:
                    body = _point_rows(result, q.options)
                elif kind == QuestionKind.MATRIX:
                    body = []
                    for item, row in zip(q.items, result.rows, strict=True):
                        body += [[item, *r[1:]] for r in _point_rows(row, q.options)]
                else:
                    body = [["", TEXT_ROW, result.answered, result.answered] + [None] * 6]
                rows += [head + r[:2] + [scope] + r[2:] for r in body]
    return rows


def questionnaire_csv(questionnaire: QuestionnaireFigures) -> str:
    with force_locale(EXPORT_LOCALE):
        rows = questionnaire_rows(questionnaire)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([h for h, _f in QUESTIONNAIRE_COLUMNS])
    formats = [f for _h, f in QUESTIONNAIRE_COLUMNS]
    for row in rows:
        writer.writerow(csv_row(row, formats))
    return out.getvalue()
