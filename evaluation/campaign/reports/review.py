"""The review's comparison (审核比较): a submitted version against the last approved or published
one, paragraph by paragraph, the changed characters of a rewritten paragraph marked."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from evaluation.campaign.reports.forms import GOAL_STATUS_LABELS
from evaluation.campaign.reports.models import GoalStatus, ReportState, ReportVersion
from evaluation.campaign.reports.services import section_labels, versions_of

Segment = tuple[bool, str]  # (changed, text) within one paragraph


@dataclass
class Change:
    """One paragraph of the comparison: unchanged, changed (old and new with the changed
    characters marked), added or removed."""

    kind: str  # same / changed / added / removed
    old: list[Segment]
    new: list[Segment]


@dataclass
class SectionDiff:
    label: str
    changes: list[Change]

    @property
    def changed(self) -> bool:
        return any(c.kind != "same" for c in self.changes)


def diff_for_review(session: Session, version: ReportVersion) -> tuple[ReportVersion | None, list]:
    """The submitted version against the last approved or published one, section by section."""
    earlier = [
        v
        for v in versions_of(session, version.department)
        if v.number < version.number and v.state in (ReportState.APPROVED, ReportState.PUBLISHED)
    ]
    base = earlier[0] if earlier else None
    sections = []
    for field, label in section_labels().items():
        old = getattr(base, field, "") if base else ""
        sections.append(SectionDiff(label, compare(old, getattr(version, field))))
    goals_old = "\n".join(_goal_line(g) for g in (base.goals if base else []))
    goals_new = "\n".join(_goal_line(g) for g in version.goals)
    sections.insert(1, SectionDiff(_("年度目标"), compare(goals_old, goals_new)))
    return base, sections


def _goal_line(goal: dict[str, str]) -> str:
    status = GOAL_STATUS_LABELS.get(GoalStatus(goal["status"]), goal["status"])
    return " · ".join(
        v for v in (goal["goal"], goal["target"], str(status), goal["explanation"]) if v
    )


def _marked(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """Two versions of a paragraph, character by character (Chinese has no spaces to split
    words on): the removed characters marked in the old, the added ones in the new."""
    before: list[Segment] = []
    after: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            before.append((False, old[i1:i2]))
            after.append((False, new[j1:j2]))
            continue
        if i2 > i1:
            before.append((True, old[i1:i2]))
        if j2 > j1:
            after.append((True, new[j1:j2]))
    return before, after


def compare(old: str, new: str) -> list[Change]:
    """Paragraph by paragraph (blank lines dropped): a paragraph rewritten is shown as its old
    and new text with the changes marked; one added or removed whole."""
    old_lines = [line for line in (old or "").splitlines() if line.strip()]
    new_lines = [line for line in (new or "").splitlines() if line.strip()]
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [Change("same", [(False, t)], [(False, t)]) for t in old_lines[i1:i2]]
            continue
        removed, added = old_lines[i1:i2], new_lines[j1:j2]
        for a, b in zip(removed, added, strict=False):
            changes.append(Change("changed", *_marked(a, b)))
        changes += [Change("removed", [(True, t)], []) for t in removed[len(added) :]]
        changes += [Change("added", [], [(True, t)]) for t in added[len(removed) :]]
    return changes
