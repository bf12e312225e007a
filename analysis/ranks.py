"""Ranks (名次) with their intervals and bands, from the bootstrap draws of every department
in a pool."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from analysis.stats import Scheme


def _ranks_with_ties(keys: list[np.ndarray]) -> np.ndarray:
    """Rank 1 = best (highest keys, first key first); equal keys share the better rank (并列)."""
    rounded = [np.round(k, 9) for k in keys]
    order = np.lexsort([-k for k in rounded[::-1]])
    ranks = np.empty(len(order), dtype=int)
    previous, rank = None, 0
    for position, i in enumerate(order, start=1):
        current = tuple(k[i] for k in rounded)
        if current != previous:
            rank, previous = position, current
        ranks[i] = rank
    return ranks


def rank_intervals(
    estimate: np.ndarray, draws: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Marginal and simultaneous rank intervals from bootstrap draws (departments × resamples).

    After Mogstad, Romano, Shaikh and Wilhelm (2024): confidence intervals for the pairwise
    differences from max-|t| bootstrap critical values — per department for the marginal
    interval; over all pairs for the simultaneous one, refined by their stepdown (pairs found
    apart leave the maximum and the critical value is taken again over the rest, until no
    new pair is found apart). A department's rank lies between 1 + the number clearly better
    and p − the number clearly worse.
    Returns (marginal low, marginal high, simultaneous low, simultaneous high, clearly_better)
    where clearly_better[j, k] says k is clearly better than j under the joint intervals.
    """
    p = len(estimate)
    difference = estimate[:, None] - estimate[None, :]
    draws_difference = draws[:, None, :] - draws[None, :, :]
    se = draws_difference.std(axis=2)
    off = ~np.eye(p, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(draws_difference - difference[:, :, None]) / se[:, :, None]
    t = np.where(se[:, :, None] > 0, t, 0.0)  # a pair that never varies is known exactly
    t = np.where(off[:, :, None], t, 0.0)

    def apart(c: np.ndarray) -> np.ndarray:
        """Pairs whose whole interval for θ_j − θ_k lies on one side of zero."""
        return off & (np.abs(difference) - c * se > 0)

    def bounds(found: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        better = found & (difference < 0)  # k clearly better than j
        worse = found & (difference > 0)
        return 1 + better.sum(axis=1), p - worse.sum(axis=1), better

    marginal_c = np.quantile(t.max(axis=1), level, axis=1)  # per department j
    m_low, m_high, _ = bounds(apart(marginal_c[:, None]))
    found = np.zeros_like(off)
    while True:  # the stepdown over the pairs not yet found apart
        undecided = off & ~found
        if not undecided.any():
            break
        c = np.quantile(np.where(undecided[:, :, None], t, 0.0).max(axis=(0, 1)), level)
        new = apart(np.array(c)) & undecided
        if not new.any():
            break
        found |= new
    s_low, s_high, clearly_better = bounds(found)
    return m_low, m_high, s_low, s_high, clearly_better


def bands(estimate: np.ndarray, draws: np.ndarray, confidence: float) -> list[str]:
    """Clearly above, within, or clearly below the group's average, jointly for the group."""
    if len(estimate) < 2:
        return ["within"] * len(estimate)
    gap = estimate - estimate.mean()
    gap_draws = draws - draws.mean(axis=0, keepdims=True)
    se = gap_draws.std(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se[:, None] > 0, np.abs(gap_draws - gap[:, None]) / se[:, None], 0.0)
    c = np.quantile(t.max(axis=0), confidence)
    return [
        "above" if g - c * s > 0 else "below" if g + c * s < 0 else "within"
        for g, s in zip(gap, se, strict=True)
    ]


def rank_departments(departments: list[dict[str, Any]], draws: np.ndarray, scheme: Scheme) -> None:
    """Rank the departments that may be ranked, in place: rank (并列 for ties), marginal and
    simultaneous rank intervals, the departments clearly better, and the band."""
    ranked = [j for j, d in enumerate(departments) if d["flag"] is None]
    for d in departments:
        d.update(rank=None, rank_interval=None, joint_rank_interval=None, band=None)
        d["clearly_better"] = []
    if not ranked:
        return
    score = np.array([departments[j]["score"] for j in ranked], dtype=float)
    keys = [score] + [
        np.array([departments[j][k] or 0.0 for j in ranked], dtype=float)
        * (-1 if k == "dissatisfied_share" else 1)
        for k in scheme.tie_breaks
    ]
    ranks = _ranks_with_ties(keys)
    chosen = draws[ranked]
    m_low, m_high, s_low, s_high, better = rank_intervals(score, chosen, scheme.rank_confidence)
    group_bands = bands(score, chosen, scheme.confidence)
    for position, j in enumerate(ranked):
        departments[j].update(
            rank=int(ranks[position]),
            rank_interval=[int(m_low[position]), int(m_high[position])],
            joint_rank_interval=[int(s_low[position]), int(s_high[position])],
            clearly_better=[
                departments[ranked[k]]["code"] for k in np.flatnonzero(better[position])
            ],
            band=group_bands[position],
        )


TOP_SET_SIZES = (1, 3)  # the τ of the τ-best sets shown: could be first, could be in the top 3
# The 基本满意 weights the sensitivity panel tries besides the scheme's own.
SENSITIVITY_BASIC_WEIGHTS = (60.0, 90.0)


def top_sets(departments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The τ-best sets (Mogstad, Romano, Shaikh and Wilhelm, 2024): the ranked departments
    that could be among the best τ, and among the worst τ, at the joint level. A department
    is left out only when τ or more departments are clearly better (worse) than it under the
    simultaneous pairwise intervals (with their stepdown), so each set holds all of the true
    best (worst) τ with at least the joint confidence. (Their one-sided construction for the
    best τ alone is smaller still; these two-sided sets are valid and more cautious.)"""
    ranked = [d for d in departments if d["joint_rank_interval"]]
    sets = []
    for tau in TOP_SET_SIZES:
        if tau >= len(ranked):
            continue
        sets.append(
            {
                "tau": tau,
                "best": [d["code"] for d in ranked if d["joint_rank_interval"][0] <= tau],
                "worst": [
                    d["code"]
                    for d in ranked
                    if d["joint_rank_interval"][1] >= len(ranked) - tau + 1
                ],
            }
        )
    return sets


def sensitivity(departments: list[dict[str, Any]], scheme: Scheme) -> list[dict[str, Any]]:
    """How the point ranks move under other reasonable scoring: 基本满意 at other weights, and
    the satisfaction rate alone. Spearman's ρ against the released ranks; ties 并列."""
    ranked = [d for d in departments if d["rank"] is not None]
    if len(ranked) < 3:
        return []
    counts = np.array(
        [
            [d["counts"][k] for k in ("satisfied", "basically_satisfied", "dissatisfied")]
            for d in ranked
        ],
        dtype=float,
    )
    valid = counts.sum(axis=1)
    released = np.array([d["rank"] for d in ranked])
    alternatives = [
        (
            "basic_weight",
            w,
            counts @ np.array([scheme.w_satisfied, w, scheme.w_dissatisfied]) / valid,
        )
        for w in SENSITIVITY_BASIC_WEIGHTS
        if w != scheme.w_basic
    ]
    alternatives.append(("rate_only", None, counts[:, :2].sum(axis=1) / valid))
    out = []
    for setting, weight, score in alternatives:
        ranks = _ranks_with_ties([score])
        varied = len(set(ranks)) > 1 and len(set(released)) > 1  # else ρ is undefined
        rho = stats.spearmanr(released, ranks).statistic if varied else np.nan
        out.append(
            {
                "setting": setting,
                "w_basic": weight,
                "spearman": float(rho) if np.isfinite(rho) else None,
                "ranks": {d["code"]: int(r) for d, r in zip(ranked, ranks, strict=True)},
            }
        )
    return out
