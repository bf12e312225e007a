"""The box's manifest, zero report and closing minutes, and the public box index."""

from __future__ import annotations

import csv
import hashlib
import io

from ballots.attendance import check_in_at, import_representatives, representatives
from ballots.models import Ballot, BoxMinutes, BoxState
from ballots.publication import records_text, stored_columns
from evaluation.core.models import AuditEvent, Role
from tests.conftest import assert_api_keeps_its_promise, assert_form_reshown, seal_form


def _vote(client, election, n: int) -> None:
    ratings = ["satisfied", "dissatisfied", "unknown"]
    for i, card in enumerate(election.cards[:n]):
        response = client.post(f"/v/{card.token}", data=election.full_ballot(ratings[i % 3]))
        assert response.status_code == 200


def _close(db, election) -> None:
    election.box.state = BoxState.CLOSED.value
    db.session.commit()


def _api_boxes(client) -> list[dict]:
    """GET /api/v1/boxes, checked against the box schema its OpenAPI document promises."""
    body = client.get("/api/v1/boxes").get_json()
    assert_api_keeps_its_promise(client, "/api/v1/boxes", body)
    return body["boxes"]


def test_while_a_box_is_open_the_index_shows_counts_and_nothing_of_the_ratings(
    client, election, db
):
    _vote(client, election, 3)
    page = client.get("/boxes/").get_data(as_text=True)
    assert "投票箱公示" in page and election.box.venue.name in page
    assert "选票 3 张" in page and "回执 3 个" in page and "评议卡 20 张" in page
    for label in ("满意", "不满意", "不了解"):
        assert label not in page
    (box,) = _api_boxes(client)
    assert box["state"] == "open" and box["sealed"] is None
    figures = box["manifest"]
    assert (figures["cards_issued"], figures["cards_used"], figures["ballots"]) == (20, 3, 3)
    assert figures["receipts"] == 3 and figures["reconciles"] is True


def test_sealing_records_minutes_whose_tally_hash_anyone_can_recompute(
    client, election, login_as, runner, db
):
    _vote(client, election, 5)
    _close(db, election)
    login_as(Role.SUPERVISION)
    assert (
        client.post(
            f"/office/ballots/{election.box.id}/seal", data=seal_form(election.box.id)
        ).status_code
        == 302
    )
    (box,) = _api_boxes(client)
    sealed = box["sealed"]
    # The salt and the records are public only with the released results (tested in
    # tests/invariants/test_published_records.py); here the hash is recomputed from the
    # database as the public will recompute it then: the salt's line, every column sorted.
    assert sealed["records"] is None and sealed["tally_salt"] is None
    salt = db.session.get(BoxMinutes, (election.box.id, "closing")).tally_salt
    records = records_text(["A", "B", "C"], stored_columns(db.session, [election.box]))
    columns = [sorted(c) for c in zip(*list(csv.reader(io.StringIO(records)))[1:], strict=True)]
    canonical = "A,B,C\n" + "".join(",".join(line) + "\n" for line in zip(*columns, strict=True))
    recomputed = hashlib.sha256(f"{salt}\n{canonical}".encode()).hexdigest()
    assert recomputed == sealed["tally_hash"]
    assert len(list(csv.reader(io.StringIO(records)))) == 6
    minutes = client.get(sealed["minutes"]).get_data(as_text=True)
    assert "封箱记录" in minutes and sealed["tally_hash"] in minutes
    assert sealed["audit_head"] in minutes and "相符" in minutes
    # The head printed on the minutes is still in the audit chain, unchanged.
    check = runner.invoke(args=["audit", "verify", "--expect-head", sealed["audit_head"]])
    assert check.exit_code == 0, check.output


def test_opening_records_a_zero_report_and_staff_and_supervision_confirm_it(
    client, election, login_as, factory, db
):
    election.box.state = BoxState.NOT_OPEN.value
    db.session.commit()
    staff = login_as(Role.VENUE_STAFF, venue=election.box.venue)
    url = f"/office/ballots/{election.box.id}"
    assert client.post(url + "/open").status_code == 302
    zero = db.session.get(BoxMinutes, (election.box.id, "zero"))
    assert zero is not None and '"ballots":0' in zero.manifest and '"cards_used":0' in zero.manifest
    assert client.post(url + "/minutes/zero/confirm").status_code == 302
    again = client.post(url + "/minutes/zero/confirm")
    assert again.status_code == 409
    assert client.post(url + "/minutes/nonsense/confirm").status_code == 404
    login_as(Role.DEPARTMENT)
    assert client.post(url + "/minutes/zero/confirm").status_code == 403
    other = factory.venue(election.box.campaign, "市北区分会场")
    login_as(Role.VENUE_STAFF, venue=other)
    assert client.post(url + "/minutes/zero/confirm").status_code == 403
    login_as(Role.SUPERVISION)
    assert client.post(url + "/minutes/zero/confirm").status_code == 302
    db.session.expire_all()
    zero = db.session.get(BoxMinutes, (election.box.id, "zero"))
    assert zero.staff_confirmed_by == staff.username and zero.supervision_confirmed_by


def test_more_ballots_than_representatives_checked_in_needs_supervisions_note(
    client, election, login_as, db
):
    rows = [{"__row__": str(i + 2), "姓名": f"代表{i}", "类别": "市民"} for i in range(4)]
    import_representatives(db.session, election.box, rows, "t")
    people = representatives(db.session, election.box)
    for person in people[:2]:
        check_in_at(db.session, election.box, person.id)
    db.session.commit()
    _vote(client, election, 3)
    _close(db, election)
    login_as(Role.SUPERVISION)
    url = f"/office/ballots/{election.box.id}"
    refused = client.post(url + "/seal", data=seal_form(election.box.id))
    assert_form_reshown(refused, "多于签到代表 2 人", status=400)
    db.session.expire_all()
    assert db.session.get(type(election.box), election.box.id).state == "closed"
    note = "一位代表签到后才补登，现场核实无误"
    assert client.post(url + "/seal", data=seal_form(election.box.id, note=note)).status_code == 302
    minutes = client.get(f"/boxes/{election.box.id}/minutes").get_data(as_text=True)
    assert note in minutes


def test_a_scan_of_the_signed_minutes_is_kept_and_only_a_pdf_or_image_is_taken(
    client, election, login_as, db
):
    _vote(client, election, 1)
    _close(db, election)
    login_as(Role.SUPERVISION)
    client.post(f"/office/ballots/{election.box.id}/seal", data=seal_form(election.box.id))
    url = f"/office/ballots/{election.box.id}/minutes/scan"
    text = client.post(url, data={"file": (io.BytesIO(b"not a scan"), "x.txt")})
    assert text.status_code == 415
    scan = b"%PDF-1.4\n% signed minutes\n"
    assert client.post(url, data={"file": (io.BytesIO(scan), "minutes.pdf")}).status_code == 302
    served = client.get(f"/boxes/{election.box.id}/minutes/scan")
    assert served.status_code == 200 and served.data == scan
    assert served.mimetype == "application/pdf"


def test_a_voter_finds_the_box_of_their_receipt_on_the_public_index(client, election, login_as, db):
    page = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    receipt = page.get_data(as_text=True).split('<p class="receipt">')[1].split("<")[0]
    typed = f" {receipt[:4].lower()}-{receipt[4:8]} {receipt[8:]} "  # as a phone user types it
    open_box = client.get("/boxes/", query_string={"receipt": typed}).get_data(as_text=True)
    assert "尚未封箱，封箱时计入" in open_box and election.box.venue.name in open_box
    _close(db, election)
    login_as(Role.SUPERVISION)
    client.post(f"/office/ballots/{election.box.id}/seal", data=seal_form(election.box.id))
    client.post("/logout")
    sealed = client.get("/boxes/", query_string={"receipt": receipt}).get_data(as_text=True)
    assert "该箱已封箱，您的评议票已计入" in sealed
    unknown = client.get("/boxes/", query_string={"receipt": "ABCDEFGHJKMN"})
    assert unknown.status_code == 200 and "没有找到回执码" in unknown.get_data(as_text=True)
    before = (db.session.query(AuditEvent).count(), db.session.query(Ballot).count())
    for bad in ("123", "x" * 5000, "'; DROP TABLE ballot; --", "回执码回执码回执码回执码"):
        malformed = client.get("/boxes/", query_string={"receipt": bad})
        assert malformed.status_code == 400 and "回执码是 12 位字母和数字" in malformed.text
    db.session.expire_all()
    after = (db.session.query(AuditEvent).count(), db.session.query(Ballot).count())
    assert after == before  # a lookup, good or bad, changes nothing
