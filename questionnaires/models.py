"""Questionnaires (问卷) beside the ballot, their questions, and the anonymous responses.

Secrecy is a property of these tables, as for ballots: a response names its questionnaire and
the box it was answered at (so the venue is known) and nothing else — no ballot, card, pass,
person, address or time; its id is random and on SQLite the response tables are stored in the
order of their random keys. A used answer link is remembered only as the hash of its nonce.
"""

from __future__ import annotations

import json
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ballots.models import WITHOUT_ROWID
from evaluation.campaign.models import Campaign
from evaluation.core.extensions import db
from evaluation.core.models import enum_type

# Rules of the questionnaires, kept as named constants.
SCALE_POINTS = 5  # every scale and matrix question is a 5-point scale
TEXT_MAX_LENGTH = 500  # one free-text answer
MAX_OPTIONS = 20
MAX_ITEMS = 80  # a matrix may list every department


class QuestionnaireKind(StrEnum):
    SOCIAL = "social"  # 社情民意调查问卷
    CONDUCT = "conduct"  # 政风行风问卷
    OTHER = "other"


class QuestionnaireState(StrEnum):
    DRAFT = "draft"  # being built; nobody can answer
    OPEN = "open"  # answered through the links on ballot receipts (and online, if chosen)
    CLOSED = "closed"


class QuestionKind(StrEnum):
    SINGLE = "single"  # one option
    MULTIPLE = "multiple"  # several options, at most max_choices
    SCALE = "scale"  # 1–5
    MATRIX = "matrix"  # several items, each on the 1–5 scale
    TEXT = "text"  # short free text


class ResponseSource(StrEnum):
    VENUE = "venue"  # through a ballot receipt's link, at a venue's box
    ONLINE = "online"  # the public online form, reported apart


class Questionnaire(db.Model):
    """One questionnaire of a campaign, in one version; questions freeze once answered."""

    __tablename__ = "questionnaire"
    __table_args__ = (UniqueConstraint("campaign_id", "title", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    kind: Mapped[QuestionnaireKind] = mapped_column(enum_type(QuestionnaireKind, "kind", 10))
    title: Mapped[str] = mapped_column(String(100))
    intro: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[QuestionnaireState] = mapped_column(
        enum_type(QuestionnaireState, "state", 10), default=QuestionnaireState.DRAFT.value
    )
    online: Mapped[bool] = mapped_column(default=False)  # also open to anyone on the web

    campaign: Mapped[Campaign] = relationship()
    sections: Mapped[list[QuestionnaireSection]] = relationship(
        order_by="QuestionnaireSection.position",
        cascade="all, delete-orphan",
        back_populates="questionnaire",
    )

    @property
    def current_state(self) -> QuestionnaireState:
        return QuestionnaireState(self.state)

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


class QuestionnaireSection(db.Model):
    """A titled part of a questionnaire (一、总体评价 …)."""

    __tablename__ = "questionnaire_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan", back_populates="section"
    )


class Question(db.Model):
    """One question. Options (and a matrix's items) are JSON lists; answers store indexes."""

    __tablename__ = "questionnaire_question"
    __table_args__ = (
        CheckConstraint("kind != 'multiple' OR max_choices >= 1", name="multiple_has_max_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_section.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "kind", 10))
    text: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(default=True)
    max_choices: Mapped[int | None]
    options_json: Mapped[str] = mapped_column(Text, default="[]")
    items_json: Mapped[str] = mapped_column(Text, default="[]")

    section: Mapped[QuestionnaireSection] = relationship(back_populates="questions")

    @property
    def current_kind(self) -> QuestionKind:
        return QuestionKind(self.kind)

    @property
    def options(self) -> list[str]:
        """The choices, or for a scale or matrix the labels of points 1–5."""
        return json.loads(self.options_json)

    @property
    def items(self) -> list[str]:
        return json.loads(self.items_json)


class QuestionnaireResponse(db.Model):
    """One anonymous filled questionnaire (答卷): a random id, where it came from, nothing else."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (
        # A venue response is kept at its box (hence its venue); an online one has none.
        CheckConstraint("(source = 'venue') = (box_id IS NOT NULL)", name="venue_has_box"),
        WITHOUT_ROWID,
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="RESTRICT"), index=True
    )
    box_id: Mapped[int | None] = mapped_column(
        ForeignKey("ballot_box.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[ResponseSource] = mapped_column(enum_type(ResponseSource, "source", 10))


class Answer(db.Model):
    """One chosen value: an option (single, multiple), a scale point, a matrix item's point.

    `item` is the matrix row (0 otherwise); `choice` the option's index or the scale point.
    """

    __tablename__ = "questionnaire_answer"
    __table_args__ = (WITHOUT_ROWID,)

    response_id: Mapped[str] = mapped_column(
        ForeignKey("questionnaire_response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_question.id", ondelete="RESTRICT"), primary_key=True
    )
    item: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    choice: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class TextAnswer(db.Model):
    """A free-text answer; the office reads them and may route one into the suggestions."""

    __tablename__ = "questionnaire_text"
    __table_args__ = (WITHOUT_ROWID,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("questionnaire_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_question.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="SET NULL"), unique=True
    )


class UsedPass(db.Model):
    """An answer link that has been used for one questionnaire: only its nonce's hash."""

    __tablename__ = "questionnaire_used_pass"
    __table_args__ = (WITHOUT_ROWID,)

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE"), primary_key=True
    )
