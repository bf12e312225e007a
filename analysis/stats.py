"""The statistics of the results: rates, intervals, ranks, bands and venue checks.

Plain functions over numpy arrays, with no database and no request, so that anyone can
recompute every published figure from the published ballot records (see `results verify`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from evaluation.core.intervals import wilson

# Rating codes in the arrays, in the order the ballot prints them.
SATISFIED, BASIC, DISSATISFIED, UNKNOWN, BLANK = 0, 1, 2, 3, -1
RATING_CODES = {"satisfied": 0, "basically_satisfied": 1, "dissatisfied": 2, "unknown": 3}
RATING_NAMES = (*RATING_CODES, "blank")
FLAG_LEVEL = 0.01  # venue checks: a flag asks for a review at this false-discovery level
RESIDUAL_LIMIT = 3.0  # a venue's adjusted residual beyond this is pointed out
SMALL_EXPECTED = 5  # below this expected count the χ² test is done by Monte Carlo
MONTE_CARLO_RESAMPLES = 2000
# Identical ballots only point at copying when there are far more possible ballots than
# voters: with a handful of departments, people agree by chance.
PATTERN_CHECK_DEPARTMENTS = 8
# From this many ballots in a group the bootstrap draws each venue's resampled sums from
# their normal limit instead of resampling ballots one by one (see `_normal_bootstrap`);
# venues smaller than EXACT_VENUE_BELOW are still resampled ballot by ballot there.
NORMAL_FROM = 5_000
EXACT_VENUE_BELOW = 1_000
# A ballot's ratings packed as base-8 digits (rating + 1; 0 for blank) of 64-bit integers.
DIGITS_PER_WORD = 21


@dataclass(frozen=True)
class Scheme:
    """How ballots become scores (评分方案); every number of local practice is a setting."""

    w_satisfied: float = 100.0
    w_basic: float = 80.0
    w_dissatisfied: float = 0.0
    venue_weighting: str = "pooled"  # "pooled": every valid ballot once; "equal": venues equal
    min_valid: int = 30
    min_awareness: float = 0.5
    tie_breaks: tuple[str, ...] = ("satisfaction_rate", "satisfied_share")
    merge_internal: bool = False
    resamples: int = 2000
    seed: int = 2026
    confidence: float = 0.95
    rank_confidence: float = 0.90

    @property
    def weights(self) -> np.ndarray:
        return np.array([self.w_satisfied, self.w_basic, self.w_dissatisfied])


TIE_BREAKS = ("satisfaction_rate", "satisfied_share", "dissatisfied_share", "awareness")


@dataclass
class BallotSet:
    """The ballots of one group (or of the internal boxes): one row a ballot."""

    departments: list[str]  # department codes, in reporting order
    ratings: np.ndarray  # int8, ballots × departments, RATING codes or BLANK
    venue: np.ndarray  # int, the venue index of each ballot
    venues: list[str]  # venue names
    paper: np.ndarray  # bool, the ballot was entered from paper
    issued: dict[int, int] = field(default_factory=dict)  # venue index → cards issued

    def canonical(self) -> BallotSet:
        """The same ballots in an order fixed by their content alone.

        Stored and published records come in random order; sorting makes the seeded
        bootstrap give identical figures whichever copy of the ballots it starts from.
        """
        keys = [*_packed(self.ratings).T[::-1], self.paper, self.venue]
        order = np.lexsort(keys) if len(self.venue) else np.arange(0)
        return BallotSet(
            self.departments,
            self.ratings[order],
            self.venue[order],
            self.venues,
            self.paper[order],
            self.issued,
        )


def _packed(ratings: np.ndarray) -> np.ndarray:
    """Each ballot's ratings as base-8 digits of 64-bit integers (ballots × words): equal
    rows give equal words, and a few integer columns sort much faster than many."""
    n, d = ratings.shape
    digits = (ratings.astype(np.int64) + 1) << (3 * (np.arange(d) % DIGITS_PER_WORD))
    words = range(0, max(d, 1), DIGITS_PER_WORD)
    return np.stack(
        [digits[:, w : w + DIGITS_PER_WORD].sum(axis=1) for w in words], axis=1
    ).reshape(n, -1)


def _counts(ratings: np.ndarray) -> np.ndarray:
    """departments × (satisfied, basic, dissatisfied, unknown, blank)."""
    return np.stack([(ratings == code).sum(axis=0) for code in (0, 1, 2, 3, -1)], axis=1)


def _ballot_values(ballots: BallotSet, scheme: Scheme) -> tuple[np.ndarray, ...]:
    """Per ballot and department: the score it gives, whether it is satisfied, whether valid."""
    valid = (ballots.ratings >= 0) & (ballots.ratings <= 2)
    value = np.where(valid, scheme.weights[np.clip(ballots.ratings, 0, 2)], 0.0)
    happy = (ballots.ratings == SATISFIED) | (ballots.ratings == BASIC)
    return value, happy.astype(float), valid.astype(float)


def _combine(scheme: Scheme, sums: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Scores and rates from per-venue sums (value, satisfied, valid), pooled or venues equal."""
    value, happy, valid = (np.stack(part) for part in zip(*sums, strict=True))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a department no venue knows
        if scheme.venue_weighting == "equal":
            valid = np.where(valid > 0, valid, np.nan)
            return np.nanmean(value / valid, axis=0), np.nanmean(happy / valid, axis=0)
        n = valid.sum(axis=0)
        return value.sum(axis=0) / n, happy.sum(axis=0) / n


def _strata(ballots: BallotSet) -> list[np.ndarray]:
    return [np.flatnonzero(ballots.venue == v) for v in np.unique(ballots.venue)]


def _point(ballots: BallotSet, scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    columns = _ballot_values(ballots, scheme)
    return _combine(scheme, [tuple(c[s].sum(axis=0) for c in columns) for s in _strata(ballots)])


def _bootstrap(ballots: BallotSet, scheme: Scheme) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample whole ballots within each venue (the same people rate every department).

    Returns the interval ends for the scores then the rates, and the joint bootstrap
    distribution (2 × departments, resamples) that the rank intervals are built from.
    """
    columns = _ballot_values(ballots, scheme)
    strata = _strata(ballots)
    fixed = [s for s in strata if len(s) == 1]  # a single ballot resamples to itself
    moving = [s for s in strata if len(s) > 1]
    fixed_sums = [tuple(c[s].sum(axis=0) for c in columns) for s in fixed]

    def statistic(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        sums = [tuple(c[idx].sum(axis=-2) for c in columns) for idx in samples]
        shape = sums[0][0].shape
        sums += [tuple(np.broadcast_to(x, shape) for x in part) for part in fixed_sums]
        score, rate = _combine(scheme, sums)
        return np.moveaxis(np.concatenate([score, rate], axis=-1), -1, 0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate departments: handled just below
        result = stats.bootstrap(
            tuple(moving),
            statistic,
            paired=False,
            vectorized=True,
            n_resamples=scheme.resamples,
            confidence_level=scheme.confidence,
            method="BCa",
            batch=100,
            rng=np.random.default_rng(scheme.seed),
        )
    low = np.array(result.confidence_interval.low, dtype=float)
    high = np.array(result.confidence_interval.high, dtype=float)
    distribution = np.asarray(result.bootstrap_distribution, dtype=float)
    # BCa is undefined when every resample agrees (all ratings equal): percentile instead.
    alpha = (1 - scheme.confidence) / 2
    bad = (~np.isfinite(low) | ~np.isfinite(high)) & np.isfinite(distribution).all(axis=1)
    low[bad] = np.quantile(distribution[bad], alpha, axis=1)
    high[bad] = np.quantile(distribution[bad], 1 - alpha, axis=1)
    return low, high, distribution


def _indicators(ratings: np.ndarray) -> np.ndarray:
    """Per ballot, 0/1 for each department × (满意, 基本满意, 不满意): ballots × 3·departments.

    Sums and cross-products of these are whole numbers, exact in floating point whatever
    the order of summation, so every machine draws from the same figures.
    """
    marks = np.stack([ratings == r for r in (SATISFIED, BASIC, DISSATISFIED)], axis=-1)
    return marks.reshape(len(ratings), -1).astype(float)


def _normal_bootstrap(
    ballots: BallotSet, scheme: Scheme
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stratified ballot bootstrap for large groups, through its normal limit.

    Resampling a venue's n ballots with replacement gives rating counts with mean c (the
    venue's counts) and covariance C − c cᵀ/n (C: how often two marks share a ballot); for
    a venue of thousands of ballots their distribution is that normal one, so the resamples
    are drawn from it directly, O(ballots) once instead of O(ballots × resamples). Venues
    under EXACT_VENUE_BELOW ballots are resampled ballot by ballot. The same people rate
    every department, so the draws keep the departments' joint dependence. Percentile
    intervals: BCa's corrections vanish at these sizes. Same return as `_bootstrap`.
    """
    rng = np.random.default_rng(scheme.seed)
    d, resamples = len(ballots.departments), scheme.resamples
    sums = []
    for rows in _strata(ballots):
        marks = _indicators(ballots.ratings[rows])
        n = len(rows)
        if n < EXACT_VENUE_BELOW:
            picks = rng.integers(0, n, (resamples, n)) + n * np.arange(resamples)[:, None]
            weights = np.bincount(picks.ravel(), minlength=resamples * n).reshape(resamples, n)
            counts = weights @ marks
        else:
            total = marks.sum(axis=0)
            spread = marks.T @ marks - np.outer(total, total) / n
            values, vectors = np.linalg.eigh(spread)
            root = vectors * np.sqrt(np.clip(values, 0, None))
            normal = rng.standard_normal((resamples, len(total)))
            counts = np.clip(total + normal @ root.T, 0, None)
        by_rating = counts.reshape(resamples, d, 3)
        sums.append(
            (by_rating @ scheme.weights, by_rating[..., :2].sum(axis=-1), by_rating.sum(axis=-1))
        )
    score, rate = _combine(scheme, sums)
    distribution = np.concatenate([score, rate], axis=1).T
    alpha = (1 - scheme.confidence) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a department nobody rated: NaN
        low, high = np.quantile(distribution, [alpha, 1 - alpha], axis=1)
    return low, high, distribution


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

    After Mogstad, Romano, Shaikh and Wilhelm (2024): confidence intervals for all pairwise
    differences from max-|t| bootstrap critical values — per department for the marginal
    interval, over all pairs for the simultaneous one. A department's rank lies between
    1 + the number clearly better and p − the number clearly worse.
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
    marginal_c = np.quantile(t.max(axis=1), level, axis=1)  # per department j
    joint_c = np.quantile(t.max(axis=(0, 1)), level)

    def bounds(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # k clearly better than j: the whole interval for θ_k − θ_j lies above zero
        better = off & ((-difference) - c * se > 0)
        worse = off & (difference - c * se > 0)
        return 1 + better.sum(axis=1), p - worse.sum(axis=1), better

    m_low, m_high, _ = bounds(marginal_c[:, None])
    s_low, s_high, clearly_better = bounds(np.array(joint_c))
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
    packed = _packed(ballots.ratings)
    repeated = np.zeros(len(ballots.venue), dtype=bool)
    for rows in _strata(ballots):
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


@dataclass
class GroupAnalysis:
    """One group's figures (JSON-ready) and its bootstrap draws of the scores."""

    figures: dict[str, Any]
    draws: np.ndarray  # departments × resamples


def analyse_group(ballots: BallotSet, scheme: Scheme, seed: int) -> GroupAnalysis:
    """Every figure of one group's ballots except the ranks, which compare across groups."""
    ballots = ballots.canonical()
    counts = _counts(ballots.ratings)
    score, rate = _point(ballots, scheme)
    n = counts[:, :3].sum(axis=1)
    known = n + counts[:, 3]
    d = len(ballots.departments)
    method = "normal" if len(ballots.venue) >= NORMAL_FROM else "bca"
    if method == "normal":
        low, high, distribution = _normal_bootstrap(ballots, replace(scheme, seed=seed))
    elif any(len(s) > 1 for s in _strata(ballots)):
        low, high, distribution = _bootstrap(ballots, replace(scheme, seed=seed))
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
                "paper": int(ballots.paper.sum()),
                "counts": dict(zip(RATING_NAMES, (int(x) for x in c), strict=True)),
                "valid": int(n[j]),
                "satisfaction_rate": _finite(rate[j]),
                "satisfaction_ci": (
                    list(wilson(int(c[0] + c[1]), int(n[j]), scheme.confidence) or [])
                    if scheme.venue_weighting == "pooled"
                    else _pair(low[d + j], high[d + j])
                ),
                "satisfied_share": float(c[0] / n[j]) if n[j] else None,
                "dissatisfied_share": float(c[2] / n[j]) if n[j] else None,
                "awareness": float(n[j] / known[j]) if known[j] else None,
                "score": _finite(score[j]),
                "score_ci": _pair(low[j], high[j]),
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
        "venues": venue_checks(ballots),
        "homogeneity": venue_homogeneity(ballots, seed),
        "per_venue": _per_venue(ballots),
    }
    return GroupAnalysis(figures, distribution[:d])


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


def _per_venue(ballots: BallotSet) -> list[dict[str, Any]]:
    """Each department's distribution at each venue (department × venue × rating)."""
    out = []
    for v, name in enumerate(ballots.venues):
        rows = ballots.ratings[ballots.venue == v]
        if not len(rows):
            continue
        c = _counts(rows)
        out.append(
            {
                "venue": name,
                "counts": {
                    code: [int(x) for x in c[j][:4]] for j, code in enumerate(ballots.departments)
                },
            }
        )
    return out


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _pair(low: float, high: float) -> list[float]:
    return [float(low), float(high)] if np.isfinite(low) and np.isfinite(high) else []
