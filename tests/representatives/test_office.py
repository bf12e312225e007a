"""The office's representatives pages: the statistics bureau draws, a district reviews its
own venue's people, and personal data stays in the office."""

import io
import shutil

import pytest
import zxingcpp
from sqlalchemy import select

from ballots.models import BallotBox
from evaluation.core.models import AuditEvent, Role
from representatives.draw import run_draw
from representatives.models import Candidate, DrawPlace, Representative
from tests.ballots.test_printing import _pages
from tests.representatives.test_roster_and_draw import QUOTAS, ROSTER_HEADER, _people, _ready

QUOTA_HEADER = ["组别", "会场", "类别", "人数"]


def _file(header: list[str], rows: list[list[str]], name: str) -> tuple:
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    return (io.BytesIO(text.encode()), name)


def test_the_statistics_bureau_imports_draws_and_downloads_an_audited_list(
    client, login_as, db, event
):
    db.session.commit()
    login_as(Role.DEPARTMENT)
    assert client.get("/office/representatives/").status_code == 403
    login_as(Role.STATISTICS)
    assert "代表库是空的" in client.get("/office/representatives/").get_data(as_text=True)
    people = _people()
    for url, prefix, header, rows in (
        ("/office/representatives/roster", "roster", ROSTER_HEADER, people),
        ("/office/representatives/quotas", "quotas", QUOTA_HEADER, QUOTAS),
    ):
        sent = client.post(
            url,
            data={f"{prefix}-file": _file(header, rows, "list.csv")},
            content_type="multipart/form-data",
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)
    bad = client.post(
        "/office/representatives/roster",
        data={
            "roster-file": _file(
                ["编号", "姓名", "类别", "区市"], [["Z1", "甲", "游客", "市南区"]], "b.csv"
            )
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "<td>2</td><td>类别</td>" in bad.get_data(as_text=True)
    mismatch = client.post(
        "/office/representatives/draw", data={"seed": "20261205", "seed_again": "20261206"}
    )
    assert mismatch.status_code == 400 and "不一致" in mismatch.get_data(as_text=True)
    assert db.session.query(Representative).count() == 0
    drawn = client.post(
        "/office/representatives/draw", data={"seed": "20261205", "seed_again": "20261205"}
    )
    assert drawn.status_code == 302
    page = client.get("/office/representatives/").get_data(as_text=True)
    assert "随机种子 20261205" in page and people[0][6] not in page  # no phone on the page
    export = client.post("/office/representatives/export/1.csv")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert "邀请码" in text and any(p[6] in text for p in people)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"representatives.import", "representatives.draw", "representatives.export"} <= actions


@pytest.fixture
def drawn(db, event):
    _ready(db, event)
    run_draw(db.session, event, "42", "statistics")
    db.session.commit()
    return event


def test_a_district_replaces_its_own_drawn_person_from_its_own_reserves(
    client, login_as, db, drawn
):
    venue = next(v for v in drawn.venues if v.name == "市南区分会场")
    other = next(v for v in drawn.venues if v.name == "崂山区分会场")
    login_as(Role.DISTRICT, venue=venue)
    page = client.get("/office/representatives/review").get_data(as_text=True)
    person = (
        db.session.execute(select(Representative).where(Representative.venue_id == venue.id))
        .scalars()
        .first()
    )
    assert person.name in page
    meeting_id, category, gone = person.meeting_id, person.category, person.id
    url = f"/office/representatives/review/{person.id}/replace"
    short = client.post(url, data={"reason": "无"})
    assert short.status_code == 400 and "请写明理由" in short.get_data(as_text=True)
    assert db.session.get(Representative, person.id) is not None
    done = client.post(url, data={"reason": "已迁出本区，无法到会"})
    assert done.status_code == 302
    db.session.expire_all()
    assert (
        db.session.execute(select(Representative).where(Representative.id == gone)).first() is None
    )
    incoming = (
        db.session.execute(
            select(Representative)
            .where(
                Representative.venue_id == venue.id,
                Representative.meeting_id == meeting_id,
                Representative.category == category,
            )
            .order_by(Representative.id.desc())
        )
        .scalars()
        .first()
    )
    candidate = db.session.get(Candidate, incoming.candidate_id)
    assert candidate.district == "市南区"  # the district's own reserve
    place = db.session.execute(
        select(DrawPlace).where(DrawPlace.candidate_id == candidate.id)
    ).scalar()
    assert place.venue_id == venue.id and place.position > 5  # after the 5 invited
    # Another venue's staff cannot touch this venue's people.
    login_as(Role.DISTRICT, venue=other)
    theirs = client.post(
        f"/office/representatives/review/{incoming.id}/replace", data={"reason": "不想让他来"}
    )
    assert theirs.status_code == 404
    replaced = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "representatives.replace")
    ).scalar()
    assert replaced is not None and "已迁出本区" in replaced.detail


def test_someone_already_checked_in_is_not_replaced(client, login_as, db, drawn):
    venue = next(v for v in drawn.venues if v.name == "崂山区分会场")
    person = (
        db.session.execute(select(Representative).where(Representative.venue_id == venue.id))
        .scalars()
        .first()
    )
    person.attended = True
    db.session.commit()
    login_as(Role.DISTRICT, venue=venue)
    refused = client.post(
        f"/office/representatives/review/{person.id}/replace", data={"reason": "临时有事来不了"}
    )
    assert refused.status_code == 409 and "已经签到" in refused.get_data(as_text=True)


def test_no_public_page_shows_a_representative(client, db, drawn):
    names = [c.name for c in db.session.execute(select(Candidate)).scalars()]
    for path in ("/", "/boxes/", "/api/v1/boxes", "/results/", "/suggestions/"):
        page = client.get(path).get_data(as_text=True)
        assert not any(name in page for name in names), path


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs Debian's poppler-utils")
def test_letters_and_sms_follow_the_list_after_a_replacement(client, login_as, db, drawn, tmp_path):
    venue = next(v for v in drawn.venues if v.name == "崂山区分会场")
    login_as(Role.DISTRICT, venue=venue)
    person = (
        db.session.execute(select(Representative).where(Representative.venue_id == venue.id))
        .scalars()
        .first()
    )
    old_code, meeting_id = person.invitation_code, person.meeting_id
    client.post(
        f"/office/representatives/review/{person.id}/replace", data={"reason": "已迁出本区"}
    )
    login_as(Role.STATISTICS)
    pdf = client.post("/office/representatives/letters/1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "letters.pdf").write_bytes(pdf.data)
    codes = [
        r.text
        for page in _pages(tmp_path / "letters.pdf", tmp_path)
        for r in zxingcpp.read_barcodes(page)
    ]
    db.session.expire_all()
    meeting_codes = set(
        db.session.execute(
            select(Representative.invitation_code).where(Representative.meeting_id == meeting_id)
        ).scalars()
    )
    assert sorted(codes) == sorted(meeting_codes) and old_code not in codes
    sms = client.post("/office/representatives/sms/1.csv").get_data(as_text=True)
    lines = sms.strip().splitlines()
    assert lines[0].lstrip("\ufeff") == "手机,短信内容" and len(lines) == 1 + len(meeting_codes)
    assert old_code not in sms and all(code in sms for code in meeting_codes)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"representatives.letters", "representatives.sms"} <= actions


def test_a_reserve_at_the_door_takes_a_free_seat_once(client, login_as, db, drawn):
    venue = next(v for v in drawn.venues if v.name == "市南区分会场")
    meeting = drawn.groups[0].meeting
    box = BallotBox(campaign=drawn, meeting=meeting, venue=venue)
    db.session.add(box)
    venue.capacity = 10  # the 10 invited fill it
    db.session.commit()
    login_as(Role.VENUE_STAFF, venue=venue)
    page = client.get(f"/office/ballots/{box.id}/attendance").get_data(as_text=True)
    assert "候补代表" in page
    place = (
        db.session.execute(
            select(DrawPlace)
            .where(DrawPlace.venue_id == venue.id, DrawPlace.meeting_id == meeting.id)
            .order_by(DrawPlace.position.desc())
        )
        .scalars()
        .first()
    )
    url = f"/office/ballots/{box.id}/attendance/walk-in/{place.id}"
    full = client.post(url)
    assert full.status_code == 409 and "已经排满" in full.get_data(as_text=True)
    venue.capacity = 11
    db.session.commit()
    assert client.post(url).status_code == 302
    again = client.post(url)
    assert again.status_code == 409  # one seat freed, one reserve in; never the same twice
    db.session.expire_all()
    came = db.session.execute(
        select(Representative).where(Representative.candidate_id == place.candidate_id)
    ).scalar()
    assert came.attended and came.venue_id == venue.id
    assert "representatives.walk_in" in set(db.session.execute(select(AuditEvent.action)).scalars())


def test_a_district_accepts_its_list_and_a_later_replacement_withdraws_the_acceptance(
    client, login_as, db, drawn
):
    venue = next(v for v in drawn.venues if v.name == "市南区分会场")
    meeting_id = drawn.groups[0].meeting.id
    login_as(Role.STATISTICS)
    assert "待确认" in client.get("/office/representatives/").get_data(as_text=True)
    login_as(Role.DISTRICT, venue=venue)
    page = client.get("/office/representatives/review").get_data(as_text=True)
    assert "待确认" in page and "确认名单" in page
    url = f"/office/representatives/review/{meeting_id}/accept"
    assert client.post(url).status_code == 302
    again = client.post(url)
    assert again.status_code == 409 and "已经确认" in again.get_data(as_text=True)
    page = client.get("/office/representatives/review").get_data(as_text=True)
    assert "已于" in page
    accepted = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "representatives.accept")
    ).scalar()
    assert accepted is not None and accepted.subject == f"venue:{venue.id}"
    login_as(Role.STATISTICS)
    assert "已确认" in client.get("/office/representatives/").get_data(as_text=True)
    # The venue's own staff run its desk on the day; the list is the district's to review.
    login_as(Role.VENUE_STAFF, venue=venue)
    assert client.post(url).status_code == 403
    # A venue with nobody drawn for a meeting has nothing to accept.
    assert client.post("/office/representatives/review/9999/accept").status_code == 403
    login_as(Role.DISTRICT, venue=venue)
    assert client.post("/office/representatives/review/9999/accept").status_code == 404
    person = (
        db.session.execute(
            select(Representative).where(
                Representative.venue_id == venue.id, Representative.meeting_id == meeting_id
            )
        )
        .scalars()
        .first()
    )
    replaced = client.post(
        f"/office/representatives/review/{person.id}/replace", data={"reason": "已迁出本区"}
    )
    assert replaced.status_code == 302
    page = client.get("/office/representatives/review").get_data(as_text=True)
    assert "待确认" in page  # the list changed: the district accepts it again
    assert client.post(url).status_code == 302


def test_a_replaced_or_cancelled_person_never_comes_back_as_a_reserve_or_at_the_door(
    client, login_as, db, drawn
):
    venue = next(v for v in drawn.venues if v.name == "市南区分会场")
    meeting_id = drawn.groups[0].meeting.id
    login_as(Role.DISTRICT, venue=venue)

    def stratum() -> list[Representative]:
        db.session.expire_all()
        return list(
            db.session.execute(
                select(Representative)
                .where(
                    Representative.venue_id == venue.id,
                    Representative.meeting_id == meeting_id,
                    Representative.category == "人大代表",
                )
                .order_by(Representative.id)
            ).scalars()
        )

    gone = []
    for reason in ("已迁出本区", "与被评议部门有利害关系"):
        person = stratum()[0]
        gone.append(person.candidate_id)
        url = f"/office/representatives/review/{person.id}/replace"
        assert client.post(url, data={"reason": reason}).status_code == 302
        assert not set(gone) & {r.candidate_id for r in stratum()}
    person = stratum()[0]
    cancelled = client.post(
        f"/office/representatives/review/{person.id}/cancel", data={"reason": "本人放弃"}
    )
    assert cancelled.status_code == 302
    gone.append(person.candidate_id)
    assert len(stratum()) == 4  # five invited, one cancelled without a replacement
    events = db.session.execute(
        select(AuditEvent.action).where(AuditEvent.action.like("representatives.%"))
    ).scalars()
    assert "representatives.cancel" in list(events)
    # At the door: the struck are not offered, and refused if asked for.
    box = BallotBox(campaign=drawn, meeting_id=meeting_id, venue=venue)
    db.session.add(box)
    db.session.commit()
    login_as(Role.VENUE_STAFF, venue=venue)  # the venue's check-in desk
    desk = client.get(f"/office/ballots/{box.id}/attendance").get_data(as_text=True)
    struck = db.session.execute(
        select(DrawPlace).where(DrawPlace.struck.is_(True), DrawPlace.venue_id == venue.id)
    ).scalars()
    struck = list(struck)
    assert {p.candidate_id for p in struck} == set(gone)
    for place in struck:
        assert f"<span>{place.candidate.name} <span" not in desk
        refused = client.post(f"/office/ballots/{box.id}/attendance/walk-in/{place.id}")
        assert refused.status_code == 409 and "不能递补" in refused.get_data(as_text=True)


def test_the_district_desk_lists_each_meeting_s_list_until_it_is_accepted(
    client, login_as, db, drawn
):
    venue = next(v for v in drawn.venues if v.name == "市南区分会场")
    login_as(Role.DISTRICT, venue=venue)
    assert client.get("/office/").headers["Location"].endswith("/office/district")
    desk = client.get("/office/district").get_data(as_text=True)
    assert "第1组" in desk and "第2组" in desk and "代表名单待审核确认" in desk
    meeting_id = drawn.groups[0].meeting.id
    assert client.post(f"/office/representatives/review/{meeting_id}/accept").status_code == 302
    desk = client.get("/office/district").get_data(as_text=True)
    assert "第1组" not in desk and "第2组" in desk
