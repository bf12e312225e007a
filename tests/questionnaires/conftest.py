"""An election with both ready questionnaires open, and helpers to vote and answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaires import services
from questionnaires.models import (
    Answer,
    QuestionKind,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireResponse,
    QuestionnaireState,
    TextAnswer,
    UsedPass,
)

LINK = re.compile(r'href="(/q/[^"]+)"')


@dataclass
class Survey:
    election: Any
    social: Questionnaire
    conduct: Questionnaire

    def question(self, questionnaire: Questionnaire, kind: QuestionKind, n: int = 0) -> Any:
        return [q for q in questionnaire.questions if q.kind == kind][n]


def full_answers(questionnaire: Questionnaire) -> dict[str, Any]:
    """A complete, valid form for a questionnaire: the first option, scale point 4, a text."""
    form: dict[str, Any] = {}
    for q in questionnaire.questions:
        if q.kind == QuestionKind.SINGLE:
            form[f"q{q.id}"] = "0"
        elif q.kind == QuestionKind.MULTIPLE:
            form[f"q{q.id}"] = ["0", "1"]
        elif q.kind == QuestionKind.SCALE:
            form[f"q{q.id}"] = "4"
        elif q.kind == QuestionKind.MATRIX:
            form.update({f"q{q.id}_{i}": "4" for i in range(len(q.items))})
        else:
            form[f"q{q.id}"] = "希望公交线路再多一些。"
    return form


def vote_for_link(client: Any, election: Any, card: int = 0) -> str:
    """Cast a ballot with a card and return the answer link its receipt page offers."""
    response = client.post(f"/v/{election.cards[card].token}", data=election.full_ballot())
    assert response.status_code == 200
    found = LINK.search(response.get_data(as_text=True))
    assert found, "the receipt offers no questionnaire link"
    return found.group(1)


def stored(db: Any) -> tuple[int, int, int, int]:
    """Responses, answers, text answers and used links stored."""
    return tuple(
        db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (QuestionnaireResponse, Answer, TextAnswer, UsedPass)
    )


@pytest.fixture
def survey(election: Any, db: Any) -> Survey:
    campaign = election.box.campaign
    made = [
        services.create_questionnaire(db.session, campaign, kind, "", "admin", use_preset=True)
        for kind in (QuestionnaireKind.SOCIAL, QuestionnaireKind.CONDUCT)
    ]
    for questionnaire in made:
        services.move_questionnaire(db.session, questionnaire, QuestionnaireState.OPEN, "admin")
    db.session.commit()
    return Survey(election, *made)
