"""Duplicate hints (疑似重复): suggestions of the same campaign whose text is alike, shown where
the office triages and merges, so that one problem raised by many people is handled once.

Likeness is the Jaccard index of the two texts' character bigrams (letters, digits and Chinese
characters; punctuation and spaces ignored), which needs no word segmentation for Chinese. A
candidate handled by the same unit (proposed or lead) is marked and, at equal likeness, first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from suggestions.models import Status, Suggestion

MIN_LIKENESS = 0.2  # below this, two texts share little more than common words
HINTS = 5
# Where duplicates are looked for, so that a page stays fast however many suggestions a
# campaign holds: the newest of the whole campaign and the newest of the item's own unit
# (a duplicate is nearly always recent, and routed to the same unit by the same keywords).
NEWEST_ANYWHERE = 1_000
NEWEST_OF_THE_UNIT = 2_000
_WORD_CHARACTER = re.compile(r"\w")


def bigrams(text: str) -> frozenset[str]:
    characters = "".join(_WORD_CHARACTER.findall(text.lower()))
    if len(characters) < 2:
        return frozenset({characters}) if characters else frozenset()
    return frozenset(characters[i : i + 2] for i in range(len(characters) - 1))


def likeness(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True)
class Hint:
    suggestion_id: int
    likeness: float  # 0..1
    same_unit: bool
    status: Status
    excerpt: str


def _unit(lead_unit_id: int | None, proposed_unit_id: int | None) -> int | None:
    return lead_unit_id or proposed_unit_id


def duplicate_hints(session: Session, suggestion: Suggestion, limit: int = HINTS) -> list[Hint]:
    """The suggestions of its campaign most like this one, that it could be merged into
    (not merged, not rejected), most alike first."""
    own = bigrams(suggestion.text)
    own_unit = _unit(suggestion.lead_unit_id, suggestion.proposed_unit_id)
    columns = select(
        Suggestion.id,
        Suggestion.text,
        Suggestion.status,
        Suggestion.lead_unit_id,
        Suggestion.proposed_unit_id,
    ).where(
        Suggestion.campaign_id == suggestion.campaign_id,
        Suggestion.id != suggestion.id,
        Suggestion.status.not_in([Status.MERGED, Status.REJECTED]),
    )
    windows = [columns.order_by(Suggestion.id.desc()).limit(NEWEST_ANYWHERE)]
    if own_unit is not None:
        of_unit = (Suggestion.lead_unit_id == own_unit) | (Suggestion.proposed_unit_id == own_unit)
        windows.append(
            columns.where(of_unit).order_by(Suggestion.id.desc()).limit(NEWEST_OF_THE_UNIT)
        )
    rows = {row.id: row for window in windows for row in session.execute(window)}.values()
    hints = []
    for row in rows:
        other = bigrams(row.text)
        if min(len(own), len(other)) < MIN_LIKENESS * max(len(own), len(other)):
            continue  # too different in length to be alike enough
        score = likeness(own, other)
        if score < MIN_LIKENESS:
            continue
        same = own_unit is not None and _unit(row.lead_unit_id, row.proposed_unit_id) == own_unit
        text = " ".join(row.text.split())
        hints.append(Hint(row.id, score, same, Status(row.status), text[:60]))
    hints.sort(key=lambda h: (-round(h.likeness, 2), not h.same_unit, h.suggestion_id))
    return hints[:limit]
