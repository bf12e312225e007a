"""Invariants 1 and 4: one card, one ballot, under any concurrency; counts add up."""

from concurrent.futures import ThreadPoolExecutor

from ballots.models import Ballot, BallotRating, Receipt, VotingToken
from ballots.services import issue_cards
from ballots.tally import count_ballots


def _post(app, token, data):
    return app.test_client().post(f"/v/{token}", data=data).status_code


def test_fifty_threads_posting_one_card_store_exactly_one_ballot(app, election, db):
    token, data = election.cards[0].token, election.full_ballot()
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda _: _post(app, token, data), range(50)))
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 409}
    db.session.expire_all()
    assert db.session.query(Ballot).count() == 1
    assert db.session.query(Receipt).count() == 1
    assert db.session.query(BallotRating).count() == len(election.departments)
    assert db.session.query(VotingToken).filter_by(state="used").count() == 1


def test_a_thousand_cards_posted_concurrently_give_a_thousand_ballots_that_add_up(
    app, election, db
):
    cards = issue_cards(db.session, election.box, 1000, "admin")
    db.session.commit()
    ratings = ["satisfied", "basically_satisfied", "dissatisfied", "unknown"]
    ballots = [election.full_ballot(ratings[i % 4]) for i in range(1000)]

    def vote(i):
        return _post(app, cards[i].token, ballots[i])

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(vote, range(1000)))
    assert statuses == [200] * 1000
    db.session.expire_all()
    box = election.box
    assert db.session.query(Ballot).filter_by(box_id=box.id).count() == 1000
    used = db.session.query(VotingToken).filter_by(box_id=box.id, state="used").count()
    assert used == 1000  # ballots = tokens consumed
    counts = count_ballots(db.session, box)
    for department in election.departments:
        per_rating = {r: counts[(department.id, r, "phone")] for r in ratings}
        assert per_rating == {r: 250 for r in ratings}
        assert sum(per_rating.values()) == 1000  # each department's ratings sum to the ballots
