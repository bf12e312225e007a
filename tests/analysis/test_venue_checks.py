"""Venue checks in simulation: a planted deviant venue is found, a clean event flags nothing,
and the straight-lining case no other venue shares is not skipped."""

import numpy as np

from analysis.stats import BallotSet, Scheme
from analysis.venue_checks import MIN_TESTED, permutation_p, review

S, B, X, U = 0, 1, 2, 3
VENUES = (100,) + (200,) * 12  # a main venue and twelve district venues, as the city has them
DEPARTMENTS = 14


def meeting(rng: np.random.Generator, planted: int | None = None) -> BallotSet:
    """One meeting's whole ballots: voters with a mood (a person rates every department alike-
    ish), departments of different standing, some 不了解; at the planted venue a tenth of the
    ratings are turned into 不满意 (about 8 points off the mean ballot score)."""
    n = sum(VENUES)
    venue = np.repeat(np.arange(len(VENUES)), VENUES)
    level = rng.normal(0, 0.3, DEPARTMENTS)[None, :]
    latent = rng.normal(0, 0.6, (n, 1)) + level + rng.normal(0, 1, (n, DEPARTMENTS)) + 1.2
    ratings = np.select([latent > 0.5, latent > -1.0], [S, B], X).astype(np.int8)
    ratings[rng.random((n, DEPARTMENTS)) < 0.05] = U
    if planted is not None:
        here = (venue == planted)[:, None] & (rng.random((n, DEPARTMENTS)) < 0.1)
        ratings[here] = X
    return BallotSet(
        [f"D{j:02}" for j in range(DEPARTMENTS)],
        ratings,
        venue,
        [f"V{v}" for v in range(len(VENUES))],
        {},
        {v: count for v, count in enumerate(VENUES)},
    )


def event(seed: int, planted: tuple[str, int] | None = None) -> dict:
    """Four group meetings; `planted`: (group, venue) of the deviant venue."""
    rng = np.random.default_rng(seed)
    return {
        key: (f"组{key}", meeting(rng, planted[1] if planted and planted[0] == key else None))
        for key in "1234"
    }


def flagged(result) -> set[tuple[str, str, str]]:
    return {
        (g.key, v.venue, f)
        for g in result.groups
        for v in g.venues
        for f in v.flags
        if f != "returned_over_issued"
    }


def test_a_planted_venue_is_flagged_in_nearly_every_event_and_a_clean_event_almost_never():
    scheme = Scheme()
    found = elsewhere = clean = 0
    for seed in range(100):
        flags = flagged(review(event(seed, ("2", 5)), scheme))
        found += ("2", "V5", "score") in flags
        elsewhere += any((key, venue) != ("2", "V5") for key, venue, _f in flags)
        clean += not flagged(review(event(1000 + seed), scheme))
    assert found >= 95
    assert elsewhere <= 5  # the other 51 venues of the event stay unflagged
    assert clean >= 95


def test_straight_lined_ballots_are_flagged_when_no_other_venue_has_any():
    # 41 of 171 ballots with one answer for everything at one venue, none of 2,094 elsewhere:
    # the reference rate is 0, where a binomial test against it would have been skipped.
    rng = np.random.default_rng(5)
    sizes = (171,) + (174,) * 11 + (180,)
    venue = np.repeat(np.arange(len(sizes)), sizes)
    ratings = rng.choice([S, B, X], size=(len(venue), DEPARTMENTS), p=[0.6, 0.3, 0.1])
    ratings = ratings.astype(np.int8)
    ratings[:, 0] = np.where(ratings[:, 1] == S, B, S)  # nobody else answers all alike
    ratings[:41] = S
    data = BallotSet(
        [f"D{j:02}" for j in range(DEPARTMENTS)],
        ratings,
        venue,
        [f"V{v}" for v in range(len(sizes))],
        {},
        dict(enumerate(sizes)),
    )
    result = review({"1": ("组1", data)}, Scheme())
    first, *others = result.groups[0].venues
    assert "straight" in first.flags and first.tests["straight"].q < 1e-20
    assert first.tests["straight"].others == 0.0
    assert not any("straight" in v.flags for v in others)


def test_a_small_box_is_listed_but_not_tested_and_over_issued_is_flagged():
    rng = np.random.default_rng(2)
    data = meeting(rng)
    small = np.flatnonzero(data.venue == 0)[: MIN_TESTED - 1]
    keep = np.ones(len(data.venue), dtype=bool)
    keep[np.flatnonzero(data.venue == 0)[MIN_TESTED - 1 :]] = False
    shrunk = BallotSet(
        data.departments,
        data.ratings[keep],
        data.venue[keep],
        data.venues,
        {},
        {**data.issued, 1: 150},
    )
    assert len(small) == (shrunk.venue == 0).sum()
    venues = review({"1": ("组1", shrunk)}, Scheme()).groups[0].venues
    assert venues[0].ballots == MIN_TESTED - 1 and venues[0].tests == {}
    assert "returned_over_issued" in venues[1].flags and venues[1].ballots == 200


def test_the_permutation_p_value_matches_the_exact_permutation_distribution():
    # Small enough to enumerate: every way of choosing the venue's 4 ballots out of 12.
    from itertools import combinations

    values = np.array([100, 80, 80, 100, 0, 80, 100, 100, 80, 0, 100, 80], dtype=float)
    mine = np.zeros(12, dtype=bool)
    mine[[4, 9, 1, 2]] = True
    observed = abs(values[mine].mean() - values.mean())
    means = np.array([values[list(c)].mean() for c in combinations(range(12), 4)])
    exact = (np.abs(means - values.mean()) >= observed - 1e-9).mean()
    assert np.isclose(means.var(), values.var() / 4 * (12 - 4) / 11)  # the exact variance
    assert abs(permutation_p(values, mine) - exact) < 0.03
