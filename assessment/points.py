"""The conversion (考核计分): each department's points from its released result, how it handled
the suggestions it led, what citizens said of its replies, and its rectification milestones.

The evaluation's share comes from the department's band *within its own group* (clearly above,
within or clearly below the group's average, from the joint rank intervals): each group was
rated by its own panel, so no point here compares departments of different groups. A
department not ranked (too few valid ratings, too little awareness) earns the plan's
`unranked` share. The other components are rates; where there was nothing to count (no
suggestion due, none rated, no milestone due) the component earns its full share.

Points are rounded to hundredths per component and the total is their sum, so every export
adds up exactly as printed.
"""

from __future__ import annotations

from analysis.figures import DepartmentFigures, Figures
from assessment.figures import ComponentPoints, DepartmentPoints, PlanTerms
from assessment.models import AssessmentPlan
from rectification.notices import UnitFigures
from suggestions.board import UnitStats
from suggestions.models import Satisfaction


def plan_terms(plan: AssessmentPlan) -> PlanTerms:
    return PlanTerms(
        version=plan.version,
        full_points=plan.full_points,
        weights={
            "evaluation": plan.w_evaluation,
            "on_time": plan.w_on_time,
            "reply_satisfaction": plan.w_reply_satisfaction,
            "rectification": plan.w_rectification,
        },
        fractions={
            "above": plan.f_above,
            "within": plan.f_within,
            "below": plan.f_below,
            "unranked": plan.f_unranked,
        },
    )


def _rate(met: int, out_of: int) -> tuple[float, list[int] | None]:
    return (met / out_of, [met, out_of]) if out_of else (1.0, None)


def _shares(
    result: DepartmentFigures, handling: UnitStats | None, rectification: UnitFigures | None
) -> dict[str, tuple[float, list[int] | None]]:
    """Each component's earned share (0–1) and what it was counted from."""
    due = (handling.answered + handling.overdue) if handling else 0
    rated = handling.rated if handling else 0
    unhappy = handling.feedback[Satisfaction.DISSATISFIED] if handling else 0
    return {
        "evaluation": (0.0, None),  # from the band, below
        "on_time": _rate(handling.on_time if handling else 0, due),
        "reply_satisfaction": _rate(rated - unhappy, rated),
        "rectification": _rate(
            rectification.on_time if rectification else 0,
            rectification.milestones_due if rectification else 0,
        ),
    }


def convert(
    terms: PlanTerms,
    result: DepartmentFigures,
    handling: UnitStats | None,
    rectification: UnitFigures | None,
) -> DepartmentPoints:
    """One department's points under `terms` (pure: the hand-computed examples test this)."""
    shares = _shares(result, handling, rectification)
    shares["evaluation"] = (terms.fractions[result.band or "unranked"], None)
    components = [
        ComponentPoints(
            key=key,
            weight=terms.weights[key],
            share=round(share, 6),
            counted=counted,
            points=round(terms.full_points * terms.weights[key] / 100 * share, 2),
        )
        for key, (share, counted) in shares.items()
    ]
    return DepartmentPoints(
        code=result.code,
        name=result.name,
        group=result.group,
        group_name=result.group_name,
        band=result.band,
        components=components,
        total=round(sum(c.points for c in components), 2),
    )


def convert_all(
    terms: PlanTerms,
    figures: Figures,
    handling: list[UnitStats],
    rectification: list[UnitFigures],
) -> list[DepartmentPoints]:
    """Every department of the released results, in their order (group by group)."""
    by_code = {s.code: s for s in handling}
    tasks = {r.code: r for r in rectification}
    return [
        convert(terms, d, by_code.get(d.code), tasks.get(d.code)) for d in figures.all_departments()
    ]
