"""One group's analysis: its departments' figures and intervals from its records."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis import stats
from analysis.stats import (
    RATING_NAMES,
    BallotSet,
    Scheme,
    bootstrap,
    finite,
    normal_bootstrap,
    pair,
    point,
    rating_counts,
    venue_strata,
)
from evaluation.core.intervals import wilson


@dataclass
class GroupAnalysis:
    """One group's figures (JSON-ready) and its bootstrap draws of the scores."""

    figures: dict[str, Any]
    draws: np.ndarray  # departments × resamples


def analyse_group(ballots: BallotSet, scheme: Scheme, seed: int) -> GroupAnalysis:
    """Every figure of one group's ballots except the ranks and bands (`analysis.ranks`)."""
    ballots = ballots.decoupled(seed)
    counts = rating_counts(ballots.ratings)
    score, rate = point(ballots, scheme)
    n = counts[:, :3].sum(axis=1)
    known = n + counts[:, 3]
    d = len(ballots.departments)
    method = "normal" if len(ballots.venue) >= stats.NORMAL_FROM else "bca"
    if method == "normal":
        low, high, distribution = normal_bootstrap(ballots, replace(scheme, seed=seed))
    elif any(len(s) > 1 for s in venue_strata(ballots)):
        low, high, distribution = bootstrap(ballots, replace(scheme, seed=seed))
    else:
        low = high = np.full(2 * d, np.nan)
        distribution = np.full((2 * d, scheme.resamples), np.nan)
    departments = []
    for j, code in enumerate(ballots.departments):
        c = counts[j]
        rankable = n[j] >= scheme.min_valid and n[j] / max(known[j], 1) >= scheme.min_awareness
        departments.append(
            {
                "code": code,
                "returned": int(len(ballots.venue)),
                "paper": sum(ballots.paper.values()),
                "counts": dict(zip(RATING_NAMES, (int(x) for x in c), strict=True)),
                "valid": int(n[j]),
                "satisfaction_rate": finite(rate[j]),
                "satisfaction_ci": (
                    list(wilson(int(c[0] + c[1]), int(n[j]), scheme.confidence) or [])
                    if scheme.venue_weighting == "pooled"
                    else pair(low[d + j], high[d + j])
                ),
                "satisfied_share": float(c[0] / n[j]) if n[j] else None,
                "dissatisfied_share": float(c[2] / n[j]) if n[j] else None,
                "awareness": float(n[j] / known[j]) if known[j] else None,
                "score": finite(score[j]),
                "score_ci": pair(low[j], high[j]),
                "flag": None
                if rankable
                else ("too_few_valid" if n[j] < scheme.min_valid else "low_awareness"),
            }
        )
    figures = {
        "departments": departments,
        "ballots": int(len(ballots.venue)),
        "bootstrap": method,  # how the intervals' resamples were drawn
        "issued": int(sum(ballots.issued.values())),
        "per_venue": _per_venue(ballots),
    }
    return GroupAnalysis(figures, distribution[:d])


def _per_venue(ballots: BallotSet) -> list[dict[str, Any]]:
    """Each department's distribution at each venue (department × venue × rating)."""
    out = []
    for v, name in enumerate(ballots.venues):
        rows = ballots.ratings[ballots.venue == v]
        if not len(rows):
            continue
        c = rating_counts(rows)
        out.append(
            {
                "venue": name,
                "counts": {
                    code: [int(x) for x in c[j][:4]] for j, code in enumerate(ballots.departments)
                },
            }
        )
    return out
