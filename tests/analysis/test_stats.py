"""The statistics against independent computations: published values, hand sums, simulation."""

import numpy as np
import pytest

from analysis import stats
from analysis.groups import analyse_group
from analysis.ranks import rank_departments, sensitivity, top_sets
from analysis.stats import BallotSet, Scheme
from evaluation.core.intervals import wilson

S, B, X, U = 0, 1, 2, 3  # 满意, 基本满意, 不满意, 不了解


def ballots(rows, venues, names=None, issued=None) -> BallotSet:
    rows = np.array(rows, dtype=np.int8)
    venues = np.array(venues)
    return BallotSet(
        [f"D{j}" for j in range(rows.shape[1])],
        rows,
        venues,
        names or [f"V{v}" for v in range(venues.max() + 1)],
        {},
        issued or {v: int((venues == v).sum()) for v in range(venues.max() + 1)},
    )


def shuffled(data: BallotSet, seed: int) -> BallotSet:
    """The same ballots in another order, as another copy of the records would hold them."""
    order = np.random.default_rng(seed).permutation(len(data.venue))
    return BallotSet(
        data.departments,
        data.ratings[order],
        data.venue[order],
        data.venues,
        data.paper,
        data.issued,
    )


def simulate(seed, true_shares, venues=(60,) * 5, shift=None) -> BallotSet:
    """Ballots whose 满意/基本满意/不满意 shares per department are known; `shift` = (venue,
    department, amount) moves one venue's view of one department."""
    rng = np.random.default_rng(seed)
    rows, venue = [], []
    for v, n in enumerate(venues):
        for _ in range(n):
            row = []
            for j, (s, b) in enumerate(true_shares):
                if shift and shift[0] == v and shift[1] == j:
                    s, b = max(s - shift[2], 0), b
                u = rng.random()
                row.append(S if u < s else B if u < s + b else X)
            rows.append(row)
            venue.append(v)
    return ballots(rows, venue)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score)
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_intervals_match_published_values(k, n, low, high):
    got = wilson(k, n, 0.95)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_pooled_and_venue_weighted_scores_match_hand_sums():
    # venue 0: 满意, 不满意, 不了解; venue 1: 基本满意
    data = ballots([[S], [X], [U], [B]], [0, 0, 0, 1])
    pooled = analyse_group(data, Scheme(min_valid=0, resamples=200), 1).figures
    (d,) = pooled["departments"]
    assert d["valid"] == 3 and d["counts"]["unknown"] == 1
    assert d["score"] == pytest.approx((100 + 0 + 80) / 3)
    assert d["satisfaction_rate"] == pytest.approx(2 / 3)
    assert d["awareness"] == pytest.approx(3 / 4)
    equal = analyse_group(data, Scheme(min_valid=0, resamples=200, venue_weighting="equal"), 1)
    (e,) = equal.figures["departments"]
    assert e["score"] == pytest.approx(((100 + 0) / 2 + 80) / 2)
    assert e["satisfaction_rate"] == pytest.approx((1 / 2 + 1) / 2)
    weights = Scheme(w_satisfied=90, w_basic=60, w_dissatisfied=10, min_valid=0, resamples=200)
    (w,) = analyse_group(data, weights, 1).figures["departments"]
    assert w["score"] == pytest.approx((90 + 10 + 60) / 3)


def test_counts_add_up_per_department_and_per_venue():
    data = simulate(3, [(0.6, 0.3), (0.5, 0.3), (0.7, 0.2)])
    figures = analyse_group(data, Scheme(resamples=200), 1).figures
    for d in figures["departments"]:
        assert sum(d["counts"].values()) == d["returned"] == 300
        per_venue = sum(sum(v["counts"][d["code"]]) for v in figures["per_venue"])
        assert per_venue == d["returned"]
    assert figures["ballots"] == 300


def columns_shuffled(data: BallotSet, seed: int) -> BallotSet:
    """Each department's ratings shuffled on its own within each venue, as published."""
    rng = np.random.default_rng(seed)
    ratings = data.ratings.copy()
    for v in np.unique(data.venue):
        rows = np.flatnonzero(data.venue == v)
        for j in range(ratings.shape[1]):
            ratings[rows, j] = rng.permutation(ratings[rows, j])
    return BallotSet(data.departments, ratings, data.venue, data.venues, data.paper, data.issued)


def test_a_seeded_bootstrap_gives_identical_figures_from_whole_ballots_or_shuffled_columns():
    data = simulate(4, [(0.6, 0.3), (0.5, 0.3)])
    first = analyse_group(data, Scheme(resamples=400), 7)
    for copy in (shuffled(data, 0), columns_shuffled(data, 1), columns_shuffled(data, 2)):
        again = analyse_group(copy, Scheme(resamples=400), 7)
        assert again.figures == first.figures
        assert np.array_equal(again.draws, first.draws)
    other_seed = analyse_group(data, Scheme(resamples=400), 8)
    assert (
        other_seed.figures["departments"][0]["score_ci"]
        != first.figures["departments"][0]["score_ci"]
    )


def test_all_equal_ratings_fall_back_to_a_percentile_interval():
    data = ballots([[S, B]] * 40, [0] * 20 + [1] * 20)
    figures = analyse_group(data, Scheme(resamples=300), 1).figures
    assert figures["departments"][0]["score_ci"] == [100.0, 100.0]
    assert figures["departments"][1]["score_ci"] == [80.0, 80.0]


def _rank(data: BallotSet, scheme: Scheme, seed: int):
    result = analyse_group(data, scheme, seed)
    departments = result.figures["departments"]
    rank_departments(departments, result.draws, scheme)
    return departments


def test_identical_departments_are_never_told_apart_and_equal_scores_share_a_rank():
    twins = simulate(5, [(0.6, 0.3), (0.6, 0.3), (0.9, 0.1), (0.3, 0.3)], venues=(80,) * 4)
    departments = _rank(twins, Scheme(resamples=500), 1)
    first, second = departments[0], departments[1]
    assert "D1" not in first["clearly_better"] and "D0" not in second["clearly_better"]
    assert first["joint_rank_interval"] == second["joint_rank_interval"] == [2, 3]
    assert departments[2]["rank"] == 1 and departments[2]["band"] == "above"
    assert departments[3]["band"] == "below"

    same = ballots([[S, S], [B, B], [X, X]] * 20, [0, 1, 2] * 20)
    tied = _rank(same, Scheme(resamples=200), 1)
    assert [d["rank"] for d in tied] == [1, 1]  # 并列


def test_flagged_departments_are_reported_but_not_ranked():
    data = ballots([[S, U]] * 35 + [[B, S]] * 5, [0] * 20 + [1] * 20)
    departments = _rank(data, Scheme(resamples=200), 1)
    assert departments[0]["rank"] == 1
    assert departments[1]["flag"] == "too_few_valid" and departments[1]["rank"] is None
    lenient = _rank(data, Scheme(resamples=200, min_valid=5, min_awareness=0.5), 1)
    assert lenient[1]["flag"] == "low_awareness"


def test_joint_rank_intervals_cover_the_true_ranks_at_the_promised_rate():
    # Six departments, some close together: true ranks by true score (100·s + 80·b).
    shares = [(0.50, 0.30), (0.55, 0.30), (0.60, 0.25), (0.62, 0.25), (0.70, 0.20), (0.40, 0.40)]
    true_score = np.array([100 * s + 80 * b for s, b in shares])
    true_rank = (-true_score).argsort().argsort() + 1
    covered = 0
    simulations = 40
    for seed in range(simulations):
        departments = _rank(simulate(100 + seed, shares), Scheme(resamples=300), seed)
        covered += all(
            d["joint_rank_interval"][0] <= r <= d["joint_rank_interval"][1]
            for d, r in zip(departments, true_rank, strict=True)
        )
    assert covered / simulations >= 0.85  # promised 90%, with room for simulation noise


def correlated(seed: int, venues: tuple[int, ...], departments: int = 4) -> BallotSet:
    """Ballots of voters with a mood: the same person rates every department alike-ish."""
    rng = np.random.default_rng(seed)
    n = sum(venues)
    mood = rng.normal(0, 1, (n, 1))
    level = np.linspace(-0.4, 0.6, departments)[None, :]
    latent = mood + level + rng.normal(0, 1, (n, departments))
    rows = np.select([latent > 0.6, latent > -0.5, latent > -1.6], [S, B, X], U)
    return ballots(rows, np.repeat(np.arange(len(venues)), venues))


@pytest.mark.parametrize("weighting", ["pooled", "equal"])
def test_the_normal_limit_for_large_groups_agrees_with_resampling_whole_ballots(weighting):
    # Two venues big enough for the normal limit and one still resampled ballot by ballot.
    data = correlated(11, (900, 1100, 1300))
    scheme = Scheme(resamples=2000, seed=5, venue_weighting=weighting)
    exact_low, exact_high, exact = stats.bootstrap(data, scheme)
    low, high, normal = stats.normal_bootstrap(data, scheme)
    width = exact_high - exact_low
    assert np.all(np.abs(low - exact_low) < 0.1 * width)
    assert np.all(np.abs(high - exact_high) < 0.1 * width)
    # Given whole ballots, the departments' joint dependence is kept (the same voters rate
    # them all). Dropping it would halve these correlations (about 0.2 here).
    d = len(data.departments)
    exact_correlation = np.corrcoef(exact[:d])
    assert exact_correlation[~np.eye(d, dtype=bool)].min() > 0.1
    assert np.abs(np.corrcoef(normal[:d]) - exact_correlation).max() < 0.07
    for j in range(d):
        for k in range(j + 1, d):
            spread = (exact[j] - exact[k]).std()
            assert (normal[j] - normal[k]).std() == pytest.approx(spread, rel=0.1)


def test_a_large_group_is_analysed_through_the_normal_limit_reproducibly(monkeypatch):
    monkeypatch.setattr(stats, "NORMAL_FROM", 2000)
    data = correlated(12, (700, 800, 900))
    first = analyse_group(data, Scheme(resamples=500), 3)
    assert first.figures["bootstrap"] == "normal"
    again = analyse_group(columns_shuffled(data, 1), Scheme(resamples=500), 3)
    assert again.figures == first.figures and np.array_equal(again.draws, first.draws)
    small = analyse_group(correlated(12, (60, 60)), Scheme(resamples=200), 3)
    assert small.figures["bootstrap"] == "bca"


def test_top_sets_hold_the_true_best_and_worst_at_the_promised_rate():
    shares = [(0.50, 0.30), (0.55, 0.30), (0.60, 0.25), (0.62, 0.25), (0.70, 0.20), (0.40, 0.40)]
    true_score = np.array([100 * s + 80 * b for s, b in shares])
    order = [f"D{j}" for j in (-true_score).argsort()]
    held = {1: 0, 3: 0}
    simulations = 40
    for seed in range(simulations):
        departments = _rank(simulate(300 + seed, shares), Scheme(resamples=300), seed)
        for t in top_sets(departments):
            held[t["tau"]] += set(order[: t["tau"]]) <= set(t["best"]) and set(
                order[-t["tau"] :]
            ) <= set(t["worst"])
    assert all(count / simulations >= 0.85 for count in held.values())  # promised 90%
    clear = ballots([[S, B, X]] * 60 + [[S, X, B]] * 60, [0, 1] * 60)
    sets = top_sets(_rank(clear, Scheme(resamples=300), 1))
    assert sets[0] == {"tau": 1, "best": ["D0"], "worst": ["D1", "D2"]}  # D0 is surely first


def test_the_sensitivity_panel_shows_ranks_that_hang_on_the_basic_weight():
    # D0: all 满意; D1: 70% 满意, 30% 不满意 (score 70 whatever 基本满意 is worth);
    # D2: all 基本满意 (80 at the scheme's weight, 60 at 60; rate 100%).
    rows = [[S, S if i % 10 < 7 else X, B] for i in range(100)]
    departments = _rank(ballots(rows, [0, 1] * 50), Scheme(resamples=200), 1)
    assert [d["rank"] for d in departments] == [1, 3, 2]
    panel = {(s["setting"], s["w_basic"]): s for s in sensitivity(departments, Scheme())}
    assert panel[("basic_weight", 60.0)]["ranks"] == {"D0": 1, "D1": 2, "D2": 3}
    assert panel[("basic_weight", 90.0)]["ranks"] == {"D0": 1, "D1": 3, "D2": 2}
    assert panel[("rate_only", None)]["ranks"] == {"D0": 1, "D1": 3, "D2": 1}  # 并列
    assert panel[("basic_weight", 60.0)]["spearman"] == pytest.approx(0.5)
