"""Scoring schemes (评分方案): the campaign's stored scheme or the defaults, and the warnings a
scheme deserves."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import stats
from analysis.models import ScoringScheme
from evaluation.campaign.models import Campaign

SCHEME_FIELDS = (
    "w_satisfied",
    "w_basic",
    "w_dissatisfied",
    "venue_weighting",
    "min_valid",
    "min_awareness",
    "tie_breaks",
    "resamples",
    "seed",
)


def scheme_of(session: Session, campaign: Campaign) -> ScoringScheme:
    """The campaign's scoring scheme; until the bureau saves one, the defaults, kept nowhere
    (reading never writes)."""
    scheme = session.execute(
        select(ScoringScheme).where(ScoringScheme.campaign_id == campaign.id)
    ).scalar()
    if scheme is None:
        defaults = {
            column.key: column.default.arg
            for column in ScoringScheme.__table__.columns
            if column.default is not None and not callable(column.default.arg)
        }
        scheme = ScoringScheme(campaign_id=campaign.id, **defaults)
    return scheme


def stats_scheme(row: ScoringScheme) -> stats.Scheme:
    return stats.Scheme(
        w_satisfied=row.w_satisfied,
        w_basic=row.w_basic,
        w_dissatisfied=row.w_dissatisfied,
        venue_weighting=row.venue_weighting,
        min_valid=row.min_valid,
        min_awareness=row.min_awareness,
        tie_breaks=tuple(t for t in row.tie_breaks.split(",") if t),
        resamples=row.resamples,
        seed=row.seed,
    )


def scheme_warnings(row: ScoringScheme) -> list[str]:
    warnings = []
    if row.w_dissatisfied != 0:
        warnings.append(_("“不满意”的权重不为零：完全不满意的部门也会得到高于零的分数。"))
    if not row.w_satisfied >= row.w_basic >= row.w_dissatisfied:
        warnings.append(_("权重没有按 满意 ≥ 基本满意 ≥ 不满意 排列。"))
    return warnings
