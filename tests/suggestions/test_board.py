"""The public board, unit statistics, the API, and that no personal data ever leaks."""

import datetime as dt
import re

import pytest

from evaluation.core.clock import beijing_today
from evaluation.core.models import Role
from suggestions import handling, tracking
from suggestions import selection as selections
from suggestions.board import Filters, WarningLevel, board, unit_statistics, warning_bounds
from suggestions.models import RejectReason, ReplyCategory, Satisfaction, Status, Urgency
from suggestions.selection_models import NomineeKind
from tests.suggestions.conftest import NAME, PHONE

D = dt.date
REPLY = "已经安排专人负责，本月内完成整改并向社会公布。"


def _handle(db, world, unit, assigned, answered=None, rating=None):
    suggestion = world.real_name(db)
    handling.assign(db.session, suggestion, unit.id, [], Urgency.NORMAL, "admin", assigned)
    if answered:
        reply = handling.save_reply(
            db.session, suggestion, unit, REPLY, True, "l", ReplyCategory.ADOPTED
        )
        handling.approve_reply(db.session, reply, "admin", answered)
        if rating:
            tracking.give_feedback(db.session, suggestion, rating, answered, reason="没有说明时间")
    db.session.commit()
    return suggestion


def test_unit_statistics_add_up_by_hand(db, world):
    a, b, _c = world.units
    _handle(db, world, a, D(2026, 11, 23), D(2026, 11, 24), Satisfaction.SATISFIED)  # 1 day
    _handle(db, world, a, D(2026, 11, 23), D(2026, 11, 26), Satisfaction.BASICALLY_SATISFIED)
    _handle(db, world, a, D(2026, 11, 23), D(2026, 12, 2))  # 7 days, late
    _handle(db, world, a, D(2026, 11, 2))  # open and overdue
    _handle(db, world, b, D(2026, 11, 23), D(2026, 11, 25), Satisfaction.DISSATISFIED)
    handling.reject(db.session, world.real_name(db), RejectReason.SPAM, "", "admin")
    db.session.commit()
    bounds = warning_bounds(db.session, D(2026, 11, 25))
    stats = {s.code: s for s in unit_statistics(db.session, world.campaign, bounds)}
    assert set(stats) == {"A", "B"}
    a_stats = stats["A"]
    assert (a_stats.received, a_stats.answered, a_stats.on_time) == (4, 3, 2)
    assert a_stats.on_time_rate == 2 / 3 and a_stats.median_working_days == 3.0
    assert (a_stats.open, a_stats.overdue) == (1, 1)
    assert a_stats.feedback == {"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 0}
    assert a_stats.satisfaction_rate == 1.0
    b_stats = stats["B"]  # the dissatisfied citizen reopened it: still counted as answered once
    assert (b_stats.received, b_stats.answered, b_stats.open) == (1, 1, 1)
    assert b_stats.satisfaction_rate == 0.0


def test_board_filters_and_pages(db, world, client):
    a, b, _c = world.units
    # The board warns against today's date: A's items are fresh, B's is a month overdue.
    today = beijing_today()
    for _ in range(23):
        _handle(db, world, a, today)
    _handle(db, world, b, today - dt.timedelta(days=30))
    handling.reject(db.session, world.real_name(db), RejectReason.SPAM, "", "admin")
    db.session.commit()
    everything = board(db.session, world.campaign, Filters())
    assert (everything.total, everything.pages, len(everything.items)) == (24, 2, 20)
    assert board(db.session, world.campaign, Filters(unit="B")).total == 1
    assert board(db.session, world.campaign, Filters(status=Status.RECEIVED)).total == 0
    second = client.get("/suggestions/?unit=A&page=2").get_data(as_text=True)
    assert second.count('class="suggestion"') == 3
    red = client.get("/suggestions/?warning=red").get_data(as_text=True)
    assert red.count('class="suggestion"') == 1
    api = client.get("/api/v1/suggestions?warning=red").get_json()
    assert api["total"] == 1 and api["suggestions"][0]["lead_unit"] == "B"


def test_bad_filters_are_a_400_in_chinese(client, world):
    for query in ("status=nope", "warning=purple", "category=x", "page=x"):
        response = client.get(f"/suggestions/?{query}")
        assert response.status_code == 400, query
        assert "不正确" in response.get_data(as_text=True)
        assert client.get(f"/api/v1/suggestions?{query}").status_code == 400


def _select(db, factory, world, suggestion):
    """Nominate, score, close and finalise: the suggestion is on the public outstanding list."""
    chosen = selections.selection_of(db.session, world.campaign, NomineeKind.SUGGESTION)
    nominee = selections.nominate(db.session, chosen, "admin", suggestion=suggestion)
    scores = {"value": "9", "feasibility": "8", "adoption": "7"}
    selections.score(db.session, nominee, factory.user(Role.REVIEWER), scores)
    selections.close_scoring(db.session, chosen, "admin")
    selections.finalise(db.session, chosen, 1, "admin")
    db.session.commit()


def test_no_name_or_phone_on_any_public_page_or_api_response(db, world, client, factory):
    answered = _handle(db, world, world.units[0], D(2026, 11, 23), D(2026, 11, 24))
    typed = world.receive(db, text=f"我叫{NAME[:2]}，电话 {PHONE}，建议增加公交线路和班次。")
    handling.assign(db.session, typed, world.units[0].id, [], Urgency.NORMAL, "admin")
    answered.name_consent = False
    _select(db, factory, world, answered)
    pages = [
        "/suggestions/",
        "/suggestions/units",
        "/suggestions/outstanding",
        "/api/v1/suggestions",
        "/api/v1/units/stats",
        "/api/v1/openapi.json",
        *(f"/suggestions/{n}" for n in range(1, 4)),
    ]
    for url in pages:
        text = client.get(url).get_data(as_text=True)
        assert PHONE not in text and NAME not in text, url
        assert answered.tracking_code not in text, url
    # A phone typed into the text itself is masked on public pages.
    assert "139****5678" in client.get("/suggestions/2").get_data(as_text=True)


def test_outstanding_list_shows_a_name_only_with_consent(db, world, client, factory):
    answered = _handle(db, world, world.units[0], D(2026, 11, 23), D(2026, 11, 24))
    answered.name_consent = True  # ticked on the form
    _select(db, factory, world, answered)
    page = client.get("/suggestions/outstanding").get_data(as_text=True)
    assert NAME in page and f"No.{answered.id}" in page


def test_office_lists_mask_contact_details_for_units(db, world, client, login_as):
    _handle(db, world, world.units[0], D(2026, 11, 23))
    login_as(Role.DEPARTMENT, department=world.units[0])
    text = client.get("/office/suggestions/").get_data(as_text=True)
    assert PHONE not in text and NAME not in text


def test_a_department_and_a_reviewer_see_typed_numbers_masked_the_office_does_not(
    db, world, client, login_as
):
    item = world.real_name(db, text="建议延长办事大厅时间，我的电话 138 1234 5678。")
    handling.assign(db.session, item, world.units[0].id, [], Urgency.NORMAL, "admin")
    chosen = selections.selection_of(db.session, world.campaign, NomineeKind.SUGGESTION)
    selections.nominate(db.session, chosen, "admin", suggestion=item)
    db.session.commit()
    login_as(Role.DEPARTMENT, department=world.units[0])
    page = client.get(f"/office/suggestions/{item.id}").get_data(as_text=True)
    assert "138****5678" in page and "1234 5678" not in page
    login_as(Role.REVIEWER)
    page = client.get("/office/suggestions/selection/suggestion").get_data(as_text=True)
    assert "138****5678" in page and "1234 5678" not in page
    login_as(Role.ADMIN)
    page = client.get(f"/office/suggestions/{item.id}").get_data(as_text=True)
    assert "138 1234 5678" in page  # the office reads what was written, to call back


def test_median_from_counts_agrees_with_statistics_median():
    import random
    import statistics
    from collections import Counter

    from suggestions.board import median_of_counts

    rng = random.Random(7)
    assert median_of_counts({}) is None
    for size in (1, 2, 3, 10, 101):
        values = [rng.randint(0, 12) for _ in range(size)]
        assert median_of_counts(Counter(values)) == statistics.median(values)


def test_merged_duplicates_are_filtered_by_their_survivors_status_unit_and_warning(db, world):
    survivor = _handle(db, world, world.units[1], D(2026, 11, 2))  # open, overdue, unit B
    duplicate = world.real_name(db)
    handling.merge(db.session, duplicate, survivor, "admin")
    db.session.commit()
    bounds = warning_bounds(db.session, D(2026, 11, 25))

    def ids(**filters):
        page = board(db.session, world.campaign, Filters(**filters), bounds=bounds)
        return {s.id for s in page.items}

    both = {survivor.id, duplicate.id}
    assert ids(status=Status.ASSIGNED) == both
    assert ids(unit="B") == both
    assert ids(warning=WarningLevel.RED) == both
    assert ids(status=Status.MERGED) == {duplicate.id}
    assert ids(status=Status.ANSWERED) == set()


def test_a_suggestion_is_public_only_after_triage(db, world, client, login_as):
    fresh = world.receive(db, text="建议在地铁站增设自行车停放点，方便换乘。")
    assert client.get(f"/suggestions/{fresh.id}").status_code == 404
    assert f"No.{fresh.id}" not in client.get("/suggestions/").get_data(as_text=True)
    assert all(
        s["id"] != fresh.id for s in client.get("/api/v1/suggestions").get_json()["suggestions"]
    )
    tracked = client.post("/suggestions/track", data={"code": fresh.tracking_code})
    assert "审核后会在公开督办页面公开" in tracked.get_data(as_text=True)
    login_as(Role.ADMIN)  # the office's triage queue has it
    assert f"No.{fresh.id}" in client.get("/office/suggestions/").get_data(as_text=True)
    client.post("/logout")
    handling.assign(db.session, fresh, world.units[0].id, [], Urgency.NORMAL, "admin")
    db.session.commit()
    assert client.get(f"/suggestions/{fresh.id}").status_code == 200


@pytest.mark.parametrize(
    ("typed", "hidden"),
    [
        ("电话 138 1234 5678", "1234"),
        ("电话139-8765-4321", "8765"),
        ("电话１３９８７６５４３２１", "８７６５"),
        ("身份证370202199001011234", "19900101"),
        ("卡号6222 0212 3456 7890 123", "0212 3456"),
        ("邮箱 zhang.san@example.com", "zhang.san"),
    ],
)
def test_personal_numbers_are_masked_however_they_are_typed(db, world, client, typed, hidden):
    item = world.receive(db, text=f"建议改进窗口服务。{typed}，请回电。")
    handling.assign(db.session, item, world.units[0].id, [], Urgency.NORMAL, "admin")
    db.session.commit()
    page = client.get(f"/suggestions/{item.id}").get_data(as_text=True)
    api = client.get("/api/v1/suggestions").get_data(as_text=True)
    assert "建议改进窗口服务" in page
    assert hidden not in page and hidden not in api


def test_the_board_finds_a_number_or_words_but_never_a_masked_phone_number(
    db, world, client, login_as
):
    a = world.units[0]
    parking = world.real_name(db, text="学校门口停车难，请联系我 13912345678。")
    handling.assign(db.session, parking, a.id, [], Urgency.NORMAL, "admin", beijing_today())
    bus = world.real_name(db, text="建议增开早高峰公交班次。")
    handling.assign(db.session, bus, a.id, [], Urgency.NORMAL, "admin", beijing_today())
    db.session.commit()

    def found(q: str) -> set[int]:
        page = client.get("/suggestions/", query_string={"q": q}).get_data(as_text=True)
        return {int(n) for n in re.findall(r'href="/suggestions/(\d+)"', page)}

    assert found(f"No.{bus.id}") == {bus.id} and found(f"#{parking.id}") == {parking.id}
    assert found("停车 学校") == {parking.id}  # every word
    assert found("13912345678") == set() and found("1391234") == set()  # masked on the board
    api = client.get("/api/v1/suggestions", query_string={"q": "公交"}).get_json()
    assert [s["id"] for s in api["suggestions"]] == [bus.id]
    assert found("²") == set() and found("١٢") == set()  # digits of other scripts: no number
    too_long = client.get("/suggestions/", query_string={"q": "长" * 51})
    assert too_long.status_code == 400 and "搜索词最多 50 个字" in too_long.text
    login_as(Role.ADMIN)  # the office searches the full text
    office = client.get("/office/suggestions/", query_string={"q": "13912345678"}).text
    assert f"No.{parking.id}" in office[office.index("全部意见建议") :]
