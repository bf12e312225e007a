"""Intake from every channel, routing proposals, and refusals that change nothing."""

import pytest
from sqlalchemy import func, select

from ballots.models import BallotComment, BoxState
from evaluation.campaign.models import Phase
from evaluation.core.models import Role
from suggestions import routing, services
from suggestions.models import Channel, Status, Suggestion
from tests.conftest import assert_form_reshown
from tests.suggestions.conftest import NAME, PHONE, TEXT


def _count(db) -> int:
    return db.session.execute(select(func.count()).select_from(Suggestion)).scalar_one()


def _form(world, **values):
    form = {
        "identity": "real",
        "author_name": NAME,
        "author_phone": "139 1234 5678",
        "category": str(world.categories[1].id),
        "target_unit": "",
        "text": TEXT,
        "name_consent": "y",
        "website": "",
    }
    form.update(values)
    return form


def test_online_real_name_suggestion_gets_a_tracking_code_and_a_proposed_unit(client, db, world):
    response = client.post("/suggestions/new", data=_form(world))
    assert response.status_code == 200
    suggestion = db.session.execute(select(Suggestion)).scalar_one()
    page = response.get_data(as_text=True)
    assert suggestion.tracking_code in page and "提交成功" in page
    assert suggestion.channel == Channel.ONLINE and suggestion.status == Status.RECEIVED
    assert (suggestion.author_name, suggestion.author_phone) == (NAME, PHONE)
    assert suggestion.name_consent is True
    assert suggestion.proposed_unit_id == world.units[1].id  # the rule's keyword 停车


def test_online_anonymous_suggestion_keeps_no_identity_even_if_typed(client, db, world):
    data = _form(world, identity="anonymous", author_phone="12345")  # typed, then left
    response = client.post("/suggestions/new", data=data)
    assert response.status_code == 200
    suggestion = db.session.execute(select(Suggestion)).scalar_one()
    assert suggestion.author_name is None and suggestion.author_phone is None
    assert suggestion.name_consent is False


def test_paper_suggestion_is_entered_by_venue_staff_with_their_venue(client, db, login_as, world):
    staff = login_as(Role.VENUE_STAFF, venue=world.venue)
    response = client.post(
        "/office/suggestions/new",
        data={"text": "会场座位太挤，建议明年增加分会场的座位并改善音响。", "category": ""},
    )
    assert response.status_code == 302
    suggestion = db.session.execute(select(Suggestion)).scalar_one()
    assert suggestion.channel == Channel.PAPER and suggestion.venue_id == world.venue.id
    assert suggestion.entered_by == staff.username
    # The citizen who handed in the paper can follow it: staff see the code to pass on.
    next_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert suggestion.tracking_code in next_page


def test_visit_record_is_entered_by_the_department_and_proposed_to_it(client, db, login_as, world):
    login_as(Role.DEPARTMENT, department=world.units[2])
    response = client.post(
        "/office/suggestions/new",
        data={
            "visited": "deputy",
            "text": "代表提出：建议加快农村公路改造，解决群众出行难。",
            "author_name": "李代表",
        },
    )
    assert response.status_code == 302
    suggestion = db.session.execute(select(Suggestion)).scalar_one()
    assert suggestion.channel == Channel.VISIT and suggestion.visited == "deputy"
    assert suggestion.proposed_unit_id == world.units[2].id


def test_ballot_comments_of_sealed_boxes_arrive_once_without_identity(db, factory, world):
    from ballots.models import BallotBox

    meeting = factory.meeting(world.units[0].group)
    box = BallotBox(
        campaign=world.campaign, meeting=meeting, venue=world.venue, state=BoxState.CLOSED.value
    )
    db.session.add(box)
    db.session.flush()
    db.session.add_all(
        [
            BallotComment(
                id="c1", box_id=box.id, department_id=world.units[0].id, text="办事效率还要提高"
            ),
            BallotComment(id="c2", box_id=box.id, department_id=world.units[1].id, text="好"),
        ]
    )
    db.session.commit()
    assert services.import_ballot_comments(db.session, world.campaign, "admin") == 0  # not sealed
    box.state = BoxState.SEALED.value
    assert services.import_ballot_comments(db.session, world.campaign, "admin") == 1
    assert services.import_ballot_comments(db.session, world.campaign, "admin") == 0
    suggestion = db.session.execute(select(Suggestion)).scalar_one()
    assert suggestion.channel == Channel.BALLOT
    assert suggestion.author_name is None and suggestion.author_phone is None
    assert suggestion.proposed_unit_id == world.units[0].id


def test_routing_prefers_the_named_unit_then_the_rule_with_most_keyword_hits(db, world):
    campaign, (a, b, c) = world.campaign, world.units
    routing.add_rule(db.session, campaign, world.categories[0].id, "公交 地铁", c.id, "test")
    routing.add_rule(db.session, campaign, None, "公交", a.id, "test")
    propose = routing.propose_unit
    assert propose(db.session, campaign, None, "公交和地铁换乘不便", None) == a
    assert propose(db.session, campaign, world.categories[0], "公交和地铁换乘不便", None) == c
    assert propose(db.session, campaign, world.categories[1], "公交太少", None) == a
    assert propose(db.session, campaign, None, "学校门口停车难", None) == b
    assert propose(db.session, campaign, None, "学校门口停车难", c) == c  # named by the citizen
    assert propose(db.session, campaign, None, "与规则无关的内容", None) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"author_phone": "1391234567"}, "手机号码"),
        ({"author_phone": "23912345678"}, "手机号码"),
        ({"author_phone": ""}, "必填"),
        ({"text": ""}, "必填"),
        ({"text": "太短"}, "请写"),
        ({"text": "长" * 2001}, "请写"),
        ({"category": "999999"}, "类别不存在"),
        ({"target_unit": "abc"}, ""),
    ],
)
def test_bad_input_is_refused_in_chinese_and_stores_nothing(client, db, world, values, message):
    response = client.post("/suggestions/new", data=_form(world, **values))
    assert 400 <= response.status_code < 500
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0


def test_the_honeypot_refuses_robots(client, db, world):
    response = client.post("/suggestions/new", data=_form(world, website="http://spam"))
    assert response.status_code == 400 and _count(db) == 0


def test_no_suggestions_once_the_campaign_is_closed(client, db, world):
    world.campaign.phase = Phase.CLOSED.value
    db.session.commit()
    response = client.post("/suggestions/new", data=_form(world))
    assert_form_reshown(response, "已结束", status=409)
    assert _count(db) == 0


def test_over_the_rate_limit_a_chinese_429(make_app, db, world):
    app = make_app(SUGGESTION_LIMIT="2 per hour")
    client = app.test_client()
    statuses = [client.post("/suggestions/new", data=_form(world)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    last = client.post("/suggestions/new", data=_form(world))
    assert "操作过于频繁" in last.get_data(as_text=True)


def test_guessing_tracking_codes_hits_a_limit_but_the_owner_does_not(make_app, db, world):
    suggestion = world.receive(db)
    client = make_app(TRACK_GUESS_LIMIT="3 per minute").test_client()
    for _ in range(5):  # looking up one's own suggestion never counts
        assert (
            client.post("/suggestions/track", data={"code": suggestion.tracking_code}).status_code
            == 200
        )
    wrong = [
        client.post("/suggestions/track", data={"code": "ABCDEFGHJK"}).status_code for _ in range(4)
    ]
    assert wrong == [404, 404, 404, 429]
