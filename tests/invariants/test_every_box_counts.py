"""Invariant 4 played as the attacker: a venue stuffing its own box, a count cut short.

A venue login alone may not give its box more cards than seats and spares; results are
not signed while any box is neither sealed nor formally withdrawn; after a sign-off
nothing can be cast, opened or added.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from analysis.models import ResultRun
from ballots.cards import issue_cards
from ballots.models import BallotBox, BoxState, CardApproval, VotingToken
from evaluation.campaign.models import Venue
from evaluation.core.models import AuditEvent, Role
from tests.analysis.test_results import voted  # noqa: F401  (the fixture)
from tests.conftest import assert_form_reshown, seal_form


def _valid_cards(db, box) -> int:
    db.session.expire_all()
    return (
        db.session.query(VotingToken)
        .filter(VotingToken.box_id == box.id, VotingToken.state != "voided")
        .count()
    )


def test_a_venue_login_alone_cannot_give_its_box_more_cards_than_seats_and_spares(
    client, election, login_as, db
):
    box = election.box  # 100 seats, 10% spares: 110 cards at most; the fixture issued 20
    staff = login_as(Role.VENUE_STAFF, venue=box.venue)
    url = f"/office/ballots/{box.id}/cards"
    page = client.get(url).get_data(as_text=True)
    assert 'value="90"' in page  # what is left is offered, not more
    stuffed = client.post(url, data={"count": "91", "base_url": "http://x"})
    assert_form_reshown(stuffed, "须经监察局批准", status=409)
    assert _valid_cards(db, box) == 20
    assert client.post(url, data={"count": "90", "base_url": "http://x"}).status_code == 200
    assert _valid_cards(db, box) == 110
    again = client.post(url, data={"count": "1", "base_url": "http://x"})
    assert again.status_code == 409 and _valid_cards(db, box) == 110
    # Approving is not the venue's to do.
    approve = f"/office/ballots/{box.id}/approve-cards"
    assert client.post(approve, data={"count": "5", "reason": "补印五张"}).status_code == 403

    login_as(Role.SUPERVISION)
    no_reason = client.post(approve, data={"count": "5", "reason": ""})
    assert no_reason.status_code == 400 and db.session.query(CardApproval).count() == 0
    assert (
        client.post(approve, data={"count": "5", "reason": "五张卡印坏，补印"}).status_code == 302
    )
    with client.session_transaction() as session:
        session["_user_id"] = str(staff.id)
        session["sv"] = staff.session_version
    assert client.post(url, data={"count": "5", "base_url": "http://x"}).status_code == 200
    assert _valid_cards(db, box) == 115
    approval = db.session.query(CardApproval).one()
    assert (approval.count, approval.reason) == (5, "五张卡印坏，补印")
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("cards.approve") == 1


def test_the_command_line_issues_beyond_the_limit_only_with_a_reason(
    runner, election, db, tmp_path
):
    box = election.box
    args = ["ballots", "issue", "--box", str(box.id), "--count", "100"]
    refused = runner.invoke(args=[*args, "--csv", str(tmp_path / "a.csv")])
    assert refused.exit_code != 0 and "须经监察局批准" in refused.output
    assert _valid_cards(db, box) == 20 and not (tmp_path / "a.csv").exists()
    done = runner.invoke(args=[*args, "--csv", str(tmp_path / "b.csv"), "--reason", "彩排用卡"])
    assert done.exit_code == 0, done.output
    assert _valid_cards(db, box) == 120
    approval = db.session.query(CardApproval).one()
    assert approval.count == 10 and approval.approved_by.startswith("命令行:")


def test_results_are_not_signed_while_a_late_venue_box_has_not_been_counted(
    client,
    login_as,
    db,
    voted,  # noqa: F811
):
    campaign, boxes = voted
    login_as(Role.ADMIN)
    added = client.post(
        "/office/venues/new",
        data={"kind": "district", "name": "崂山区分会场", "district": "崂山区", "capacity": "200"},
    )
    assert added.status_code == 302  # a venue added after the others were sealed
    login_as(Role.STATISTICS)
    assert client.post("/office/results/tally").status_code == 302
    run = db.session.execute(select(ResultRun)).scalar_one()
    refused = client.post(f"/office/results/{run.id}/sign")
    assert_form_reshown(refused, "崂山区分会场", status=409)
    db.session.expire_all()
    assert db.session.get(ResultRun, run.id).state == "draft"
    assert db.session.get(type(campaign), campaign.id).tally_signed_at is None
    login_as(Role.ADMIN)
    assert client.post("/office/ballots/setup").status_code == 302  # the late venue's box
    late = db.session.execute(
        select(BallotBox).join(Venue).where(Venue.name == "崂山区分会场")
    ).scalar_one()

    # The office withdraws it (it never opened), supervision countersigns; then it signs.
    withdraw = f"/office/ballots/{late.id}/withdraw"
    assert client.post(withdraw, data={"reason": "该会场取消"}).status_code == 302
    assert client.post(f"/office/results/{run.id}/sign").status_code == 403
    login_as(Role.STATISTICS)
    assert client.post(f"/office/results/{run.id}/sign").status_code == 409  # not yet confirmed
    login_as(Role.SUPERVISION)
    assert client.post(withdraw).status_code == 403  # asking is the office's
    assert client.post(withdraw + "/countersign").status_code == 302
    db.session.expire_all()
    assert db.session.get(BallotBox, late.id).state == BoxState.WITHDRAWN
    login_as(Role.STATISTICS)
    stale = client.post(f"/office/results/{run.id}/sign")  # counted before the withdrawal
    assert_form_reshown(stale, "重新计票", status=409)
    client.post("/office/results/tally")
    run = db.session.execute(select(ResultRun).order_by(ResultRun.id.desc())).scalars().first()
    assert client.post(f"/office/results/{run.id}/sign").status_code == 302
    login_as(Role.SUPERVISION)
    assert client.post(f"/office/results/{run.id}/countersign").status_code == 302
    login_as(Role.ADMIN)
    assert (
        client.post(
            f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)}
        ).status_code
        == 302
    )
    page = client.get("/results/").get_data(as_text=True)
    assert "已撤销的投票箱" in page and "该会场取消" in page


def test_a_box_that_holds_ballots_cannot_be_withdrawn(client, election, login_as, db):
    assert (
        client.post(f"/v/{election.cards[0].token}", data=election.full_ballot()).status_code == 200
    )
    login_as(Role.ADMIN)
    refused = client.post(
        f"/office/ballots/{election.box.id}/withdraw", data={"reason": "会场临时取消"}
    )
    assert_form_reshown(refused, "已有选票", status=409)
    db.session.expire_all()
    assert db.session.get(BallotBox, election.box.id).withdrawal_reason is None


def test_after_sign_off_nothing_can_be_cast_opened_or_added(
    client,
    login_as,
    factory,
    db,
    voted,  # noqa: F811
):
    campaign, boxes = voted
    spare_venue = factory.venue(campaign, "即墨区分会场")
    late = BallotBox(campaign=campaign, meeting=boxes[0].meeting, venue=spare_venue)
    db.session.add(late)
    db.session.flush()
    cards = issue_cards(db.session, late, 3, "t")
    late.state = BoxState.WITHDRAWN.value  # formally withdrawn before the count
    db.session.commit()
    login_as(Role.STATISTICS)
    client.post("/office/results/tally")
    run = db.session.execute(select(ResultRun)).scalar_one()
    assert client.post(f"/office/results/{run.id}/sign").status_code == 302

    # A database edit that reopens the withdrawn box still lets no card vote...
    late.state = BoxState.OPEN.value
    db.session.commit()
    ballot = {f"r{d.id}": "satisfied" for d in campaign.departments}
    cast = client.post(f"/v/{cards[0].token}", data=ballot)
    assert cast.status_code == 409
    assert db.session.query(VotingToken).filter_by(state="used", box_id=late.id).count() == 0
    late.state = BoxState.NOT_OPEN.value
    db.session.commit()
    # ...and neither the office nor the venue can open a box, add a venue or a meeting.
    login_as(Role.ADMIN)
    opened = client.post(f"/office/ballots/{late.id}/open")
    assert_form_reshown(opened, "已签发", status=409)
    added = client.post(
        "/office/venues/new", data={"kind": "district", "name": "胶州市分会场", "capacity": "200"}
    )
    assert_form_reshown(added, "已签发", status=409)
    assert db.session.query(Venue).filter_by(name="胶州市分会场").count() == 0
    more = client.post(
        f"/office/ballots/{late.id}/cards", data={"count": "1", "base_url": "http://x"}
    )
    assert more.status_code == 409
    sealing = client.post(f"/office/ballots/{boxes[0].id}/seal", data=seal_form(boxes[0].id))
    assert sealing.status_code == 409
    assert re.search("已签发|当前状态", sealing.get_data(as_text=True))
