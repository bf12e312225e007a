"""Paper ballots: two staff members key each one in; a match counts, a mismatch is checked."""

from ballots.models import Ballot, BoxState, BoxTally, PaperEntry, PendingBallot, VotingToken
from ballots.tally import stored_tally
from evaluation.core.models import Role
from tests.conftest import TEST_PASSWORD, assert_form_reshown, seal, seal_form


def _login(client, user):
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


# The entry grid takes the digit of the answer's place on the paper ballot.
DIGIT = {"satisfied": "1", "basically_satisfied": "2", "dissatisfied": "3", "unknown": "4"}


def _enter(client, election, short_code, rating="satisfied", **override):
    keyed = {k: DIGIT[v] for k, v in {**election.full_ballot(rating), **override}.items()}
    data = {"short_code": short_code, **keyed}
    return client.post(f"/office/ballots/{election.box.id}/paper", data=data)


def _sealed_ballot(db, election):
    election.box.state = BoxState.CLOSED.value
    db.session.commit()
    seal(db.session, election.box)
    db.session.commit()
    return db.session.query(Ballot).one()


def _staff(factory, election, db, n=2):
    users = [factory.user(Role.VENUE_STAFF, venue=election.box.venue) for _ in range(n)]
    db.session.commit()
    return users


def test_two_matching_entries_count_as_one_paper_ballot(client, election, factory, db):
    first, second = _staff(factory, election, db)
    card = election.cards[0]
    _login(client, first)
    response = _enter(client, election, card.short_code.lower())
    assert response.status_code == 302
    assert "第一次录入已保存" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Ballot).count() == 0
    assert db.session.query(VotingToken).filter_by(state="used").count() == 1  # consumed now
    # The card can no longer vote by phone.
    assert client.post(f"/v/{card.token}", data=election.full_ballot()).status_code == 409
    again = _enter(client, election, card.short_code)
    assert_form_reshown(again, "另一位工作人员", status=409)

    _login(client, second)
    assert _enter(client, election, card.short_code).status_code == 302
    db.session.expire_all()
    assert db.session.query(PaperEntry).count() == 0  # no link from card to ballot remains
    assert db.session.query(PendingBallot).count() == 1  # sealed in the pool, like a phone's
    ballot = _sealed_ballot(db, election)
    assert ballot.channel == "paper" and {r.rating for r in ballot.ratings} == {"satisfied"}


def test_a_mismatch_goes_to_supervision_who_decides_from_the_paper(client, election, factory, db):
    first, second = _staff(factory, election, db)
    supervisor = factory.user(Role.SUPERVISION)
    db.session.commit()
    card = election.cards[1]
    a, b, c = election.departments
    _login(client, first)
    _enter(client, election, card.short_code)
    _login(client, second)
    response = _enter(client, election, card.short_code, **{f"r{b.id}": "dissatisfied"})
    assert response.status_code == 302
    assert "不一致" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.query(Ballot).count() == 0
    third = _enter(client, election, card.short_code)
    assert_form_reshown(third, "等待监察局核对", status=409)

    _login(client, supervisor)
    page = client.get(f"/office/ballots/{election.box.id}/conflicts").get_data(as_text=True)
    assert "第 1 张" in page and "dissatisfied" not in page.split("<form")[0]
    entry = db.session.query(PaperEntry).one()
    url = f"/office/ballots/{election.box.id}/conflicts/{entry.id}"
    decided = election.full_ballot() | {f"r{b.id}": "dissatisfied"}
    wrong_sheet = client.post(url, data=decided | {"short_code": election.cards[2].short_code})
    assert (
        wrong_sheet.status_code == 409
        and "短码与这张待核对的纸质票不符" in wrong_sheet.get_data(as_text=True)
    )
    assert db.session.query(PendingBallot).count() == 0
    resolved = client.post(url, data=decided | {"short_code": card.short_code})
    assert resolved.status_code == 302
    db.session.expire_all()
    assert db.session.query(PaperEntry).count() == 0
    ballot = _sealed_ballot(db, election)
    assert {r.department_id: r.rating for r in ballot.ratings}[b.id] == "dissatisfied"


def test_paper_entry_refusals_change_nothing(client, election, factory, db):
    (staff,) = _staff(factory, election, db, 1)
    _login(client, staff)
    unknown = _enter(client, election, "ZZZZZ-ZZZZZ")
    assert unknown.status_code == 404
    incomplete = client.post(
        f"/office/ballots/{election.box.id}/paper",
        data={"short_code": election.cards[0].short_code},
    )
    assert_form_reshown(incomplete, "没有选择", status=400)
    out_of_range = client.post(
        f"/office/ballots/{election.box.id}/paper",
        data={
            "short_code": election.cards[1].short_code,
            **{f"r{d.id}": "5" for d in election.departments},
        },
    )
    assert_form_reshown(out_of_range, "没有选择", status=400)
    assert out_of_range.get_data(as_text=True).count('class="missing"') == len(election.departments)
    phone_card = election.cards[2]
    client.post(f"/v/{phone_card.token}", data=election.full_ballot())
    used = _enter(client, election, phone_card.short_code)
    assert_form_reshown(used, "已经投过票", status=409)
    db.session.expire_all()
    assert db.session.query(PaperEntry).count() == 0
    assert db.session.query(VotingToken).filter_by(state="used").count() == 1


def test_a_box_with_unfinished_paper_entries_cannot_be_sealed(client, election, factory, db):
    first, second = _staff(factory, election, db)
    supervisor = factory.user(Role.SUPERVISION)
    db.session.commit()
    _login(client, first)
    _enter(client, election, election.cards[0].short_code)
    client.post(f"/v/{election.cards[3].token}", data=election.full_ballot("unknown"))
    election.box.state = BoxState.CLOSED.value
    db.session.commit()
    _login(client, supervisor)
    url = f"/office/ballots/{election.box.id}"
    refused = client.post(url + "/seal", data=seal_form(election.box.id))
    assert_form_reshown(refused, "纸质票", status=409)
    assert db.session.query(BoxTally).count() == 0
    _login(client, second)
    assert _enter(client, election, election.cards[0].short_code).status_code == 302  # closed: ok
    _login(client, supervisor)
    assert client.post(url + "/seal", data=seal_form(election.box.id)).status_code == 302
    tally = stored_tally(db.session, election.box)
    first_department = election.departments[0].id
    assert tally[(first_department, "satisfied", "paper")] == 1
    assert tally[(first_department, "unknown", "phone")] == 1
    db.session.expire_all()
    assert (
        db.session.query(Ballot).count()
        == db.session.query(VotingToken).filter_by(state="used").count()
    )


def test_paper_ballots_are_refused_before_the_box_opens_and_after_it_is_sealed(
    client, election, factory, db
):
    (staff,) = _staff(factory, election, db, n=1)
    _login(client, staff)
    for state in (BoxState.NOT_OPEN, BoxState.SEALED):
        election.box.state = state.value
        db.session.commit()
        refused = _enter(client, election, election.cards[0].short_code)
        assert refused.status_code == 409
        assert "封箱前录入纸质票" in refused.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.query(PaperEntry).count() == 0
        assert db.session.query(VotingToken).filter_by(state="used").count() == 0
