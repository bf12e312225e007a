"""Outstanding suggestions: nominations, blind scoring, the trimmed mean, ties and the top N."""

import pytest

from evaluation.core.errors import Conflict, Refused
from evaluation.core.models import Role
from suggestions import selection as selections
from suggestions.selection_models import NomineeKind, ReviewScore
from tests.conftest import assert_form_reshown


@pytest.fixture
def nominees(db, world):
    chosen = selections.selection_of(db.session, world.campaign, NomineeKind.SUGGESTION)
    found = [
        selections.nominate(db.session, chosen, "admin", suggestion=world.real_name(db))
        for _ in range(3)
    ]
    db.session.commit()
    return chosen, found


def _score(db, factory, nominee, *totals):
    for total in totals:
        reviewer = factory.user(Role.REVIEWER)
        value = str(total // 3)
        parts = {"value": value, "feasibility": value, "adoption": str(total - 2 * (total // 3))}
        selections.score(db.session, nominee, reviewer, parts)
    db.session.commit()


def test_only_real_name_suggestions_can_be_nominated(db, world):
    chosen = selections.selection_of(db.session, world.campaign, NomineeKind.SUGGESTION)
    with pytest.raises(Refused, match="实名"):
        selections.nominate(db.session, chosen, "admin", suggestion=world.receive(db))


def test_reviewers_cannot_see_each_others_scores_until_scoring_closes(
    db, world, client, login_as, factory, nominees
):
    chosen, (first, *_rest) = nominees
    other = factory.user(Role.REVIEWER)
    selections.score(db.session, first, other, {"value": "9", "feasibility": "7", "adoption": "3"})
    db.session.commit()
    me = login_as(Role.REVIEWER)
    page = client.get("/office/suggestions/selection/suggestion").get_data(as_text=True)
    assert 'value="9"' not in page and 'value="7"' not in page
    assert "已有 1 位评审打分" in page
    with pytest.raises(Conflict):
        selections.ranking(db.session, chosen)
    assert selections.own_scores(db.session, chosen, me) == {}
    selections.close_scoring(db.session, chosen, "admin")
    db.session.commit()
    after = client.get("/office/suggestions/selection/suggestion").get_data(as_text=True)
    assert "19" in after  # the ranking with the other reviewer's total


@pytest.mark.parametrize(
    "scores",
    [
        {"value": "11", "feasibility": "5", "adoption": "5"},
        {"value": "-1", "feasibility": "5", "adoption": "5"},
        {"value": "五", "feasibility": "5", "adoption": "5"},
        {"value": "5", "feasibility": "5"},
        {"value": "5.5", "feasibility": "5", "adoption": "5"},
    ],
)
def test_scores_outside_the_rubric_are_refused_and_store_nothing(
    db, client, login_as, nominees, scores
):
    _chosen, (first, *_rest) = nominees
    login_as(Role.REVIEWER)
    url = f"/office/suggestions/selection/suggestion/nominees/{first.id}/score"
    response = client.post(url, data=scores)
    typed = [f'value="{v}"' for v in scores.values()]
    assert_form_reshown(response, "0 到 10", tuple(typed), status=400)
    assert db.session.query(ReviewScore).count() == 0


def test_only_reviewers_score(db, client, login_as, nominees):
    _chosen, (first, *_rest) = nominees
    login_as(Role.ADMIN)
    url = f"/office/suggestions/selection/suggestion/nominees/{first.id}/score"
    assert client.post(url, data={"value": "5"}).status_code == 403


def test_trimmed_mean_leaves_out_the_extremes_and_equal_scores_tie(db, factory, nominees):
    chosen, (first, second, third) = nominees
    _score(db, factory, first, 30, 20, 20, 20, 0)  # trimmed: 20 (mean would be 18)
    _score(db, factory, second, 20, 20, 20)  # fewer than 5 reviewers: nothing cut
    _score(db, factory, third, 25, 25, 25, 25, 1)  # trimmed: 25
    selections.close_scoring(db.session, chosen, "admin")
    ranked = selections.ranking(db.session, chosen)
    assert [(r.nominee, r.score, r.rank, r.tied) for r in ranked] == [
        (third, 25.0, 1, False),
        (first, 20.0, 2, True),
        (second, 20.0, 2, True),
    ]


def test_finalising_the_top_n_includes_ties_and_locks_scoring(db, factory, world, nominees):
    chosen, (first, second, third) = nominees
    _score(db, factory, first, 20)
    _score(db, factory, second, 20)
    _score(db, factory, third, 10)
    with pytest.raises(Conflict):
        selections.finalise(db.session, chosen, 1, "admin")  # scoring still open
    selections.close_scoring(db.session, chosen, "admin")
    with pytest.raises(Refused):
        selections.finalise(db.session, chosen, 4, "admin")
    selections.finalise(db.session, chosen, 1, "admin")
    assert [first.selected, second.selected, third.selected] == [True, True, False]
    public = selections.outstanding(db.session, world.campaign, NomineeKind.SUGGESTION)
    assert {r.nominee for r in public} == {first, second}
    reviewer = factory.user(Role.REVIEWER)
    with pytest.raises(Conflict):
        selections.score(db.session, first, reviewer, {"value": "1"})


def test_units_can_be_selected_the_same_way(db, factory, world):
    chosen = selections.selection_of(db.session, world.campaign, NomineeKind.UNIT)
    nominee = selections.nominate(db.session, chosen, "admin", unit=world.units[0])
    reviewer = factory.user(Role.REVIEWER)
    selections.score(
        db.session, nominee, reviewer, {"quality": "8", "timeliness": "9", "satisfaction": "7"}
    )
    selections.close_scoring(db.session, chosen, "admin")
    assert selections.ranking(db.session, chosen)[0].score == 24.0
