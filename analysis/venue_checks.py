"""Venue checks (会场一致性): does a venue rate a department differently from the others, and
do identical ballot patterns recur more than chance allows."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from analysis.stats import UNKNOWN, BallotSet, packed_ratings, venue_strata

FLAG_LEVEL = 0.01  # venue checks: a flag asks for a review at this false-discovery level
RESIDUAL_LIMIT = 3.0  # a venue's adjusted residual beyond this is pointed out
SMALL_EXPECTED = 5  # below this expected count the χ² test is done by Monte Carlo
MONTE_CARLO_RESAMPLES = 2000


# Identical ballots only point at copying when there are far more possible ballots than
# voters: with a handful of departments, people agree by chance.
PATTERN_CHECK_DEPARTMENTS = 8


def _adjusted_residuals(table: np.ndarray) -> np.ndarray:
    total = table.sum()
    rows = table.sum(axis=1, keepdims=True)
    cols = table.sum(axis=0, keepdims=True)
    expected = rows * cols / total
    variance = expected * (1 - rows / total) * (1 - cols / total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(variance > 0, (table - expected) / np.sqrt(variance), 0.0)


def venue_homogeneity(ballots: BallotSet, seed: int) -> list[dict[str, Any]]:
    """Per department: do its ratings differ between venues? χ², Cramér's V, residuals."""
    results = []
    rng = np.random.default_rng(seed)
    venues = len(ballots.venues)
    for j, code in enumerate(ballots.departments):
        answered = ballots.ratings[:, j] >= 0
        cells = ballots.venue[answered] * 4 + ballots.ratings[answered, j]
        table = np.bincount(cells, minlength=venues * 4).reshape(venues, 4)
        keep_rows = np.flatnonzero(table.sum(axis=1) > 0)  # venues with no votes dropped
        table = table[keep_rows][:, table.sum(axis=0) > 0]
        entry: dict[str, Any] = {"code": code, "p": None, "cramers_v": None, "residuals": []}
        if table.shape[0] >= 2 and table.shape[1] >= 2:
            expected = stats.contingency.expected_freq(table)
            if (expected < SMALL_EXPECTED).any():
                method = stats.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES, rng=rng)
                test = stats.chi2_contingency(table, correction=False, method=method)
                entry["method"] = "monte_carlo"
            else:
                test = stats.chi2_contingency(table, correction=False)
                entry["method"] = "asymptotic"
            entry["p"] = float(test.pvalue)
            entry["cramers_v"] = float(stats.contingency.association(table, method="cramer"))
            residuals = _adjusted_residuals(table)
            largest = residuals[np.arange(len(residuals)), np.abs(residuals).argmax(axis=1)]
            entry["residuals"] = [
                (int(v), float(r)) for v, r in zip(keep_rows, largest, strict=True)
            ]
        results.append(entry)
    testable = [e for e in results if e["p"] is not None]
    if testable:
        # The departments' tests share ballots: Benjamini–Yekutieli holds under dependence.
        adjusted = stats.false_discovery_control([e["p"] for e in testable], method="by")
        for e, q in zip(testable, adjusted, strict=True):
            e["q"] = float(q)
            e["flagged_venues"] = (
                [ballots.venues[v] for v, r in e["residuals"] if abs(r) > RESIDUAL_LIMIT]
                if q < FLAG_LEVEL
                else []
            )
    return results


def venue_checks(ballots: BallotSet) -> list[dict[str, Any]]:
    """Per venue: turnout, paper share, straight-lining, repeated patterns, few 不了解."""
    n_departments = len(ballots.departments)
    straight = (
        (ballots.ratings == ballots.ratings[:, :1]).all(axis=1) & (ballots.ratings[:, 0] >= 0)
        if n_departments > 1
        else np.zeros(len(ballots.venue), dtype=bool)
    )
    packed = packed_ratings(ballots.ratings)
    repeated = np.zeros(len(ballots.venue), dtype=bool)
    for rows in venue_strata(ballots):
        mine = packed[rows]
        _patterns, which, seen = (
            np.unique(mine[:, 0], return_inverse=True, return_counts=True)
            if mine.shape[1] == 1
            else np.unique(mine, axis=0, return_inverse=True, return_counts=True)
        )
        repeated[rows] = (seen[which.reshape(-1)] > 1) & ~straight[rows]
    unknown = (ballots.ratings == UNKNOWN).sum(axis=1)
    answered = (ballots.ratings >= 0).sum(axis=1)
    checks, tests = [], []
    for v, name in enumerate(ballots.venues):
        rows = ballots.venue == v
        others = ~rows
        count = int(rows.sum())
        issued = ballots.issued.get(v, 0)
        entry: dict[str, Any] = {
            "venue": name,
            "ballots": count,
            "issued": issued,
            "turnout": count / issued if issued else None,
            "paper": int(ballots.paper[rows].sum()),
            "straight_share": float(straight[rows].mean()) if count else None,
            "repeated_share": float(repeated[rows].mean()) if count else None,
            "unknown_share": float(unknown[rows].sum() / answered[rows].sum())
            if answered[rows].sum()
            else None,
            "flags": ["returned_over_issued"] if count > issued else [],
        }
        if count and others.any():
            pooled = {
                "straight": straight[others].mean(),
                "repeated": repeated[others].mean(),
                "unknown": unknown[others].sum() / max(answered[others].sum(), 1),
            }
            entry["pooled"] = {k: float(x) for k, x in pooled.items()}
            for check, k, n, p, side in (
                ("straight", int(straight[rows].sum()), count, pooled["straight"], "greater"),
                (
                    "repeated",
                    int(repeated[rows].sum()),
                    count if n_departments >= PATTERN_CHECK_DEPARTMENTS else 0,
                    pooled["repeated"],
                    "greater",
                ),
                (
                    "few_unknown",
                    int(unknown[rows].sum()),
                    int(answered[rows].sum()),
                    pooled["unknown"],
                    "less",
                ),
            ):
                if 0 < p < 1 and n:
                    tests.append((entry, check, stats.binomtest(k, n, p, alternative=side).pvalue))
        checks.append(entry)
    if tests:
        adjusted = stats.false_discovery_control([p for _e, _c, p in tests], method="by")
        for (entry, check, _p), q in zip(tests, adjusted, strict=True):
            entry.setdefault("q", {})[check] = float(q)
            if q < FLAG_LEVEL:
                entry["flags"].append(check)
    return checks
