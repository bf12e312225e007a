"""Selecting outstanding suggestions and units (评选): nominations, blind scoring, ranking."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from scipy.stats import trim_mean
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department
from evaluation.core import audit
from evaluation.core.errors import Conflict, Forbidden, NotFound, Refused
from evaluation.core.models import Role, User
from suggestions.models import Status, Suggestion
from suggestions.selection_models import (
    Nominee,
    NomineeKind,
    ReviewScore,
    Selection,
    SelectionState,
)

RUBRIC_MAX = 10
# Each reviewer's total is trimmed: the top and bottom 20% of totals are left out, so one
# generous or harsh reviewer cannot decide alone (with fewer than 5 reviewers nothing is cut).
TRIM_PROPORTION = 0.2
RUBRICS = {
    NomineeKind.SUGGESTION: {
        "value": _l("建议价值"),
        "feasibility": _l("可行性"),
        "adoption": _l("采纳程度"),
    },
    NomineeKind.UNIT: {
        "quality": _l("办理质量"),
        "timeliness": _l("办理时效"),
        "satisfaction": _l("群众满意度"),
    },
    NomineeKind.ORGANISER: {
        "organisation": _l("组织动员"),
        "attendance": _l("代表出席与投票"),
        "follow_through": _l("意见建议办理与整改落实"),
    },
}


def selection_of(session: Session, campaign: Campaign, kind: NomineeKind) -> Selection:
    """The campaign's round of this kind. Until the first nomination stores it, an empty
    round kept nowhere: reading never writes."""
    found = session.execute(
        select(Selection).where(Selection.campaign_id == campaign.id, Selection.kind == kind.value)
    ).scalar()
    if found is None:
        found = Selection(
            campaign_id=campaign.id, kind=kind.value, state=SelectionState.SCORING.value
        )
    return found


def _check_scoring(selection: Selection) -> None:
    if selection.state != SelectionState.SCORING:
        raise Conflict(_("评分已经结束。"))


def districts_of(campaign: Campaign) -> list[str]:
    """The districts whose governments organise a venue (区市分会场)."""
    return sorted({v.district for v in campaign.venues if v.district})


def nominate(
    session: Session,
    selection: Selection,
    actor: str,
    suggestion: Suggestion | None = None,
    unit: Department | None = None,
    district: str | None = None,
) -> Nominee:
    """The admin puts a real-name suggestion, a unit or (for the organising units) a district
    government forward."""
    _check_scoring(selection)
    if selection.kind == NomineeKind.SUGGESTION:
        if suggestion is None or suggestion.campaign_id != selection.campaign_id:
            raise NotFound(_("找不到该意见建议。"))
        if not suggestion.is_real_name:
            raise Refused(_("只有实名提交的意见建议才能参加评选。"))
        if suggestion.status in (Status.REJECTED, Status.MERGED):
            raise Refused(_("已合并或不予受理的意见建议不能参加评选。"))
        taken = any(n.suggestion_id == suggestion.id for n in selection.nominees)
        nominee = Nominee(suggestion=suggestion)
        subject = f"suggestion:{suggestion.id}"
    elif district and selection.kind == NomineeKind.ORGANISER:
        if district not in districts_of(session.get(Campaign, selection.campaign_id)):
            raise Refused(_("请选择要提名的单位。"), field="unit")
        taken = any(n.district == district for n in selection.nominees)
        nominee = Nominee(district=district)
        subject = f"district:{district}"
    else:
        if unit is None or unit.campaign_id != selection.campaign_id:
            raise Refused(_("请选择要提名的单位。"), field="unit")
        taken = any(n.unit_id == unit.id for n in selection.nominees)
        nominee = Nominee(unit=unit)
        subject = f"department:{unit.code}"
    if taken:
        raise Conflict(_("已经提名过了。"))
    session.add(selection)  # the round is stored with its first nomination
    selection.nominees.append(nominee)
    session.flush()
    audit.record(session, actor, "selection.nominate", subject, kind=selection.kind)
    return nominee


def get_nominee(session: Session, nominee_id: int) -> Nominee:
    nominee = session.get(Nominee, nominee_id)
    if nominee is None:
        raise NotFound(_("找不到该提名。"))
    return nominee


def score(session: Session, nominee: Nominee, reviewer: User, scores: dict[str, str]) -> None:
    """A reviewer's own scores for one nominee; they may change them until scoring closes."""
    if reviewer.role != Role.REVIEWER:
        raise Forbidden(_("只有评审人员可以打分。"))
    _check_scoring(nominee.selection)
    rubric = RUBRICS[NomineeKind(nominee.selection.kind)]
    values = {}
    for criterion in rubric:
        raw = (scores.get(criterion) or "").strip()
        if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) <= RUBRIC_MAX:
            raise Refused(_("每一项评分都应是 0 到 %(n)s 的整数。", n=RUBRIC_MAX))
        values[criterion] = int(raw)
    for criterion, value in values.items():
        row = session.get(ReviewScore, (nominee.id, reviewer.id, criterion))
        if row is None:
            session.add(
                ReviewScore(
                    nominee_id=nominee.id, reviewer_id=reviewer.id, criterion=criterion, score=value
                )
            )
        else:
            row.score = value
    session.flush()
    # The audit log is read during scoring, so it records that a score was given, not its value.
    audit.record(session, reviewer.username, "selection.score", f"nominee:{nominee.id}")


def own_scores(session: Session, selection: Selection, reviewer: User) -> dict[int, dict[str, int]]:
    """What this reviewer gave so far: all anyone sees of the scores while scoring is open."""
    rows = session.execute(
        select(ReviewScore)
        .join(Nominee, Nominee.id == ReviewScore.nominee_id)
        .where(Nominee.selection_id == selection.id, ReviewScore.reviewer_id == reviewer.id)
    ).scalars()
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row.nominee_id, {})[row.criterion] = row.score
    return result


def progress(session: Session, selection: Selection) -> dict[int, int]:
    """How many reviewers have scored each nominee (counts only, never values)."""
    rows = session.execute(
        select(ReviewScore.nominee_id, func.count(func.distinct(ReviewScore.reviewer_id)))
        .join(Nominee, Nominee.id == ReviewScore.nominee_id)
        .where(Nominee.selection_id == selection.id)
        .group_by(ReviewScore.nominee_id)
    ).all()
    return dict(rows)


def close_scoring(session: Session, selection: Selection, actor: str) -> None:
    _check_scoring(selection)
    if not selection.nominees:
        raise Conflict(_("还没有提名，不能结束评分。"))
    selection.state = SelectionState.CLOSED.value
    session.flush()
    audit.record(session, actor, "selection.close", f"selection:{selection.kind}")


@dataclass
class Ranked:
    nominee: Nominee
    reviewers: int
    score: float | None  # the trimmed mean of the reviewers' totals
    rank: int | None
    tied: bool


def ranking(session: Session, selection: Selection) -> list[Ranked]:
    """Nominees by trimmed mean of reviewer totals; equal scores share a rank (并列)."""
    if selection.state == SelectionState.SCORING:
        raise Conflict(_("评分结束前不能查看排名。"))
    totals: dict[int, dict[int, int]] = {}
    rows = session.execute(
        select(ReviewScore.nominee_id, ReviewScore.reviewer_id, func.sum(ReviewScore.score))
        .join(Nominee, Nominee.id == ReviewScore.nominee_id)
        .where(Nominee.selection_id == selection.id)
        .group_by(ReviewScore.nominee_id, ReviewScore.reviewer_id)
    ).all()
    for nominee_id, reviewer_id, total in rows:
        totals.setdefault(nominee_id, {})[reviewer_id] = int(total)
    ranked = []
    for nominee in selection.nominees:
        values = list(totals.get(nominee.id, {}).values())
        value = round(float(trim_mean(values, TRIM_PROPORTION)), 2) if values else None
        ranked.append(Ranked(nominee, len(values), value, None, False))
    ranked.sort(key=lambda r: (r.score is None, -(r.score or 0), r.nominee.id))
    scored = [r for r in ranked if r.score is not None]
    for position, item in enumerate(scored, start=1):
        item.rank = position
        if position > 1 and item.score == scored[position - 2].score:
            item.rank = scored[position - 2].rank
    counts: dict[int | None, int] = {}
    for item in scored:
        counts[item.rank] = counts.get(item.rank, 0) + 1
    for item in scored:
        item.tied = counts[item.rank] > 1
    return ranked


def finalise(session: Session, selection: Selection, top_n: int, actor: str) -> list[Ranked]:
    """Select the top N; nominees tied with the N-th are all selected (the page says so)."""
    if selection.state != SelectionState.CLOSED:
        raise Conflict(_("请先结束评分；已确定的结果不能再改。"))
    ranked = ranking(session, selection)
    scored = sum(1 for item in ranked if item.score is not None)
    if not 1 <= top_n <= scored:
        raise Refused(_("入选数量应在 1 到 %(n)s 之间（只有已评分的提名可以入选）。", n=scored))
    for item in ranked:
        item.nominee.selected = item.rank is not None and item.rank <= top_n
    selection.state = SelectionState.FINAL.value
    selection.top_n = top_n
    session.flush()
    audit.record(
        session,
        actor,
        "selection.finalise",
        f"selection:{selection.kind}",
        top_n=top_n,
        selected=[item.nominee.id for item in ranked if item.nominee.selected],
    )
    return ranked


def outstanding(session: Session, campaign: Campaign, kind: NomineeKind) -> list[Ranked]:
    """The public list: only after the admin finalised it."""
    selection = session.execute(
        select(Selection).where(Selection.campaign_id == campaign.id, Selection.kind == kind.value)
    ).scalar()
    if selection is None or selection.state != SelectionState.FINAL:
        return []
    return [r for r in ranking(session, selection) if r.nominee.selected]
