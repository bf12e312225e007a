"""A representative votes with a card: the page, the ballot, the receipt and every refusal."""

import re

from ballots.cards import void_card
from ballots.models import (
    Ballot,
    BallotComment,
    BallotRating,
    BoxState,
    PendingBallot,
    Receipt,
    VotingToken,
)
from evaluation.campaign.reports.services import approve, publish, save_draft, submit
from evaluation.core.models import Role
from tests.conftest import seal


def _ballots(db) -> int:
    """Ballots in the box: sealed in its pool, or written out at sealing."""
    db.session.expire_all()
    return db.session.query(PendingBallot).count() + db.session.query(Ballot).count()


def _close_and_seal(db, box) -> None:
    box.state = BoxState.CLOSED.value
    db.session.commit()
    seal(db.session, box)
    db.session.commit()


def test_the_voting_page_lists_the_group_in_reporting_order_with_four_choices(client, election):
    response = client.get(f"/v/{election.cards[0].token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    positions = [page.index(d.name) for d in election.departments]
    assert positions == sorted(positions)
    for label in ("满意", "基本满意", "不满意", "不了解"):
        assert label in page
    assert page.count('type="radio"') == 4 * len(election.departments)
    assert "Set-Cookie" not in response.headers  # a voter carries nothing away from the page


def test_a_department_with_a_published_report_has_a_report_link_on_the_ballot(client, election, db):
    first, second, _third = election.departments
    goals = [{"goal": "目标", "target": "指标", "status": "done", "explanation": ""}]
    sections = {"duties": "职责", "work": "工作", "problems": "问题", "measures": "措施"}
    sections["suggestions_handled"] = "去年意见建议全部答复。"
    save_draft(db.session, first, {**sections, "goals": goals}, "t")
    version = submit(db.session, first, "t")
    approve(db.session, version, "t")
    publish(db.session, version, "t")
    db.session.commit()
    page = client.get(f"/v/{election.cards[0].token}").get_data(as_text=True)
    assert f'href="/departments/{first.code}"' in page and "看报告" in page
    assert f'href="/departments/{second.code}"' not in page  # no published report, no link


def test_a_full_ballot_is_stored_and_answered_with_a_receipt(client, election, db):
    card = election.cards[0]
    data = election.full_ballot() | {f"c{election.departments[1].id}": "窗口排队太久"}
    response = client.post(f"/v/{card.token}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "投票成功" in page
    receipt = db.session.query(Receipt).one()
    assert receipt.code in page
    pending = db.session.query(PendingBallot).one()  # sealed to the box's key until sealing
    assert "窗口排队太久".encode() not in pending.sealed and b"satisfied" not in pending.sealed
    assert db.session.query(Ballot).count() == db.session.query(BallotComment).count() == 0
    _close_and_seal(db, election.box)
    assert db.session.query(PendingBallot).count() == 0
    ballot = db.session.query(Ballot).one()
    assert ballot.channel == "phone" and len(ballot.id) == 32
    assert {r.rating for r in ballot.ratings} == {"satisfied"}
    assert len(ballot.ratings) == 3
    comment = db.session.query(BallotComment).one()
    assert comment.text == "窗口排队太久" and comment.department_id == election.departments[1].id
    assert db.session.query(VotingToken).filter_by(state="used").count() == 1


def test_phones_share_a_rendered_page_but_each_gets_its_own_card_and_receipt(
    app, client, election, factory, db
):
    """Voting pages are rendered once per box and language and filled in per phone: the
    language link keeps each phone's own card, each receipt is its own, and a member of
    staff signed in never leaves their office bar in the page the phones get."""
    first, second, third = election.cards[:3]
    member = factory.user(Role.VENUE_STAFF)
    db.session.commit()
    staff = app.test_client()
    with staff.session_transaction() as session:
        session["_user_id"] = str(member.id)
        session["sv"] = member.session_version
    assert "退出登录" in staff.get(f"/v/{third.token}").get_data(as_text=True)
    pages = [client.get(f"/v/{card.token}").get_data(as_text=True) for card in (first, second)]
    for page, card, other in zip(pages, (first, second), (second, first), strict=True):
        assert f"next=/v/{card.token}" in page and other.token not in page
        assert "退出登录" not in page and "zq" not in page
    nonces = [re.search(r'name="n" value="([^"]+)"', page).group(1) for page in pages]
    assert nonces[0] != nonces[1]  # each page its own one-time value, all else shared
    assert pages[0].replace(first.token, "").replace(nonces[0], "") == pages[1].replace(
        second.token, ""
    ).replace(nonces[1], "")
    receipts = []
    for card in (first, second):
        page = client.post(f"/v/{card.token}", data=election.full_ballot()).get_data(as_text=True)
        receipts.append(page.split('<p class="receipt">')[1].split("<")[0])
        assert f"next=/v/{card.token}" in page and "zq" not in page
    assert receipts[0] != receipts[1]
    assert {r.code for r in Receipt.query.all()} == set(receipts)


def test_a_missing_choice_shows_the_page_again_with_choices_kept(client, election, db):
    first, second, third = election.departments
    data = {f"r{first.id}": "dissatisfied", f"r{third.id}": "unknown", f"c{third.id}": "好"}
    response = client.post(f"/v/{election.cards[0].token}", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "还有 1 个部门没有选择" in page
    assert f'id="d{second.id}"' in page and 'class="card rate missing"' in page
    assert f'name="r{first.id}" value="dissatisfied" checked' in page
    assert f'name="r{third.id}" value="unknown" checked' in page
    assert ">好</textarea>" in page
    assert _ballots(db) == 0
    assert db.session.query(VotingToken).filter_by(state="used").count() == 0


def test_a_value_outside_the_four_answers_counts_as_missing(client, election, db):
    data = election.full_ballot() | {f"r{election.departments[0].id}": "very_satisfied"}
    response = client.post(f"/v/{election.cards[0].token}", data=data)
    assert response.status_code == 400
    assert _ballots(db) == 0


def test_an_overlong_comment_is_refused_and_nothing_is_stored(client, election, db):
    data = election.full_ballot() | {f"c{election.departments[0].id}": "长" * 501}
    response = client.post(f"/v/{election.cards[0].token}", data=data)
    assert response.status_code == 400
    assert "不能超过 500 字" in response.get_data(as_text=True)
    assert _ballots(db) == 0 and db.session.query(BallotComment).count() == 0


def test_a_used_card_is_refused_with_its_own_page(client, election, db):
    token = election.cards[0].token
    assert client.post(f"/v/{token}", data=election.full_ballot()).status_code == 200
    again = client.post(f"/v/{token}", data=election.full_ballot("dissatisfied"))
    assert again.status_code == 409
    assert "这张评议卡已经投过票" in again.get_data(as_text=True)
    assert client.get(f"/v/{token}").status_code == 409
    assert _ballots(db) == 1
    _close_and_seal(db, election.box)
    assert {r.rating for r in db.session.query(BallotRating)} == {"satisfied"}


def test_an_unknown_card_is_refused_with_its_own_page(client, election, db):
    response = client.get("/v/not-a-real-token-at-all")
    assert response.status_code == 404
    assert "找不到这张评议卡" in response.get_data(as_text=True)
    posted = client.post("/v/not-a-real-token-at-all", data=election.full_ballot())
    assert posted.status_code == 404
    assert _ballots(db) == 0


def test_a_voided_card_is_refused_with_its_own_page(client, election, db):
    card = election.cards[0]
    void_card(db.session, election.box, card.short_code.lower(), "staff")
    db.session.commit()
    response = client.post(f"/v/{card.token}", data=election.full_ballot())
    assert response.status_code == 410
    assert "这张评议卡已作废" in response.get_data(as_text=True)
    assert _ballots(db) == 0


def test_a_box_not_yet_open_or_already_closed_refuses_votes(client, election, db):
    election.box.state = BoxState.NOT_OPEN.value
    db.session.commit()
    early = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    assert early.status_code == 409 and "投票尚未开始" in early.get_data(as_text=True)
    election.box.state = BoxState.CLOSED.value
    db.session.commit()
    late = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    assert late.status_code == 409 and "投票已经结束" in late.get_data(as_text=True)
    assert _ballots(db) == 0
    db.session.expire_all()
    assert db.session.query(VotingToken).filter_by(state="used").count() == 0


def test_voting_outside_the_reporting_phase_is_refused(client, election, db):
    election.box.campaign.phase = "handling"
    db.session.commit()
    response = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    assert response.status_code == 409
    assert _ballots(db) == 0


def test_guessing_card_tokens_is_rate_limited_per_address(make_app, election):
    app = make_app(VOTE_GUESS_LIMIT="5 per minute")
    client = app.test_client()
    for i in range(5):
        assert client.get(f"/v/guess-{i}").status_code == 404
    blocked = client.get("/v/guess-5")
    assert blocked.status_code == 429
    assert "操作过于频繁" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] == "60"  # the minute's window


def test_real_voters_behind_one_venue_address_are_not_limited(make_app, election):
    app = make_app(VOTE_GUESS_LIMIT="5 per minute")
    client = app.test_client()
    for card in election.cards[:12]:
        assert client.get(f"/v/{card.token}").status_code == 200
        assert client.post(f"/v/{card.token}", data=election.full_ballot()).status_code == 200
