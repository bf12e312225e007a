"""Attendance: the venue's representative list, who came, per category, apart from voting."""

import io
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import inspect

from ballots.attendance import (
    attendance_summary,
    check_in_at,
    import_representatives,
    representatives,
)
from evaluation.core.models import Role
from representatives.models import Representative

REPRESENTATIVES_CSV = """姓名,类别,区市
张伟,人大代表,市南区
李娜,政协委员,市北区
王芳,企业代表,崂山区
刘洋,市民,李沧区
"""


def _upload(client, box_id, text: str):
    return client.post(
        f"/office/ballots/{box_id}/attendance/import",
        data={"file": (io.BytesIO(text.encode()), "reps.csv")},
        content_type="multipart/form-data",
    )


def test_staff_import_the_list_check_people_in_and_see_it_per_category(
    client, election, login_as, db
):
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    assert _upload(client, election.box.id, REPRESENTATIVES_CSV).status_code == 302
    assert _upload(client, election.box.id, REPRESENTATIVES_CSV).status_code == 302  # no doubles
    people = {p.name: p for p in db.session.query(Representative)}
    assert len(people) == 4
    base = f"/office/ballots/{election.box.id}/attendance"
    for name in ("张伟", "王芳"):
        assert client.post(f"{base}/{people[name].id}/check-in").status_code == 302
    again = client.post(f"{base}/{people['张伟'].id}/check-in", follow_redirects=True)
    assert "张伟 已经签到过" in again.get_data(as_text=True)  # counted once, and said so
    found = client.get(base, query_string={"q": "王"}).get_data(as_text=True)
    assert "王芳" in found and "已签到" in found
    page = client.get(base).get_data(as_text=True)
    assert "<td>人大代表</td><td>1</td><td>1</td>" in page
    assert "<td>政协委员</td><td>1</td><td>0</td>" in page
    turnout = client.get("/office/ballots/").get_data(as_text=True)
    assert ">2/4</a>" in turnout


def test_a_bad_representative_list_imports_nothing(client, election, login_as, db):
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    bad = "姓名,类别,区市\n张伟,人大代表,市南区\n,市民,\n李娜,游客,市北区\n张伟,市民,市南区\n"
    response = _upload(client, election.box.id, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>3</td><td>姓名</td>" in page and "<td>4</td><td>类别</td>" in page
    assert "<td>5</td><td>姓名</td>" in page
    assert db.session.query(Representative).count() == 0


def test_checking_in_someone_from_another_list_is_refused(client, election, login_as, db):
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    _upload(client, election.box.id, REPRESENTATIVES_CSV)
    response = client.post(f"/office/ballots/{election.box.id}/attendance/99999/check-in")
    assert response.status_code == 404
    assert "名单中没有" in response.get_data(as_text=True)
    assert db.session.query(Representative).filter_by(attended=True).count() == 0


def test_attendance_is_never_linked_to_cards_or_ballots(app, db):
    inspector = inspect(db.engine)
    referenced = {fk["referred_table"] for fk in inspector.get_foreign_keys("representative")}
    assert referenced == {"meeting", "venue", "candidate"}  # the person, never a card
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("candidate")} == {"campaign"}
    for table in ("representative", "candidate"):
        columns = " ".join(c["name"] for c in inspector.get_columns(table))
        assert not any(word in columns for word in ("card", "token", "ballot", "box", "receipt"))


def test_twenty_desks_checking_in_at_once_lose_nobody_and_count_a_repeat_once(
    app, election, factory, db
):
    rows = [{"__row__": str(i + 2), "姓名": f"代表{i:02}", "类别": "市民"} for i in range(20)]
    import_representatives(db.session, election.box, rows, "t")
    staff = factory.user(Role.VENUE_STAFF, venue=election.box.venue)
    db.session.commit()
    people = [p.id for p in representatives(db.session, election.box)]
    base = f"/office/ballots/{election.box.id}/attendance"
    login = {"_user_id": str(staff.id), "_fresh": True, "sv": staff.session_version}

    def tap(person_id: int) -> int:
        desk = app.test_client()
        with desk.session_transaction() as session:
            session.update(login)
        return desk.post(f"{base}/{person_id}/check-in").status_code

    # Twenty people at once, and the first of them tapped a second time at another desk.
    with ThreadPoolExecutor(max_workers=21) as pool:
        statuses = list(pool.map(tap, people + people[:1]))
    assert statuses == [302] * 21
    db.session.expire_all()
    assert db.session.query(Representative).filter_by(attended=True).count() == 20
    assert attendance_summary(db.session, election.box) == {"市民": (20, 20)}


def test_the_turnout_wall_counts_people_and_ballots_and_shows_no_rating_or_name(
    client, election, db
):
    rows = [{"__row__": str(i + 2), "姓名": f"代表{i}", "类别": "市民"} for i in range(6)]
    import_representatives(db.session, election.box, rows, "t")
    people = representatives(db.session, election.box)
    for person in people[:4]:
        check_in_at(db.session, election.box, person.id)
    db.session.commit()
    for card in election.cards[:3]:
        client.post(f"/v/{card.token}", data=election.full_ballot("dissatisfied"))
    wall = client.get(f"/screen/{election.box.meeting_id}/turnout")
    assert wall.status_code == 200 and election.box.state == "open"
    page = wall.get_data(as_text=True)
    assert "已签到 / 受邀 6 人" in page and ">4</span>" in page and ">3</span>" in page
    assert 'http-equiv="refresh"' in page
    for word in ("满意", "不了解", "代表0", "代表5"):
        assert word not in page
    assert client.get("/screen/99999/turnout").status_code == 404
