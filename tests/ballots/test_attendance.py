"""Attendance: the venue's representative list, who came, per category, apart from voting."""

import io

from sqlalchemy import inspect

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


def test_staff_import_the_list_mark_who_came_and_see_it_per_category(
    client, election, login_as, db
):
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    assert _upload(client, election.box.id, REPRESENTATIVES_CSV).status_code == 302
    assert _upload(client, election.box.id, REPRESENTATIVES_CSV).status_code == 302  # no doubles
    people = {p.name: p for p in db.session.query(Representative)}
    assert len(people) == 4
    response = client.post(
        f"/office/ballots/{election.box.id}/attendance/mark",
        data={"present": [people["张伟"].id, people["王芳"].id]},
    )
    assert response.status_code == 302
    page = client.get(f"/office/ballots/{election.box.id}/attendance").get_data(as_text=True)
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


def test_marking_someone_from_another_list_is_refused(client, election, login_as, db):
    login_as(Role.VENUE_STAFF, venue=election.box.venue)
    _upload(client, election.box.id, REPRESENTATIVES_CSV)
    response = client.post(
        f"/office/ballots/{election.box.id}/attendance/mark", data={"present": ["99999"]}
    )
    assert response.status_code == 400
    assert db.session.query(Representative).filter_by(attended=True).count() == 0


def test_attendance_is_never_linked_to_cards_or_ballots(app, db):
    inspector = inspect(db.engine)
    referenced = {fk["referred_table"] for fk in inspector.get_foreign_keys("representative")}
    assert referenced == {"meeting", "venue", "candidate"}  # the person, never a card
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("candidate")} == {"campaign"}
    for table in ("representative", "candidate"):
        columns = " ".join(c["name"] for c in inspector.get_columns(table))
        assert not any(word in columns for word in ("card", "token", "ballot", "box", "receipt"))
