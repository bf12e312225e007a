"""Invariant 6: each role sees and changes only what is its own.

ROUTES classifies every route of the app. A route missing here fails the test until someone
decides who may use it.
"""

import pytest

from ballots.models import BallotBox
from evaluation.campaign.models import Phase
from evaluation.core.models import Role

A, D, V, S, T, R = (
    Role.ADMIN,
    Role.DEPARTMENT,
    Role.VENUE_STAFF,
    Role.SUPERVISION,
    Role.STATISTICS,
    Role.REVIEWER,
)
PUBLIC = "public"
ANY_LOGGED_IN = (A, D, V, S, T, R)

# endpoint -> who may use it
ROUTES = {
    "static": PUBLIC,
    "public.home": PUBLIC,
    "public.healthz": PUBLIC,
    "public.switch_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ANY_LOGGED_IN,
    "desk.home": ANY_LOGGED_IN,
    "desk.admin_home": (A,),
    "office.campaign_new": (A,),
    "office.campaign_edit": (A,),
    "office.campaign_phase": (A,),
    "office.groups": (A,),
    "office.group_edit": (A,),
    "office.departments": (A,),
    "office.department_edit": (A,),
    "office.department_move": (A,),
    "office.venues": (A,),
    "office.venue_edit": (A,),
    "office.import_file": (A,),
    "office.meetings": (A,),
    "office.meeting_edit": (A,),
    "office.users": (A,),
    "office.user_edit": (A,),
    "desk.audit_log": (A, S),
    "desk.department_home": (D,),
    "desk.venue_home": (V,),
    "desk.supervision_home": (S,),
    "desk.statistics_home": (T,),
    "desk.reviewer_home": (R,),
    "ballots.vote": PUBLIC,
    "ballots.box_records": PUBLIC,
    "ballots.box_receipts": PUBLIC,
    "ballots.index": PUBLIC,
    "ballots.box_minutes": PUBLIC,
    "ballots.box_minutes_scan": PUBLIC,
    "api.boxes": PUBLIC,
    "ballots_office.keys": (A, S, T),
    "ballots_office.confirm": (A, V, S),
    "ballots_office.minutes_scan": (A, V, S),
    "ballots_office.withdraw": (A, S),
    "ballots_office.approve_cards": (S,),
    "ballots_office.turnout": (A, V, S),
    "ballots_office.setup": (A,),
    "ballots_office.box": (A, V, S),
    "ballots_office.box_state": (A, V, S),
    "ballots_office.cards": (A, V),
    "ballots_office.void": (A, V),
    "ballots_office.paper": (A, V),
    "ballots_office.paper_conflicts": (A, S),
    "ballots_office.resolve": (A, S),
    "ballots_office.attendance": (A, V, S),
    "ballots_office.attendance_import": (A, V),
    "ballots_office.attendance_mark": (A, V),
    "reports.department": PUBLIC,
    "reports.attachment": PUBLIC,
    "reports.screen": PUBLIC,
    "api.departments": PUBLIC,
    "api.department_report": PUBLIC,
    "api.openapi": PUBLIC,
    "reports_office.edit": (D,),
    "reports_office.submit_mine": (D,),
    "reports_office.attach": (D,),
    "reports_office.detach": (D,),
    "reports_office.overview": (A,),
    "reports_office.review": (A,),
    "reports_office.decide": (A,),
    "reports_office.move_screen": (A,),
    "results.results": PUBLIC,
    "results.department": PUBLIC,
    "results.export": PUBLIC,
    "api.results": PUBLIC,
    "results_office.overview": (T, S, A),
    "results_office.preview": (T, S, A),
    "results_office.export_run": (T, S, A),
    "results_office.decide": (T, S, A),  # each action checks its own role: see test_results
    "results_office.save_scheme": (A,),
    "results_office.tally": (T,),
    "results_office.questionnaire_preview": (T, S, A),
    "suggestions.new": PUBLIC,
    "suggestions.track": PUBLIC,
    "suggestions.index": PUBLIC,
    "suggestions.detail": PUBLIC,
    "suggestions.units": PUBLIC,
    "suggestions.outstanding": PUBLIC,
    "api.suggestions": PUBLIC,
    "api.unit_stats": PUBLIC,
    "suggestions_office.overview": (A, D),
    "suggestions_office.entry": (V, D),
    "suggestions_office.import_comments": (A,),
    "suggestions_office.item": (A, D),  # a unit only its own items: see tests/suggestions
    "suggestions_office.assign": (A,),
    "suggestions_office.merge": (A,),
    "suggestions_office.reject": (A,),
    "suggestions_office.nominate": (A,),
    "suggestions_office.reply": (D,),
    "suggestions_office.ask": (D,),
    "suggestions_office.review_reply": (A,),
    "suggestions_office.decide": (A,),
    "suggestions_office.settings": (A,),
    "suggestions_office.selection": (A, R),
    "questionnaires.start": PUBLIC,
    "questionnaires.answer": PUBLIC,
    "questionnaires.online": PUBLIC,
    "api.questionnaires": PUBLIC,
    "api.questionnaire": PUBLIC,
    "results.questionnaire": PUBLIC,
    "results.questionnaire_export": PUBLIC,
    "results.questionnaire_records": PUBLIC,
    "questionnaires_office.index": (A, T),
    "questionnaires_office.edit": (A, T),
    "questionnaires_office.preview": (A, T),
    "questionnaires_office.texts": (A, T),
    "questionnaires_office.new": (A,),
    "questionnaires_office.intro": (A,),
    "questionnaires_office.add_section": (A,),
    "questionnaires_office.add_question": (A,),
    "questionnaires_office.edit_question": (A,),
    "questionnaires_office.move_question": (A,),
    "questionnaires_office.delete_question": (A,),
    "questionnaires_office.move": (A,),
    "questionnaires_office.online_switch": (A,),
    "questionnaires_office.version": (A,),
    "questionnaires_office.route_text": (A,),
}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "classify the new routes in ROUTES"
    assert set(ROUTES) - endpoints == set(), "ROUTES names routes that no longer exist"


@pytest.fixture
def world(factory, db):
    campaign = factory.campaign(phase=Phase.PREPARATION)
    group = factory.group(campaign)
    department = factory.department(campaign, "A", group)
    venue = factory.venue(campaign)
    meeting = factory.meeting(group)
    user = factory.user(Role.ADMIN)
    box = BallotBox(campaign=campaign, meeting=meeting, venue=venue)  # venue staff's own box
    db.session.add(box)
    db.session.commit()
    return {
        "group_id": group.id,
        "department_id": department.id,
        "venue_id": venue.id,
        "meeting_id": meeting.id,
        "user_id": user.id,
        "kind": "departments",
        "code": "en",
        "filename": "style.css",
        "box_id": box.id,
        "token": "no-such-card",
        "entry_id": 1,
        "version_id": 1,
        "attachment_id": 1,
        "action": "approve",
        "run_id": 1,
        "fmt": "csv",
        "suggestion_id": 1,
        "reply_id": 1,
        "request_id": 1,
        "questionnaire_id": 1,
        "question_id": 1,
        "pass_token": "no-such-link",
        "target": "open",
        "switch": "on",
        "direction": "up",
        "text_id": "no-such-answer",
    }


def _requests(app, world):
    """One request per rule and method, with real ids filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "public.switch_language"):
            continue
        url = rule.build({k: world[k] for k in rule.arguments}, append_unknown=False)[1]
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, method, url


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_anonymous_visitors_reach_only_public_routes(app, client, world):
    for endpoint, method, url in _requests(app, world):
        response = client.open(url, method=method)
        if ROUTES[endpoint] == PUBLIC:
            assert not _is_login_redirect(response), url
            assert response.status_code < 500, url
        else:
            assert _is_login_redirect(response), f"{method} {url} answered {response.status_code}"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_its_routes_and_is_refused_elsewhere(app, client, login_as, world, role):
    login_as(role)
    for endpoint, method, url in _requests(app, world):
        if endpoint == "auth.logout":
            continue  # would end the session the rest of the walk needs
        response = client.open(url, method=method)
        allowed = ROUTES[endpoint] == PUBLIC or role in ROUTES[endpoint]
        assert response.status_code < 500, f"{role} {method} {url}"
        if allowed:
            assert response.status_code != 403, f"{role} refused {method} {url}"
            assert not _is_login_redirect(response)
        else:
            assert response.status_code == 403, f"{role} reached {method} {url}"
            assert "没有权限" in response.get_data(as_text=True)
