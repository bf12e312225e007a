"""The assessment plan's versions and lock, and the points runs: computed by the statistics
bureau from the released results, signed by it and countersigned by supervision (定稿)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.computation import figures_of
from analysis.models import ResultRun
from analysis.services import released_run
from assessment.figures import Points
from assessment.models import AssessmentPlan, PointsRun, PointsState
from assessment.points import convert_all, plan_terms
from evaluation.campaign.answers import CampaignRef
from evaluation.campaign.models import Campaign
from evaluation.core import audit
from evaluation.core.clock import beijing_today, utcnow
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.models import User
from evaluation.core.permissions import Capability, acting
from rectification.notices import unit_figures
from suggestions.board import unit_statistics, warning_bounds
from suggestions.routing import work_calendar


@dataclass(frozen=True)
class PlanInput:
    full_points: float
    w_evaluation: int
    w_on_time: int
    w_reply_satisfaction: int
    w_rectification: int
    f_above: float
    f_within: float
    f_below: float
    f_unranked: float
    note: str


DEFAULT_PLAN = PlanInput(100.0, 70, 10, 10, 10, 1.0, 0.9, 0.75, 0.9, "")


def plans_of(session: Session, campaign: Campaign) -> list[AssessmentPlan]:
    """Every saved version, newest first."""
    return list(
        session.execute(
            select(AssessmentPlan)
            .where(AssessmentPlan.campaign_id == campaign.id)
            .order_by(AssessmentPlan.version.desc())
        ).scalars()
    )


def plan_in_force(session: Session, campaign: Campaign) -> AssessmentPlan | None:
    plans = plans_of(session, campaign)
    return plans[0] if plans else None


def locked_by(session: Session, campaign: Campaign) -> ResultRun | None:
    """The released results that locked the plan (None: it may still change)."""
    return released_run(session, campaign)


def _check(values: PlanInput) -> None:
    weights = (values.w_evaluation, values.w_on_time, values.w_reply_satisfaction)
    weights += (values.w_rectification,)
    if any(w < 0 for w in weights) or sum(weights) != 100:
        raise Refused(_("四项权重须为非负整数，合计 100%%（现在合计 %(n)s%%）。", n=sum(weights)))
    if not 0 < values.full_points <= 1000:
        raise Refused(_("满分须大于 0、不超过 1000。"), field="full_points")
    if not 1 >= values.f_above >= values.f_within >= values.f_below >= 0:
        raise Refused(_("得分比例须满足 1 ≥ 高于 ≥ 持平 ≥ 低于 ≥ 0。"), field="f_within")
    if not 0 <= values.f_unranked <= 1:
        raise Refused(_("未排名部门的得分比例须在 0 到 1 之间。"), field="f_unranked")


def save_plan(
    session: Session, campaign: Campaign, values: PlanInput, actor: str
) -> AssessmentPlan:
    """A new version of the plan; refused once the results are released (locked with them)."""
    _check(values)
    if locked_by(session, campaign) is not None:
        raise Conflict(_("评议结果已发布，考核计分办法已随之锁定，不能再修改。"))
    version = (
        session.execute(
            select(func.max(AssessmentPlan.version)).where(
                AssessmentPlan.campaign_id == campaign.id
            )
        ).scalar()
        or 0
    ) + 1
    plan = AssessmentPlan(
        campaign=campaign,
        version=version,
        created_at=utcnow(),
        created_by=actor,
        **vars(values),
    )
    session.add(plan)
    session.flush()
    audit.record(session, actor, "assessment.plan", f"plan:{version}", **vars(values))
    return plan


def runs_of(session: Session, campaign: Campaign) -> list[PointsRun]:
    return list(
        session.execute(
            select(PointsRun)
            .where(PointsRun.campaign_id == campaign.id)
            .order_by(PointsRun.id.desc())
        ).scalars()
    )


def get_points_run(session: Session, campaign: Campaign, run_id: int) -> PointsRun:
    run = session.get(PointsRun, run_id)
    if run is None or run.campaign_id != campaign.id:
        raise NotFound(_("找不到这次考核得分计算。"))
    return run


def points_of(run: PointsRun) -> Points:
    return Points.model_validate_json(run.figures)


def compute_points(
    session: Session, campaign: Campaign, user: User | None, today: dt.date | None = None
) -> PointsRun:
    """Every department's points from the released results and today's handling figures,
    under the plan in force (the defaults, saved as version 1, if none was set)."""
    actor = acting(user, Capability.RUN_TALLY)
    result = released_run(session, campaign)
    if result is None:
        raise Conflict(_("评议结果发布后才能计算考核得分。"))
    if any(
        r.state == PointsState.FINAL and r.result_run_id == result.id
        for r in runs_of(session, campaign)
    ):
        raise Conflict(_("考核得分已会签定稿，不能重新计算。"))
    plan = plan_in_force(session, campaign)
    if plan is None:
        plan = AssessmentPlan(
            campaign=campaign,
            version=1,
            created_at=utcnow(),
            created_by=actor,
            **vars(DEFAULT_PLAN),
        )
        session.add(plan)
        session.flush()
        audit.record(session, actor, "assessment.plan", "plan:1", default=True)
    today = today or beijing_today()
    figures = figures_of(result)
    handling = unit_statistics(session, campaign, warning_bounds(session, today))
    rectification = unit_figures(session, campaign, today, work_calendar(session))
    points = Points(
        campaign=CampaignRef(year=campaign.year, title=campaign.title),
        result_run=result.id,
        as_of=today.isoformat(),
        plan=plan_terms(plan),
        departments=convert_all(plan_terms(plan), figures, handling, rectification),
    )
    for earlier in runs_of(session, campaign):
        if earlier.state in (PointsState.DRAFT, PointsState.SIGNED):
            earlier.state = PointsState.SUPERSEDED.value
    run = PointsRun(
        campaign=campaign,
        result_run_id=result.id,
        plan=plan,
        state=PointsState.DRAFT.value,
        as_of=today,
        figures=points.canonical_json(),
        computed_at=utcnow(),
        computed_by=actor,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor,
        "assessment.compute",
        f"points:{run.id}",
        result_run=result.id,
        plan=plan.version,
        as_of=today.isoformat(),
    )
    return run


def sign_points(session: Session, run: PointsRun, user: User | None) -> None:
    """The statistics bureau signs the points (签发)."""
    actor = acting(user, Capability.SIGN_RESULTS)
    if run.state != PointsState.DRAFT:
        raise Conflict(_("只有尚未签发的考核得分可以签发。"))
    run.state, run.signed_by, run.signed_at = PointsState.SIGNED.value, actor, utcnow()
    session.flush()
    audit.record(session, actor, "assessment.sign", f"points:{run.id}")


def countersign_points(session: Session, run: PointsRun, user: User | None) -> None:
    """Supervision countersigns (会签): the points are final, the export is the one to send."""
    actor = acting(user, Capability.COUNTERSIGN_RESULTS)
    if run.state != PointsState.SIGNED:
        raise Conflict(_("统计局签发后才能会签。"))
    if run.signed_by == actor:
        raise Conflict(_("会签须由另一人进行。"))
    released = released_run(session, run.campaign)
    if released is None or released.id != run.result_run_id:
        raise Conflict(_("评议结果已更正，请按更正后的结果重新计算。"))
    for earlier in runs_of(session, run.campaign):  # final for corrected results, now replaced
        if earlier.state == PointsState.FINAL and earlier.id != run.id:
            earlier.state = PointsState.SUPERSEDED.value
    run.state = PointsState.FINAL.value
    run.countersigned_by, run.countersigned_at = actor, utcnow()
    session.flush()
    audit.record(session, actor, "assessment.countersign", f"points:{run.id}")
