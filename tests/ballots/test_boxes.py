"""Box states by role, cards, turnout, sealing with its tally, the recount and the CLI."""

import base64
import csv
import io
import json
from collections import Counter

from ballots.boxes import ensure_boxes
from ballots.models import BallotBox, BoxState, BoxTally, VotingToken
from ballots.publication import records_text, stored_columns
from ballots.tally import stored_tally, tally_from_records, verify_box
from evaluation.campaign.models import VenueKind
from evaluation.core.models import AuditEvent, Role
from tests.conftest import assert_form_reshown, seal, seal_form


def _state(db, box) -> str:
    db.session.expire_all()
    return db.session.get(BallotBox, box.id).state


def _set_state(db, box, state: BoxState) -> None:
    box.state = state.value
    db.session.commit()


def test_venue_staff_open_and_close_their_own_box_and_it_is_audited(client, election, login_as, db):
    _set_state(db, election.box, BoxState.NOT_OPEN)
    staff = login_as(Role.VENUE_STAFF, venue=election.box.venue)
    url = f"/office/ballots/{election.box.id}"
    assert client.post(url + "/open").status_code == 302
    assert _state(db, election.box) == "open"
    assert client.post(url + "/close").status_code == 302
    assert _state(db, election.box) == "closed"
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(actor=staff.username)]
    assert actions == ["box.open", "box.closed"]
    refused = client.post(url + "/seal", data=seal_form(election.box.id))
    assert refused.status_code == 403
    assert _state(db, election.box) == "closed"


def test_venue_staff_cannot_touch_another_venues_box(client, election, factory, login_as, db):
    other = factory.venue(election.box.campaign, "市南区分会场", VenueKind.DISTRICT, 200)
    db.session.commit()
    login_as(Role.VENUE_STAFF, venue=other)
    url = f"/office/ballots/{election.box.id}"
    assert client.get(url).status_code == 403
    assert client.post(url + "/close").status_code == 403
    assert (
        client.post(url + "/cards", data={"count": "5", "base_url": "http://x"}).status_code == 403
    )
    assert _state(db, election.box) == "open"


def test_supervision_seals_a_closed_box_and_the_tally_is_stored(client, election, login_as, db):
    for i, card in enumerate(election.cards[:7]):
        rating = "satisfied" if i < 4 else "dissatisfied"
        assert client.post(f"/v/{card.token}", data=election.full_ballot(rating)).status_code == 200
    login_as(Role.SUPERVISION)
    url = f"/office/ballots/{election.box.id}"
    early = client.post(url + "/seal", data=seal_form(election.box.id))
    assert_form_reshown(early, "当前状态不能进行此操作", status=409)
    assert db.session.query(BoxTally).count() == 0
    assert client.post(url + "/close").status_code == 403  # closing is the venue's
    _set_state(db, election.box, BoxState.CLOSED)
    assert client.post(url + "/seal", data=seal_form(election.box.id)).status_code == 302
    assert _state(db, election.box) == "sealed"
    tally = stored_tally(db.session, election.box)
    for department in election.departments:
        assert tally[(department.id, "satisfied", "phone")] == 4
        assert tally[(department.id, "dissatisfied", "phone")] == 3


def test_no_ratings_are_visible_while_a_box_is_open(client, election, login_as, db):
    client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    login_as(Role.ADMIN)
    page = client.get(f"/office/ballots/{election.box.id}").get_data(as_text=True)
    assert "投票中" in page and 'http-equiv="refresh"' in page
    for label in ("满意", "不满意", "不了解"):
        assert label not in page
    assert client.get(f"/boxes/{election.box.id}/records.csv").status_code == 409
    assert client.get(f"/boxes/{election.box.id}/receipts.txt").status_code == 409


def test_turnout_counts_cards_and_ballots_per_box_and_meeting(
    client, election, factory, login_as, db
):
    for card in election.cards[:5]:
        client.post(f"/v/{card.token}", data=election.full_ballot())
    campaign = election.box.campaign
    factory.venue(campaign, "市南区分会场", VenueKind.DISTRICT, 200)
    factory.department(campaign, "R")  # internal: its box has no meeting
    ensure_boxes(db.session, campaign, "admin")
    db.session.commit()
    login_as(Role.SUPERVISION)
    page = client.get("/office/ballots/").get_data(as_text=True)
    assert "<td>20</td><td>5</td><td>25.0%</td>" in page
    assert "<td>合计</td><td></td><td>20</td><td>5</td><td>25.0%</td>" in page
    assert "内部述职评议" in page


def test_cards_are_issued_once_on_a_printable_sheet_with_a_csv(client, election, login_as, db):
    login_as(Role.ADMIN)
    form = client.get(f"/office/ballots/{election.box.id}/cards").get_data(as_text=True)
    assert 'value="90"' in form  # 100 seats + 10% spare, less the 20 already issued
    response = client.post(
        f"/office/ballots/{election.box.id}/cards",
        data={"count": "8", "base_url": "https://sanmin.example.cn/"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="votecard"') == 8 and page.count("<svg") == 8
    assert 'download="cards-box-' in page
    encoded = page.split("data:text/csv;base64,")[1].split('"')[0]
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(encoded).decode("utf-8-sig"))))
    assert len(rows) == 8
    assert all(r["url"].startswith("https://sanmin.example.cn/v/") for r in rows)
    assert all(r["short_code"].replace("-", "") and r["short_code"] in page for r in rows)
    db.session.expire_all()
    assert db.session.query(VotingToken).filter_by(box_id=election.box.id).count() == 28
    assert db.session.query(VotingToken).filter_by(state="voided").count() == 0


def test_issuing_and_voiding_refusals(client, election, login_as, db):
    login_as(Role.ADMIN)
    url = f"/office/ballots/{election.box.id}"
    too_many = client.post(url + "/cards", data={"count": "999999", "base_url": "http://x"})
    assert_form_reshown(too_many, "5000", status=400)
    bad_url = client.post(url + "/cards", data={"count": "5", "base_url": "javascript:alert(1)"})
    assert bad_url.status_code == 400
    unknown = client.post(url + "/void", data={"short_code": "AAAAA-AAAAA"})
    assert_form_reshown(unknown, "没有这个短码", status=404)
    card = election.cards[0]
    client.post(f"/v/{card.token}", data=election.full_ballot())
    used = client.post(url + "/void", data={"short_code": card.short_code})
    assert_form_reshown(used, "已经投过票", status=409)
    db.session.expire_all()
    assert db.session.query(VotingToken).count() == 20
    assert db.session.query(VotingToken).filter_by(state="voided").count() == 0


def test_a_sealed_box_publishes_receipts_and_keeps_its_records_until_the_release(
    client, election, db
):
    receipts = []
    for i, card in enumerate(election.cards[:9]):
        rating = ["satisfied", "basically_satisfied", "unknown"][i % 3]
        page = client.post(f"/v/{card.token}", data=election.full_ballot(rating))
        receipts.append(page.get_data(as_text=True).split('<p class="receipt">')[1][:12])
    _set_state(db, election.box, BoxState.CLOSED)
    seal(db.session, election.box)
    db.session.commit()
    early = client.get(f"/boxes/{election.box.id}/records.csv")
    assert early.status_code == 409  # nobody computes a group's results before sign-off
    listed = client.get(f"/boxes/{election.box.id}/receipts.txt").get_data(as_text=True).split()
    assert sorted(receipts) == listed
    records = records_text(["A", "B", "C"], stored_columns(db.session, [election.box]))
    rows = list(csv.reader(io.StringIO(records)))
    assert rows[0] == ["A", "B", "C"] and len(rows) == 10  # no channel column
    assert not any(r in records for r in receipts)
    by_rating = Counter()
    for (department, rating, _channel), n in stored_tally(db.session, election.box).items():
        by_rating[(department, rating)] += n
    assert tally_from_records(election.box, records) == by_rating
    assert verify_box(db.session, election.box) == []


def test_the_command_line_runs_a_box_from_cards_to_a_verified_recount(
    runner, election, db, tmp_path
):
    _set_state(db, election.box, BoxState.NOT_OPEN)
    box_id = election.box.id
    listing = json.loads(runner.invoke(args=["ballots", "boxes", "--json"]).output)
    assert {"id", "group", "venue", "state", "tokens_issued", "ballots_cast"} <= set(listing[0])
    assert listing[0]["tokens_issued"] == 20
    out = tmp_path / "cards.csv"
    result = runner.invoke(
        args=[
            "ballots",
            "issue",
            "--box",
            str(box_id),
            "--count",
            "3",
            "--csv",
            str(out),
            "--base-url",
            "http://127.0.0.1:8000",
        ]
    )
    assert result.exit_code == 0, result.output
    urls = [row["url"] for row in csv.DictReader(out.open())]
    assert len(urls) == 3 and all(u.startswith("http://127.0.0.1:8000/v/") for u in urls)
    assert runner.invoke(args=["ballots", "open", "--box", str(box_id)]).exit_code == 0
    client = runner.app.test_client()
    for url in urls:
        assert (
            client.post(
                url.removeprefix("http://127.0.0.1:8000"), data=election.full_ballot()
            ).status_code
            == 200
        )
    assert runner.invoke(args=["ballots", "seal", "--box", str(box_id)]).exit_code == 1
    assert runner.invoke(args=["ballots", "close", "--box", str(box_id)]).exit_code == 0
    assert runner.invoke(args=["ballots", "seal", "--box", str(box_id)]).exit_code == 0
    verified = runner.invoke(args=["ballots", "verify", "--box", str(box_id)])
    assert verified.exit_code == 0 and "equals the stored tally" in verified.output
    # Tamper with the stored tally: the recount now disagrees.
    row = db.session.query(BoxTally).first()
    row.count += 1
    db.session.commit()
    tampered = runner.invoke(args=["ballots", "verify", "--box", str(box_id)])
    assert tampered.exit_code == 1 and "stored 4, recounted 3" in tampered.output
    actors = {e.actor for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("box.%"))}
    assert all(a.startswith("命令行:") for a in actors)


def test_boxes_are_made_per_meeting_and_venue_plus_an_internal_box(app, election, factory, db):
    campaign = election.box.campaign
    factory.venue(campaign, "市南区分会场", VenueKind.DISTRICT, 200)
    factory.department(campaign, "R")  # internal
    created = ensure_boxes(db.session, campaign, "admin")
    assert created == 2  # the new venue's box for the meeting, and the internal box
    assert ensure_boxes(db.session, campaign, "admin") == 0
    internal = db.session.query(BallotBox).filter(BallotBox.meeting_id.is_(None)).one()
    assert [d.code for d in internal.departments] == ["R"]


def test_the_key_ceremony_in_the_office_sets_each_holders_own_passphrase(
    client, factory, login_as, db
):
    from ballots.keys import holders
    from ballots.models import BallotBox, KeyHolderRole
    from evaluation.campaign.models import Campaign

    campaign = factory.campaign(year=2027)
    # A campaign without a ceremony: remove the test campaign's demo keys.
    for holder in holders(db.session, campaign).values():
        db.session.delete(holder)
    box = BallotBox(campaign=campaign)  # the internal box
    db.session.add(box)
    db.session.commit()
    login_as(Role.SUPERVISION)
    url = "/office/ballots/keys"
    assert "未设置" in client.get(url).get_data(as_text=True)
    short = client.post(url, data={"passphrase": "too short", "confirm": "too short"})
    assert_form_reshown(short, "至少需要 12 个字符", status=400)
    public = "sanmin-demo-supervision"
    demo = client.post(url, data={"passphrase": public, "confirm": public})
    assert_form_reshown(demo, "公开口令", status=400)
    assert holders(db.session, campaign) == {}
    mine = "一条只有监察局知道的长口令"
    assert client.post(url, data={"passphrase": mine, "confirm": mine}).status_code == 302
    again = client.post(url, data={"passphrase": mine + "2", "confirm": mine + "2"})
    assert_form_reshown(again, "原口令", status=409)
    db.session.expire_all()
    assert set(holders(db.session, campaign)) == {KeyHolderRole.SUPERVISION}
    stored = repr([(h.wrapped, h.salt) for h in holders(db.session, campaign).values()])
    assert mine not in stored
    # Until all three holders have set theirs, no box of the campaign can open.
    campaign = db.session.get(Campaign, campaign.id)
    campaign.phase = "reporting"
    db.session.commit()
    login_as(Role.ADMIN)
    refused = client.post(f"/office/ballots/{box.id}/open")
    assert_form_reshown(refused, "请先完成密钥仪式", status=409)


def test_closing_is_confirmed_on_a_step_that_shows_the_box_and_says_it_cannot_be_undone(
    client, election, login_as, db
):
    for card in election.cards[:3]:
        assert client.post(f"/v/{card.token}", data=election.full_ballot()).status_code == 200
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    url = f"/office/ballots/{election.box.id}"
    box_page = client.get(url).get_data(as_text=True)
    assert f'href="{url}/close"' in box_page  # a link to the step, not a one-click button
    step = client.get(url + "/close")
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and _state(db, election.box) == "open"  # looking changes nothing
    assert "此操作不可撤销" in page and "确认关箱" in page
    assert election.box.venue.name in page and "3 张" in page  # the ballots in the box
    done = client.post(url + "/close", follow_redirects=True)
    assert "投票箱已关箱：箱内选票 3 张" in done.get_data(as_text=True)
    assert _state(db, election.box) == "closed"
    again = client.get(url + "/close").get_data(as_text=True)
    assert "当前状态不能进行此操作" in again and "确认关箱" not in again


def test_sealing_needs_the_box_number_typed_and_a_wrong_one_changes_nothing(
    client, election, login_as, db
):
    assert (
        client.post(f"/v/{election.cards[0].token}", data=election.full_ballot()).status_code == 200
    )
    _set_state(db, election.box, BoxState.CLOSED)
    login_as(Role.SUPERVISION)
    url = f"/office/ballots/{election.box.id}/seal"
    page = client.get(url).get_data(as_text=True)
    assert f"请输入投票箱编号 {election.box.id} 以确认封箱" in page and "此操作不可撤销" in page
    note = "已与会场核对签到表"
    wrong = client.post(url, data=seal_form(election.box.id, typed="99", note=note))
    assert_form_reshown(wrong, f"与“{election.box.id}”不符，未执行", kept=(note,), status=400)
    missing = client.post(url, data=seal_form(election.box.id, typed=""))
    assert_form_reshown(missing, "此项为必填项", status=400)
    assert _state(db, election.box) == "closed"
    assert db.session.query(BoxTally).count() == 0
    done = client.post(url, data=seal_form(election.box.id), follow_redirects=True)
    assert "投票箱已封箱：计入选票 1 张" in done.get_data(as_text=True)
    assert _state(db, election.box) == "sealed"
