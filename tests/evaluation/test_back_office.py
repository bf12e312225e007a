"""The joint office sets up the campaign: groups, departments and their order, venues,
meetings and accounts. Bad input gets a Chinese message next to the form and changes nothing."""

from evaluation.campaign.models import Campaign, Department, Group, Meeting, Venue
from evaluation.core.models import AuditEvent, Role, User
from tests.conftest import assert_form_reshown


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.query(model).count()


def test_admin_creates_a_campaign_when_there_is_none(client, login_as, db):
    login_as(Role.ADMIN)
    assert "还没有年度活动" in client.get("/office/admin").get_data(as_text=True)
    response = client.post(
        "/office/campaign/new",
        data={
            "year": "2027",
            "title": "2027年度三民活动",
            "slot_minutes": "10",
            "progress_report_day": "3",
            "appeal_working_days": "5",
            "reporting_starts": "2027-11-22",
            "handling_starts": "2027-12-13",
        },
    )
    assert response.status_code == 302
    campaign = db.session.query(Campaign).one()
    assert (campaign.year, campaign.phase, campaign.slot_minutes) == (2027, "preparation", 10)


def test_phase_dates_out_of_order_are_refused(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    response = client.post(
        "/office/campaign/edit",
        data={
            "year": "2026",
            "title": "改名",
            "slot_minutes": "10",
            "progress_report_day": "3",
            "appeal_working_days": "5",
            "reporting_starts": "2026-12-20",
            "handling_starts": "2026-12-01",
        },
    )
    assert response.status_code == 400
    assert "按先后顺序" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Campaign).one().title != "改名"


def test_a_group_number_can_be_used_once(client, factory, login_as, db):
    campaign = factory.campaign()
    factory.group(campaign, 1)
    login_as(Role.ADMIN)
    response = client.post("/office/groups/new", data={"number": "1", "name": "重复组"})
    assert response.status_code == 409
    assert "第 1 组已经存在" in response.get_data(as_text=True)
    assert _count(db, Group) == 1


def test_a_new_department_goes_last_in_its_group_and_can_be_moved(client, factory, login_as, db):
    campaign = factory.campaign()
    group = factory.group(campaign, 1)
    factory.department(campaign, "A", group)
    factory.department(campaign, "B", group)
    login_as(Role.ADMIN)
    response = client.post(
        "/office/departments/new",
        data={
            "code": "C",
            "name": "市C局",
            "short_name": "C局",
            "evaluation_mode": "public",
            "group_id": str(group.id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [d.code for d in db.session.get(Group, group.id).departments] == ["A", "B", "C"]
    c = db.session.query(Department).filter_by(code="C").one()
    assert (
        client.post(f"/office/departments/{c.id}/move", data={"direction": "up"}).status_code == 302
    )
    db.session.expire_all()
    assert [d.code for d in db.session.get(Group, group.id).departments] == ["A", "C", "B"]
    assert [d.order_in_group for d in db.session.get(Group, group.id).departments] == [1, 2, 3]


def test_moving_a_department_to_another_group_renumbers_both(client, factory, login_as, db):
    campaign = factory.campaign()
    g1, g2 = factory.group(campaign, 1), factory.group(campaign, 2)
    a = factory.department(campaign, "A", g1)
    factory.department(campaign, "B", g1)
    factory.department(campaign, "X", g2)
    login_as(Role.ADMIN)
    response = client.post(
        f"/office/departments/{a.id}/edit",
        data={
            "code": "A",
            "name": "市A局",
            "short_name": "A局",
            "evaluation_mode": "public",
            "group_id": str(g2.id),
            "order_in_group": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [(d.code, d.order_in_group) for d in db.session.get(Group, g1.id).departments] == [
        ("B", 1)
    ]
    assert [(d.code, d.order_in_group) for d in db.session.get(Group, g2.id).departments] == [
        ("A", 1),
        ("X", 2),
    ]
    assert db.session.query(AuditEvent).filter_by(action="department.update").count() == 1


def test_department_refusals_change_nothing(client, factory, login_as, db):
    campaign = factory.campaign()
    group = factory.group(campaign, 1)
    factory.department(campaign, "A", group)
    login_as(Role.ADMIN)
    base = {"name": "市新局", "short_name": "新局", "evaluation_mode": "public"}
    duplicate = client.post(
        "/office/departments/new", data={**base, "code": "A", "group_id": str(group.id)}
    )
    assert_form_reshown(duplicate, "已被使用", status=409)
    no_group = client.post("/office/departments/new", data={**base, "code": "N", "group_id": "0"})
    assert_form_reshown(no_group, "必须选择述职组", status=400)
    empty = client.post("/office/departments/new", data={"code": "", "evaluation_mode": "public"})
    assert_form_reshown(empty, "此项为必填项", status=400)
    bad_move = client.post("/office/departments/1/move", data={"direction": "sideways"})
    assert bad_move.status_code == 400
    missing = client.get("/office/departments/999/edit")
    assert missing.status_code == 404 and "找不到该记录" in missing.get_data(as_text=True)
    assert _count(db, Department) == 1


def test_venue_rules(client, factory, login_as, db):
    campaign = factory.campaign()
    factory.venue(campaign)
    login_as(Role.ADMIN)
    second_main = client.post(
        "/office/venues/new", data={"kind": "main", "name": "第二主会场", "capacity": "100"}
    )
    assert_form_reshown(second_main, "只能有一个市级主会场", status=409)
    zero = client.post(
        "/office/venues/new", data={"kind": "district", "name": "市南区分会场", "capacity": "0"}
    )
    assert_form_reshown(zero, "座位数应在", status=400)
    ok = client.post(
        "/office/venues/new",
        data={"kind": "district", "name": "市南区分会场", "district": "市南区", "capacity": "200"},
    )
    assert ok.status_code == 302
    assert _count(db, Venue) == 2


def test_meetings_give_each_department_a_slot_of_the_campaign_length(client, factory, login_as, db):
    campaign = factory.campaign()
    campaign.slot_minutes = 15
    group = factory.group(campaign, 1)
    for code in "ABC":
        factory.department(campaign, code, group)
    login_as(Role.ADMIN)
    response = client.post(
        "/office/meetings/new",
        data={"group_id": str(group.id), "date": "2026-11-24", "starts_at": "14:00"},
    )
    assert response.status_code == 302
    page = client.get("/office/meetings").get_data(as_text=True)
    assert "14:00–14:15" in page and "14:30–14:45" in page and "14:00–14:45" in page
    again = client.post(
        "/office/meetings/new",
        data={"group_id": str(group.id), "date": "2026-11-25", "starts_at": "09:00"},
    )
    assert_form_reshown(again, "已经安排了述职评议会", status=409)
    assert _count(db, Meeting) == 1


def test_accounts_need_their_unit_and_a_password(client, factory, login_as, db):
    campaign = factory.campaign()
    venue = factory.venue(campaign)
    admin = login_as(Role.ADMIN)
    no_venue = client.post(
        "/office/users/new",
        data={
            "username": "staff1",
            "role": "venue_staff",
            "venue_id": "0",
            "department_id": "0",
            "password": "a-long-password",
            "active": "y",
        },
    )
    assert_form_reshown(no_venue, "必须选择所属会场", status=400)
    no_password = client.post(
        "/office/users/new",
        data={
            "username": "staff1",
            "role": "venue_staff",
            "venue_id": str(venue.id),
            "department_id": "0",
            "active": "y",
        },
    )
    assert_form_reshown(no_password, "必须设置密码", status=400)
    short = client.post(
        "/office/users/new",
        data={
            "username": "staff1",
            "role": "venue_staff",
            "venue_id": str(venue.id),
            "department_id": "0",
            "password": "short",
            "active": "y",
        },
    )
    assert_form_reshown(short, "至少 10 个字符", status=400)
    assert _count(db, User) == 1
    ok = client.post(
        "/office/users/new",
        data={
            "username": "staff1",
            "role": "venue_staff",
            "venue_id": str(venue.id),
            "department_id": "0",
            "password": "a-long-password",
            "active": "y",
        },
    )
    assert ok.status_code == 302
    staff = db.session.query(User).filter_by(username="staff1").one()
    assert staff.venue_id == venue.id and staff.check_password("a-long-password")
    assert "a-long-password" not in staff.password_hash
    demote_self = client.post(
        f"/office/users/{admin.id}/edit",
        data={
            "username": admin.username,
            "role": "reviewer",
            "venue_id": "0",
            "department_id": "0",
        },
    )
    assert_form_reshown(demote_self, "不能停用自己的账号", status=400)


def test_a_new_account_starts_with_the_least_powerful_role(client, factory, login_as):
    factory.campaign()
    login_as(Role.ADMIN)
    page = client.get("/office/users/new").get_data(as_text=True)
    assert '<option selected value="reviewer">' in page
    assert '<option selected value="admin">' not in page
