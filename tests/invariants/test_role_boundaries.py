"""Invariant 6: each role sees and changes only what is its own.

ROUTES names the capability each route of the app needs (or PUBLIC, or any signed-in user);
who holds a capability is read from the permissions module (`evaluation.core.permissions`),
the one place the rule is written. A route missing here fails the test until someone decides
who may use it.
"""

import pytest

from ballots.models import BallotBox
from evaluation.campaign.models import Phase
from evaluation.core.models import Role
from evaluation.core.permissions import GRANTS, Capability
from evaluation.core.permissions import Capability as C

A, D, V, S, T, R, Q = (
    Role.ADMIN,
    Role.DEPARTMENT,
    Role.VENUE_STAFF,
    Role.SUPERVISION,
    Role.STATISTICS,
    Role.REVIEWER,
    Role.DISTRICT,
)
PUBLIC = "public"
ANY_LOGGED_IN = (A, D, V, S, T, R, Q)

# endpoint -> the capability it needs
ROUTES = {
    "static": PUBLIC,
    "public.home": PUBLIC,
    "public.healthz": PUBLIC,
    "public.readyz": PUBLIC,
    "public.switch_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ANY_LOGGED_IN,
    "desk.home": ANY_LOGGED_IN,
    "desk.admin_home": C.ADMIN_DESK,
    "office.campaign_new": C.MANAGE_CAMPAIGN,
    "office.campaign_edit": C.MANAGE_CAMPAIGN,
    "office.campaign_phase": C.MANAGE_CAMPAIGN,
    "office.groups": C.MANAGE_CAMPAIGN,
    "office.group_edit": C.MANAGE_CAMPAIGN,
    "office.departments": C.MANAGE_CAMPAIGN,
    "office.department_edit": C.MANAGE_CAMPAIGN,
    "office.department_move": C.MANAGE_CAMPAIGN,
    "office.venues": C.MANAGE_CAMPAIGN,
    "office.venue_edit": C.MANAGE_CAMPAIGN,
    "office.import_file": C.MANAGE_CAMPAIGN,
    "office.meetings": C.MANAGE_CAMPAIGN,
    "office.meeting_edit": C.MANAGE_CAMPAIGN,
    "office.users": C.MANAGE_CAMPAIGN,
    "office.user_edit": C.MANAGE_CAMPAIGN,
    "desk.audit_log": C.READ_AUDIT_LOG,
    "desk.audit_csv": C.READ_AUDIT_LOG,
    "desk.verify_audit_log": C.READ_AUDIT_LOG,
    "desk.department_home": C.DEPARTMENT_DESK,
    "desk.venue_home": C.VENUE_DESK,
    "desk.supervision_home": C.SUPERVISION_DESK,
    "desk.statistics_home": C.STATISTICS_DESK,
    "desk.reviewer_home": C.REVIEWER_DESK,
    "desk.district_home": C.DISTRICT_DESK,
    "ballots.vote": PUBLIC,
    "ballots.box_records": PUBLIC,
    "ballots.box_receipts": PUBLIC,
    "ballots.index": PUBLIC,
    "ballots.box_minutes": PUBLIC,
    "ballots.box_minutes_scan": PUBLIC,
    "api.boxes": PUBLIC,
    "ballots_office.keys": C.HOLD_BALLOT_KEY,
    "ballots_office.confirm": C.WATCH_BOXES,
    "ballots_office.minutes_scan": C.WATCH_BOXES,
    "ballots_office.withdraw": C.REQUEST_BOX_WITHDRAWAL,
    "ballots_office.countersign_withdrawal": C.COUNTERSIGN_BOX_WITHDRAWAL,
    "ballots_office.approve_cards": C.APPROVE_EXTRA_CARDS,
    "ballots_office.turnout": C.WATCH_BOXES,
    "ballots_office.setup": C.SET_UP_BOXES,
    "ballots_office.box": C.WATCH_BOXES,
    "ballots_office.box_open": C.OPEN_AND_CLOSE_BOXES,
    "ballots_office.box_close": C.OPEN_AND_CLOSE_BOXES,
    "ballots_office.box_seal": C.SEAL_BOXES,
    "ballots_office.cards": C.ISSUE_CARDS,
    "ballots_office.void": C.ISSUE_CARDS,
    "ballots_office.prints": C.PRINT_CARD_RUNS,
    "ballots_office.print_meeting": C.PRINT_CARD_RUNS,
    "ballots_office.print_job": C.PRINT_CARD_RUNS,
    "ballots_office.print_restart": C.PRINT_CARD_RUNS,
    "ballots_office.print_download": C.PRINT_CARD_RUNS,
    "ballots_office.print_discard": C.PRINT_CARD_RUNS,
    "ballots_office.paper": C.ENTER_PAPER_BALLOTS,
    "ballots_office.paper_conflicts": C.RESOLVE_PAPER_CONFLICTS,
    "ballots_office.resolve": C.RESOLVE_PAPER_CONFLICTS,
    "ballots_office.attendance": C.WATCH_BOXES,
    "ballots_office.attendance_import": C.KEEP_ATTENDANCE,
    "ballots_office.attendance_check_in": C.KEEP_ATTENDANCE,
    "ballots_office.attendance_undo": C.KEEP_ATTENDANCE,
    "ballots_office.attendance_walk_in": C.KEEP_ATTENDANCE,
    "representatives_office.overview": C.MANAGE_REPRESENTATIVES,
    "representatives_office.roster_import": C.MANAGE_REPRESENTATIVES,
    "representatives_office.quotas_import": C.MANAGE_REPRESENTATIVES,
    "representatives_office.draw": C.MANAGE_REPRESENTATIVES,
    "representatives_office.export": C.MANAGE_REPRESENTATIVES,
    "representatives_office.letters": C.MANAGE_REPRESENTATIVES,
    "representatives_office.sms": C.MANAGE_REPRESENTATIVES,
    "representatives_office.review": C.REVIEW_DRAWN,
    "representatives_office.replace": C.REVIEW_DRAWN,
    "representatives_office.accept": C.REVIEW_DRAWN,
    "representatives_office.cancel": C.REVIEW_DRAWN,
    "reports.department": PUBLIC,
    "reports.attachment": PUBLIC,
    "reports.screen": PUBLIC,
    "ballots.turnout_wall": PUBLIC,
    "api.departments": PUBLIC,
    "api.department_report": PUBLIC,
    "api.openapi": PUBLIC,
    "reports_office.edit": C.EDIT_OWN_REPORT,
    "reports_office.attach": C.EDIT_OWN_REPORT,
    "reports_office.detach": C.EDIT_OWN_REPORT,
    "reports_office.overview": C.REVIEW_REPORTS,
    "reports_office.review": C.REVIEW_REPORTS,
    "reports_office.approve_version": C.REVIEW_REPORTS,
    "reports_office.return_version": C.REVIEW_REPORTS,
    "reports_office.publish_version": C.REVIEW_REPORTS,
    "reports_office.move_screen": C.MANAGE_CAMPAIGN,
    "results.results": PUBLIC,
    "results.department": PUBLIC,
    "results.export": PUBLIC,
    "api.results": PUBLIC,
    "results_office.overview": C.READ_RESULT_RUNS,
    "results_office.preview": C.READ_RESULT_RUNS,
    "results_office.export_run": C.READ_RESULT_RUNS,
    "results_office.sign": C.SIGN_RESULTS,
    "results_office.countersign_run": C.COUNTERSIGN_RESULTS,
    "results_office.release_run": C.RELEASE_RESULTS,
    "results_office.save_scheme": C.EDIT_SCORING_SCHEME,
    "results_office.tally": C.RUN_TALLY,
    "results_office.questionnaire_preview": C.READ_RESULT_RUNS,
    "suggestions.new": PUBLIC,
    "suggestions.track": PUBLIC,
    "suggestions.index": PUBLIC,
    "suggestions.detail": PUBLIC,
    "suggestions.units": PUBLIC,
    "suggestions.outstanding": PUBLIC,
    "api.suggestions": PUBLIC,
    "api.unit_stats": PUBLIC,
    "suggestions_office.overview": C.READ_SUGGESTIONS,
    "suggestions_office.entry": C.ENTER_SUGGESTIONS,
    "suggestions_office.import_comments": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.item": C.READ_SUGGESTIONS,  # a unit its own items: tests/suggestions
    "suggestions_office.assign": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.merge": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.reject": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.nominate": C.RUN_SELECTIONS,
    "suggestions_office.reply": C.HANDLE_SUGGESTIONS,
    "suggestions_office.ask": C.HANDLE_SUGGESTIONS,
    "suggestions_office.contact": C.HANDLE_SUGGESTIONS,
    "suggestions_office.detach_reply_file": C.HANDLE_SUGGESTIONS,
    "suggestions_office.office_reply_file": C.READ_SUGGESTIONS,
    "suggestions.reply_file": PUBLIC,
    "suggestions_office.review_reply": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.decide": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.settings": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.add_category": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.add_rule": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.remove_rule": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.add_day_off": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.remove_day_off": C.TRIAGE_SUGGESTIONS,
    "suggestions_office.selection": C.READ_SELECTIONS,
    "suggestions_office.score": C.SCORE_NOMINEES,
    "suggestions_office.nominate_unit": C.RUN_SELECTIONS,
    "suggestions_office.close_scoring": C.RUN_SELECTIONS,
    "suggestions_office.finalise": C.RUN_SELECTIONS,
    "questionnaires.start": PUBLIC,
    "questionnaires.answer": PUBLIC,
    "questionnaires.online": PUBLIC,
    "api.questionnaires": PUBLIC,
    "api.questionnaire": PUBLIC,
    "results.questionnaire": PUBLIC,
    "results.questionnaire_export": PUBLIC,
    "results.questionnaire_records": PUBLIC,
    "rectification.board": PUBLIC,
    "rectification.public_task": PUBLIC,
    "api.rectification_tasks": PUBLIC,
    "rectification_office.index": C.READ_TASKS,
    "rectification_office.new": C.OPEN_TASKS,
    "rectification_office.task": C.READ_TASKS,
    "rectification_office.approve": C.APPROVE_PLANS,
    "rectification_office.return_plan": C.APPROVE_PLANS,
    "rectification_office.check": C.CHECK_TASKS,
    "rectification_office.look_back": C.CHECK_TASKS,
    "rectification_office.mine": C.WORK_ON_OWN_TASKS,
    "rectification_office.own_task": C.WORK_ON_OWN_TASKS,
    "rectification_office.plan": C.WORK_ON_OWN_TASKS,
    "rectification_office.progress": C.WORK_ON_OWN_TASKS,
    "rectification_office.complete": C.WORK_ON_OWN_TASKS,
    "rectification_office.notices_page": C.ISSUE_NOTICES,
    "rectification_office.notice": C.READ_TASKS,
    "rectification_office.publish_notice": C.ISSUE_NOTICES,
    "rectification_office.talks": C.RECORD_TALKS,
    "rectification_office.discussions": C.HOLD_DISCUSSIONS,
    "rectification_office.discussion_page": C.READ_TASKS,
    "rectification_office.discussion_invite": C.HOLD_DISCUSSIONS,
    "rectification_office.discussion_minutes": C.HOLD_DISCUSSIONS,
    "rectification_office.discussion_follow_up": C.HOLD_DISCUSSIONS,
    "rectification.public_notice": PUBLIC,
    "rectification.evidence": PUBLIC,
    "rectification.notice_pdf": PUBLIC,
    "questionnaires_office.index": C.READ_QUESTIONNAIRES,
    "questionnaires_office.edit": C.READ_QUESTIONNAIRES,
    "questionnaires_office.preview": C.READ_QUESTIONNAIRES,
    "questionnaires_office.texts": C.READ_QUESTIONNAIRES,
    "questionnaires_office.new": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.intro": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.add_section": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.add_question": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.edit_question": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.move_question": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.delete_question": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.move": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.online_switch": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.version": C.BUILD_QUESTIONNAIRES,
    "questionnaires_office.route_text": C.TRIAGE_SUGGESTIONS,
    "assessment.public_plan": PUBLIC,
    "assessment.work_summary": PUBLIC,
    "assessment.work_summary_pdf": PUBLIC,
    "results_office.archive_page": C.KEEP_ARCHIVE,
    "results_office.code_change": C.KEEP_ARCHIVE,
    "results_office.appeal_mine": C.FILE_APPEALS,
    "results_office.appeal": C.READ_APPEALS,
    "results_office.appeal_propose": C.PROPOSE_APPEAL_DECISIONS,
    "results_office.appeal_decide": C.CONFIRM_APPEAL_DECISIONS,
    "results_office.appeal_file": C.READ_APPEALS,
    "assessment_office.overview": C.READ_ASSESSMENT,
    "assessment_office.plan": C.SET_ASSESSMENT_PLAN,
    "assessment_office.compute": C.RUN_TALLY,
    "assessment_office.run": C.READ_ASSESSMENT,
    "assessment_office.sign": C.SIGN_RESULTS,
    "assessment_office.countersign": C.COUNTERSIGN_RESULTS,
    "assessment_office.export": C.READ_ASSESSMENT,
}


def _allowed(endpoint: str) -> tuple[Role, ...] | str:
    needs = ROUTES[endpoint]
    return tuple(GRANTS[needs]) if isinstance(needs, Capability) else needs


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "classify the new routes in ROUTES"
    assert set(ROUTES) - endpoints == set(), "ROUTES names routes that no longer exist"


def test_each_route_declares_the_capability_it_is_classified_under(app):
    for endpoint, needs in ROUTES.items():
        if isinstance(needs, Capability):
            declared = getattr(app.view_functions[endpoint], "capability", None)
            assert declared == needs, f"{endpoint} is guarded by {declared}, not {needs}"


def test_every_capability_is_held_by_someone_and_used_by_a_route():
    assert all(GRANTS[c] for c in Capability)
    unused = set(Capability) - {n for n in ROUTES.values() if isinstance(n, Capability)}
    # Used inside the workflow services only (each box move, each withdrawal step).
    assert unused == set()


def test_no_one_role_signs_countersigns_and_releases_results():
    steps = [GRANTS[C.SIGN_RESULTS], GRANTS[C.COUNTERSIGN_RESULTS], GRANTS[C.RELEASE_RESULTS]]
    assert steps == [{T}, {S}, {A}]
    assert GRANTS[C.REQUEST_BOX_WITHDRAWAL].isdisjoint(GRANTS[C.COUNTERSIGN_BOX_WITHDRAWAL])
    # A venue may not approve more cards for its own box, nor seal it.
    assert V not in GRANTS[C.APPROVE_EXTRA_CARDS] | GRANTS[C.SEAL_BOXES]
    # Representatives' and citizens' data: only the office reads suggestions unmasked.
    assert GRANTS[C.TRIAGE_SUGGESTIONS] == {A}


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
        "job_id": 1,
        "task_id": 1,
        "notice_id": 1,
        "evidence_id": 1,
        "appeal_id": 1,
        "file_id": 1,
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
        "rule_id": 1,
        "day": "2026-12-01",
        "nominee_id": 1,
        "person_id": 1,
        "group_number": 1,
        "place_id": 1,
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
        if _allowed(endpoint) == PUBLIC:
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
        allowed = _allowed(endpoint) == PUBLIC or role in _allowed(endpoint)
        assert response.status_code < 500, f"{role} {method} {url}"
        if allowed:
            assert response.status_code != 403, f"{role} refused {method} {url}"
            assert not _is_login_redirect(response)
        else:
            assert response.status_code == 403, f"{role} reached {method} {url}"
            assert "没有权限" in response.get_data(as_text=True)
