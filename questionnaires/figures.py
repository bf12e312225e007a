"""The questionnaires' released figures as types: what `questionnaires.results` computes, what
the results are stored as, and what the pages, exports and API read back."""

from __future__ import annotations

from pydantic import Field

from evaluation.core.api import Answer
from questionnaires.models import QuestionKind, QuestionnaireKind

Interval = list[float]  # [low, high]


class Figure(Answer):
    """A part of the released figures: read back exactly as stored, nothing more, nothing less
    (and served by the API as it is)."""


class ScaleResult(Figure):
    """The distribution over points 1–5 of a scale (or of one matrix item), with its mean."""

    answered: int
    counts: list[int]
    shares: list[float | None]
    mean: float | None
    mean_ci: Interval | None = Field(description="Bootstrap interval of the mean")


class QuestionResult(Figure):
    """One question's answers in one scope (all venues, one venue, or online).

    Choices carry `counts`, `shares` and `share_cis`; a scale carries the fields of a
    `ScaleResult`; a matrix carries one `ScaleResult` per item in `rows`; free text only
    counts who answered.
    """

    respondents: int
    answered: int
    counts: list[int] | None = None
    shares: list[float | None] | None = None
    share_cis: list[Interval | None] | None = Field(None, description="Wilson intervals")
    mean: float | None = None
    mean_ci: Interval | None = None
    rows: list[ScaleResult] | None = None


class QuestionFigures(Figure):
    id: int
    kind: QuestionKind
    text: str
    required: bool
    max_choices: int | None
    options: list[str]
    items: list[str]
    total: QuestionResult
    venues: list[QuestionResult] = Field(description="In the order of `venues` above")
    online: QuestionResult | None


class SectionFigures(Figure):
    title: str
    questions: list[QuestionFigures]


class VenueRespondents(Figure):
    venue: str
    respondents: int


class Respondents(Figure):
    total: int
    online: int
    venues: list[VenueRespondents]


class QuestionnaireFigures(Figure):
    """One questionnaire's results, per question, over all venues, per venue and online."""

    id: int
    kind: QuestionnaireKind
    title: str
    version: int
    respondents: Respondents
    venues: list[str]
    sections: list[SectionFigures]
    records_hash: str = Field(pattern="^[0-9a-f]{64}$")

    @property
    def questions(self) -> list[QuestionFigures]:
        return [q for section in self.sections for q in section.questions]
