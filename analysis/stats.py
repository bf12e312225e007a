"""The statistics of the results: ballot sets, rates and their bootstrap intervals.

Plain functions over numpy arrays, with no database and no request, so that anyone can
recompute every published figure from the published ballot records (see `results verify`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

# Rating codes in the arrays, in the order the ballot prints them.
SATISFIED, BASIC, DISSATISFIED, UNKNOWN, BLANK = 0, 1, 2, 3, -1
RATING_CODES = {"satisfied": 0, "basically_satisfied": 1, "dissatisfied": 2, "unknown": 3}
RATING_NAMES = (*RATING_CODES, "blank")
# From this many ballots in a group the bootstrap draws each venue's resampled sums from
# their normal limit instead of resampling ballots one by one (see `normal_bootstrap`);
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
    """The ratings of one group (or of the internal boxes): one row a ballot, or, from the
    published records, one row of independently shuffled columns."""

    departments: list[str]  # department codes, in reporting order
    ratings: np.ndarray  # int8, rows × departments, RATING codes or BLANK
    venue: np.ndarray  # int, the venue (publication unit) index of each row
    venues: list[str]  # venue names
    paper: dict[int, int] = field(default_factory=dict)  # venue index → paper ballots
    issued: dict[int, int] = field(default_factory=dict)  # venue index → cards issued

    def decoupled(self, seed: int) -> BallotSet:
        """The same columns, each shuffled on its own within each venue by a seeded generator.

        The public records keep no ballot whole (`ballots.publication`), so the figures may
        depend on each venue's columns as multisets only: every column is sorted, then
        `numpy.random.default_rng([seed, 0]).permutation` shuffles it, venue by venue in index
        order, department by department in column order. Whole ballots and any published
        copy give the same rows, so the seeded bootstrap gives identical figures. The
        resampling then treats the departments' ratings as independent: with a voter's
        ratings usually alike, the spread of a difference between two departments comes out
        larger, and rank intervals and bands wider (cautious), than whole ballots would give.
        """
        rng = np.random.default_rng([seed, 0])  # a stream apart from the bootstrap's
        order = np.argsort(self.venue, kind="stable")
        venue, by_venue = self.venue[order], self.ratings[order]
        ratings = np.empty_like(self.ratings)
        for v in np.unique(venue):
            rows = np.flatnonzero(venue == v)
            mine = by_venue[rows]
            for j in range(mine.shape[1]):
                ratings[rows, j] = rng.permutation(np.sort(mine[:, j]))
        return BallotSet(self.departments, ratings, venue, self.venues, self.paper, self.issued)


def packed_ratings(ratings: np.ndarray) -> np.ndarray:
    """Each ballot's ratings as base-8 digits of 64-bit integers (ballots × words): equal
    rows give equal words, and a few integer columns sort much faster than many."""
    n, d = ratings.shape
    digits = (ratings.astype(np.int64) + 1) << (3 * (np.arange(d) % DIGITS_PER_WORD))
    words = range(0, max(d, 1), DIGITS_PER_WORD)
    return np.stack(
        [digits[:, w : w + DIGITS_PER_WORD].sum(axis=1) for w in words], axis=1
    ).reshape(n, -1)


def rating_counts(ratings: np.ndarray) -> np.ndarray:
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


def venue_strata(ballots: BallotSet) -> list[np.ndarray]:
    return [np.flatnonzero(ballots.venue == v) for v in np.unique(ballots.venue)]


def point(ballots: BallotSet, scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    columns = _ballot_values(ballots, scheme)
    return _combine(
        scheme, [tuple(c[s].sum(axis=0) for c in columns) for s in venue_strata(ballots)]
    )


def bootstrap(ballots: BallotSet, scheme: Scheme) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample whole ballots within each venue (the same people rate every department).

    Returns the interval ends for the scores then the rates, and the joint bootstrap
    distribution (2 × departments, resamples) that the rank intervals are built from.
    """
    columns = _ballot_values(ballots, scheme)
    strata = venue_strata(ballots)
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


def normal_bootstrap(
    ballots: BallotSet, scheme: Scheme
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stratified ballot bootstrap for large groups, through its normal limit.

    Resampling a venue's n ballots with replacement gives rating counts with mean c (the
    venue's counts) and covariance C − c cᵀ/n (C: how often two marks share a ballot); for
    a venue of thousands of ballots their distribution is that normal one, so the resamples
    are drawn from it directly, O(ballots) once instead of O(ballots × resamples). Venues
    under EXACT_VENUE_BELOW ballots are resampled ballot by ballot. The same people rate
    every department, so the draws keep the departments' joint dependence. Percentile
    intervals: BCa's corrections vanish at these sizes. Same return as `bootstrap`.
    """
    rng = np.random.default_rng(scheme.seed)
    d, resamples = len(ballots.departments), scheme.resamples
    sums = []
    for rows in venue_strata(ballots):
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


def finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def pair(low: float, high: float) -> list[float]:
    return [float(low), float(high)] if np.isfinite(low) and np.isfinite(high) else []
