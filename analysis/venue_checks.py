"""Venue checks (会场核查), for supervision only: does one venue's box differ from the rest of
its meeting more than chance allows?

The unit is the venue, not the department: one test per venue and meeting of the mean ballot
score and, separately, of the share of 不了解 per ballot (a ballot is one person, so its marks
are not independent), each against the meeting's other venues. Both are permutation tests:
under the hypothesis that the venue's ballots are a random draw from the meeting's, the mean
of the venue's n ballots out of N has exactly known mean and variance (sampling without
replacement), and its tail is taken from the normal limit (Hoeffding's combinatorial central
limit theorem), with no random resamples, so the p-value has no floor and no luck in it.
Straight-lined ballots (the same answer for every department) are compared with Fisher's
exact test (the permutation test of a yes/no per ballot), valid when no other venue has any.
Repeated whole ballots are shown, not tested: how many a venue has by chance depends on its
size and on how alike people vote, and pairs of ballots are not independent. Every p-value of the
campaign is adjusted together (Benjamini–Yekutieli, which holds under dependence); a flag
asks for a review at FLAG_LEVEL and removes no ballot.

The checks need whole ballots, which are never published (`ballots.publication`): they are
computed from the database at the tally and shown to supervision in the office.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field
from scipy import stats

from analysis.stats import (
    BASIC,
    DISSATISFIED,
    SATISFIED,
    UNKNOWN,
    BallotSet,
    Scheme,
    packed_ratings,
    venue_strata,
)
from questionnaires.figures import Figure

FLAG_LEVEL = 0.01  # false discovery rate over every venue test of the campaign
MIN_TESTED = 20  # ballots: a smaller box, or a meeting with fewer others, is listed untested
# Identical ballots only point at copying when there are far more possible ballots than
# voters: with a handful of departments, people agree by chance.
PATTERN_CHECK_DEPARTMENTS = 8

Check = Literal["score", "unknown", "straight"]


class Test(Figure):
    """One check of one venue against the other venues of its meeting."""

    venue: float = Field(description="The venue's mean (score, 不了解 share) or share")
    others: float
    p: float
    q: float | None = None  # Benjamini–Yekutieli over every test of the campaign


class VenueReview(Figure):
    venue: str
    ballots: int
    issued: int
    paper: int
    repeated: float | None = Field(
        None, description="Share of its ballots repeated whole at the venue (not tested)"
    )
    tests: dict[Check, Test] = {}
    flags: list[str] = Field(description="Checks flagged, and returned_over_issued")


class GroupReview(Figure):
    key: str
    name: str
    venues: list[VenueReview]


class Review(Figure):
    """What supervision sees of a tally: each venue's checks."""

    level: float
    min_tested: int
    groups: list[GroupReview]


def permutation_p(values: np.ndarray, mine: np.ndarray) -> float:
    """Two-sided p of the mean of `values[mine]` under random allocation of the values."""
    n, total = int(mine.sum()), len(values)
    spread = values.var()  # the population's variance (ddof 0)
    if spread == 0 or n in (0, total):
        return 1.0
    sd = np.sqrt(spread / n * (total - n) / (total - 1))
    return float(2 * stats.norm.sf(abs(values[mine].mean() - values.mean()) / sd))


def _fisher(hits: np.ndarray, mine: np.ndarray) -> tuple[float, float, float]:
    table = [[hits[mine].sum(), (~hits[mine]).sum()], [hits[~mine].sum(), (~hits[~mine]).sum()]]
    p = stats.fisher_exact(table, alternative="greater").pvalue
    return float(hits[mine].mean()), float(hits[~mine].mean()), float(p)


def _per_ballot(ballots: BallotSet, scheme: Scheme) -> tuple[np.ndarray, ...]:
    r = ballots.ratings
    valid = (r == SATISFIED) | (r == BASIC) | (r == DISSATISFIED)
    answered = valid | (r == UNKNOWN)
    value = np.where(valid, scheme.weights[np.clip(r, 0, 2)], 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = value / valid.sum(axis=1)
        unknown = (r == UNKNOWN).sum(axis=1) / answered.sum(axis=1)
    d = r.shape[1]
    straight = (r == r[:, :1]).all(axis=1) & (r[:, 0] >= 0) if d > 1 else np.zeros(len(r), bool)
    repeated = np.zeros(len(r), dtype=bool)
    if d >= PATTERN_CHECK_DEPARTMENTS:
        packed = packed_ratings(r)
        for rows in venue_strata(ballots):
            _p, which, seen = np.unique(
                packed[rows], axis=0, return_inverse=True, return_counts=True
            )
            repeated[rows] = (seen[which.reshape(-1)] > 1) & ~straight[rows]
    return score, unknown, straight, repeated


def group_review(ballots: BallotSet, scheme: Scheme) -> list[dict[str, Any]]:
    """Each venue of one meeting (whole ballots, one venue a box), tested but not adjusted."""
    score, unknown, straight, repeated = _per_ballot(ballots, scheme)
    venues = []
    for v, name in enumerate(ballots.venues):
        mine = ballots.venue == v
        count, issued = int(mine.sum()), ballots.issued.get(v, 0)
        entry: dict[str, Any] = {
            "venue": name,
            "ballots": count,
            "issued": issued,
            "paper": ballots.paper.get(v, 0),
            "tests": {},
            "flags": ["returned_over_issued"] if count > issued else [],
        }
        if count and len(ballots.departments) >= PATTERN_CHECK_DEPARTMENTS:
            entry["repeated"] = float(repeated[mine].mean())
        if count >= MIN_TESTED and len(mine) - count >= MIN_TESTED:
            for check, values in (("score", score), ("unknown", unknown)):
                known = np.isfinite(values)
                here = mine[known]
                if here.sum() and (~here).sum():
                    entry["tests"][check] = {
                        "venue": float(values[known][here].mean()),
                        "others": float(values[known][~here].mean()),
                        "p": permutation_p(values[known], here),
                    }
            if len(ballots.departments) > 1:
                share, others, p = _fisher(straight, mine)
                entry["tests"]["straight"] = {"venue": share, "others": others, "p": p}
        venues.append(entry)
    return venues


def adjust(groups: list[dict[str, Any]]) -> None:
    """Benjamini–Yekutieli over every test of every venue of the campaign, in place."""
    tests = [t for g in groups for v in g["venues"] for t in v["tests"].values()]
    if not tests:
        return
    for test, q in zip(
        tests, stats.false_discovery_control([t["p"] for t in tests], method="by"), strict=True
    ):
        test["q"] = float(q)
    for g in groups:
        for v in g["venues"]:
            v["flags"] += [c for c, t in v["tests"].items() if t["q"] < FLAG_LEVEL]


def review(sets: dict[str, tuple[str, BallotSet]], scheme: Scheme) -> Review:
    """The venue checks of every group (key → name and whole ballots), adjusted together."""
    groups = [
        {"key": key, "name": name, "venues": group_review(ballots, scheme)}
        for key, (name, ballots) in sorted(sets.items())
    ]
    adjust(groups)
    return Review.model_validate({"level": FLAG_LEVEL, "min_tested": MIN_TESTED, "groups": groups})
