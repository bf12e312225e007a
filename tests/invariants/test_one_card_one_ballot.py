"""Invariants 1 and 4: one card, one ballot, under any concurrency; counts add up."""

import threading
from concurrent.futures import ThreadPoolExecutor

from ballots.cards import issue_cards
from ballots.lifecycle import move_box
from ballots.models import (
    Ballot,
    BallotBox,
    BallotRating,
    BoxState,
    PendingBallot,
    Receipt,
    VotingToken,
)
from ballots.tally import count_ballots, stored_tally
from tests.conftest import seal


def _close_and_seal(db, box) -> None:
    box.state = BoxState.CLOSED.value
    db.session.commit()
    seal(db.session, box)
    db.session.commit()


def _post(app, token, data):
    return app.test_client().post(f"/v/{token}", data=data).status_code


def test_fifty_threads_posting_one_card_store_exactly_one_ballot(app, election, db):
    token, data = election.cards[0].token, election.full_ballot()
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda _: _post(app, token, data), range(50)))
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 409}
    db.session.expire_all()
    assert db.session.query(PendingBallot).count() == 1
    assert db.session.query(Receipt).count() == 1
    assert db.session.query(VotingToken).filter_by(state="used").count() == 1
    _close_and_seal(db, election.box)
    assert db.session.query(Ballot).count() == 1
    assert db.session.query(BallotRating).count() == len(election.departments)


def test_a_thousand_cards_posted_concurrently_give_a_thousand_ballots_that_add_up(
    app, election, db
):
    cards = issue_cards(db.session, election.box, 1000, "admin", over_limit_reason="压力测试")
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
    assert db.session.query(PendingBallot).filter_by(box_id=box.id).count() == 1000
    used = db.session.query(VotingToken).filter_by(box_id=box.id, state="used").count()
    assert used == 1000  # ballots = tokens consumed
    _close_and_seal(db, box)
    assert db.session.query(Ballot).filter_by(box_id=box.id).count() == 1000
    counts = count_ballots(db.session, box)
    for department in election.departments:
        per_rating = {r: counts[(department.id, r, "phone")] for r in ratings}
        assert per_rating == {r: 250 for r in ratings}
        assert sum(per_rating.values()) == 1000  # each department's ratings sum to the ballots


def test_a_box_closed_and_sealed_while_phones_vote_counts_every_confirmed_ballot(app, election, db):
    cards = issue_cards(db.session, election.box, 1500, "admin", over_limit_reason="压力测试")
    db.session.commit()
    box_id, ballot = election.box.id, election.full_ballot()
    unused, taking = iter(cards), threading.Lock()
    confirmed, statuses, enough = [], [], threading.Event()
    sealed_ballots = []

    def phones_voting_until_refused():
        while True:
            with taking:
                card = next(unused, None)
            if card is None:
                return
            status = _post(app, card.token, ballot)
            statuses.append(status)
            if status != 200:
                return  # the box closed: this phone's voters go home
            confirmed.append(card)
            if len(confirmed) >= 100:
                enough.set()

    def close_and_seal_while_voting():
        enough.wait(timeout=60)
        with app.app_context():
            move_box(db.session, db.session.get(BallotBox, box_id), BoxState.CLOSED, None)
            db.session.commit()
            seal(db.session, db.session.get(BallotBox, box_id))
            db.session.commit()
            tally = stored_tally(db.session, db.session.get(BallotBox, box_id))
            department = election.departments[0].id
            sealed_ballots.append(sum(n for (d, _r, _c), n in tally.items() if d == department))
            db.session.remove()

    # Fewer phones at once than the pool has connections: closing must not queue for one.
    with ThreadPoolExecutor(max_workers=9) as pool:
        closing = pool.submit(close_and_seal_while_voting)
        phones = [pool.submit(phones_voting_until_refused) for _ in range(8)]
        for future in [closing, *phones]:
            future.result()

    assert set(statuses) == {200, 409}  # the box closed while phones were voting
    db.session.expire_all()
    in_box = db.session.query(Ballot).filter_by(box_id=box_id).count()
    assert in_box == len(confirmed) == sealed_ballots[0]  # the sealed tally has them all
    used = db.session.query(VotingToken).filter_by(box_id=box_id, state="used").count()
    assert used == len(confirmed)  # a refused card stays unused
