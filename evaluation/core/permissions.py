"""Who may do what (权限): named capabilities and the roles that hold them, in one place.

Routes declare the capability they need (`requires`), templates ask `can(...)`, and the
services that are workflow steps check it for the acting user (`require`): a rule written
once holds for the web, the command line and any later caller alike.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_login import current_user, login_required

from evaluation.core.audit import command_line_actor
from evaluation.core.errors import Forbidden
from evaluation.core.models import Role, User


class Capability(StrEnum):
    """Something a back-office user may do. The public and representatives never log in."""

    # the joint office's set-up (联席会议办公室)
    MANAGE_CAMPAIGN = "manage_campaign"  # campaign, phases, groups, departments, venues, users
    REVIEW_REPORTS = "review_reports"  # return, approve and publish departments' reports
    READ_AUDIT_LOG = "read_audit_log"
    # each role's own desk
    ADMIN_DESK = "admin_desk"
    DEPARTMENT_DESK = "department_desk"
    VENUE_DESK = "venue_desk"
    SUPERVISION_DESK = "supervision_desk"
    STATISTICS_DESK = "statistics_desk"
    REVIEWER_DESK = "reviewer_desk"
    DISTRICT_DESK = "district_desk"
    # departments
    EDIT_OWN_REPORT = "edit_own_report"
    HANDLE_SUGGESTIONS = "handle_suggestions"  # reply to and ask about its own items
    # ballot boxes (投票箱)
    WATCH_BOXES = "watch_boxes"  # turnout, a box's page, its manifest and minutes
    SET_UP_BOXES = "set_up_boxes"  # one box per meeting × venue
    OPEN_AND_CLOSE_BOXES = "open_and_close_boxes"
    SEAL_BOXES = "seal_boxes"  # with two key holders' passphrases
    HOLD_BALLOT_KEY = "hold_ballot_key"  # set one's own passphrase in the key ceremony
    ISSUE_CARDS = "issue_cards"  # and void a lost one
    PRINT_CARD_RUNS = "print_card_runs"  # every box of a meeting at once, as one PDF
    APPROVE_EXTRA_CARDS = "approve_extra_cards"  # beyond seats and spares, with a reason
    ENTER_PAPER_BALLOTS = "enter_paper_ballots"
    RESOLVE_PAPER_CONFLICTS = "resolve_paper_conflicts"  # against the paper itself
    KEEP_ATTENDANCE = "keep_attendance"
    # representatives (市民代表: the statistics bureau draws them, districts review theirs)
    MANAGE_REPRESENTATIVES = "manage_representatives"  # roster, quotas, draw, lists
    REVIEW_DRAWN = "review_drawn"  # a district organiser reviews its venue's drawn people
    REQUEST_BOX_WITHDRAWAL = "request_box_withdrawal"  # 撤销, for an empty box
    COUNTERSIGN_BOX_WITHDRAWAL = "countersign_box_withdrawal"
    # results (统计局 tallies and signs, 监察局 countersigns, the office releases)
    READ_RESULT_RUNS = "read_result_runs"  # previews before release
    EDIT_SCORING_SCHEME = "edit_scoring_scheme"
    RUN_TALLY = "run_tally"
    SIGN_RESULTS = "sign_results"
    COUNTERSIGN_RESULTS = "countersign_results"
    RELEASE_RESULTS = "release_results"
    KEEP_ARCHIVE = "keep_archive"  # past years' released results, departments' code changes
    # appeals against released figures (申诉复核): a department files, statistics proposes,
    # supervision confirms
    FILE_APPEALS = "file_appeals"
    READ_APPEALS = "read_appeals"
    PROPOSE_APPEAL_DECISIONS = "propose_appeal_decisions"
    CONFIRM_APPEAL_DECISIONS = "confirm_appeal_decisions"
    # the annual assessment (考核): the office sets the plan before release; the bureaus
    # compute, sign and countersign the points with the results' capabilities
    SET_ASSESSMENT_PLAN = "set_assessment_plan"
    READ_ASSESSMENT = "read_assessment"
    # suggestions (意见建议)
    READ_SUGGESTIONS = "read_suggestions"  # the office's lists; a unit only its own items
    ENTER_SUGGESTIONS = "enter_suggestions"  # paper at a venue, deputies' visits
    TRIAGE_SUGGESTIONS = "triage_suggestions"  # assign, merge, reject, approve replies
    RUN_SELECTIONS = "run_selections"  # nominate, close scoring, finalise
    READ_SELECTIONS = "read_selections"
    SCORE_NOMINEES = "score_nominees"
    # rectification (整改): the office or supervision opens a task, the department plans and
    # reports, the office approves the plan, supervision checks and closes off
    READ_TASKS = "read_tasks"  # every task, with its internal notes
    OPEN_TASKS = "open_tasks"
    APPROVE_PLANS = "approve_plans"
    WORK_ON_OWN_TASKS = "work_on_own_tasks"
    CHECK_TASKS = "check_tasks"
    ISSUE_NOTICES = "issue_notices"  # 督查通报
    RECORD_TALKS = "record_talks"  # 约谈
    HOLD_DISCUSSIONS = "hold_discussions"  # 恳谈会: invitees, agenda, minutes, follow-ups
    # questionnaires (问卷)
    READ_QUESTIONNAIRES = "read_questionnaires"
    BUILD_QUESTIONNAIRES = "build_questionnaires"


A, D, V, S, T, R, Q = (
    Role.ADMIN,
    Role.DEPARTMENT,
    Role.VENUE_STAFF,
    Role.SUPERVISION,
    Role.STATISTICS,
    Role.REVIEWER,
    Role.DISTRICT,
)
C = Capability

# The roles holding each capability. Two people are needed wherever one alone could change
# the count: sign (statistics), countersign (supervision), release (the office); sealing
# needs two key holders besides the role.
GRANTS: dict[Capability, frozenset[Role]] = {
    capability: frozenset(roles)
    for capability, roles in {
        C.MANAGE_CAMPAIGN: {A},
        C.REVIEW_REPORTS: {A},
        C.READ_AUDIT_LOG: {A, S},
        C.ADMIN_DESK: {A},
        C.DEPARTMENT_DESK: {D},
        C.VENUE_DESK: {V},
        C.SUPERVISION_DESK: {S},
        C.STATISTICS_DESK: {T},
        C.REVIEWER_DESK: {R},
        C.DISTRICT_DESK: {Q},
        C.EDIT_OWN_REPORT: {D},
        C.HANDLE_SUGGESTIONS: {D},
        C.WATCH_BOXES: {A, V, S},
        C.SET_UP_BOXES: {A},
        C.OPEN_AND_CLOSE_BOXES: {A, V},
        C.SEAL_BOXES: {A, S},
        C.HOLD_BALLOT_KEY: {A, S, T},
        C.ISSUE_CARDS: {A, V},
        C.PRINT_CARD_RUNS: {A},
        C.APPROVE_EXTRA_CARDS: {S},
        C.ENTER_PAPER_BALLOTS: {A, V},
        C.RESOLVE_PAPER_CONFLICTS: {A, S},
        C.KEEP_ATTENDANCE: {A, V},
        C.MANAGE_REPRESENTATIVES: {A, T},
        C.REVIEW_DRAWN: {Q},
        C.REQUEST_BOX_WITHDRAWAL: {A},
        C.COUNTERSIGN_BOX_WITHDRAWAL: {S},
        C.READ_RESULT_RUNS: {A, S, T},
        C.EDIT_SCORING_SCHEME: {A},
        C.RUN_TALLY: {T},
        C.SIGN_RESULTS: {T},
        C.COUNTERSIGN_RESULTS: {S},
        C.RELEASE_RESULTS: {A},
        C.KEEP_ARCHIVE: {T},
        C.FILE_APPEALS: {D},
        C.READ_APPEALS: {A, S, T},
        C.PROPOSE_APPEAL_DECISIONS: {T},
        C.CONFIRM_APPEAL_DECISIONS: {S},
        C.SET_ASSESSMENT_PLAN: {A},
        C.READ_ASSESSMENT: {A, S, T},
        C.READ_SUGGESTIONS: {A, D},
        C.ENTER_SUGGESTIONS: {V, D},
        C.TRIAGE_SUGGESTIONS: {A},
        C.RUN_SELECTIONS: {A},
        C.READ_SELECTIONS: {A, R},
        C.SCORE_NOMINEES: {R},
        C.READ_TASKS: {A, S, T},
        C.OPEN_TASKS: {A, S},
        C.APPROVE_PLANS: {A},
        C.WORK_ON_OWN_TASKS: {D},
        C.CHECK_TASKS: {S},
        C.ISSUE_NOTICES: {S},
        C.RECORD_TALKS: {A, S},
        C.HOLD_DISCUSSIONS: {A},
        C.READ_QUESTIONNAIRES: {A, T},
        C.BUILD_QUESTIONNAIRES: {A},
    }.items()
}


def roles_with(capability: Capability) -> frozenset[Role]:
    return GRANTS[capability]


def can(user: User | Any, capability: Capability | str) -> bool:
    """Whether this user (a signed-in account; anyone else holds nothing) may do it."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return False
    return user.role in GRANTS[Capability(capability)]


def require(user: User | None, capability: Capability) -> None:
    """Refuse (403) unless the user may do it. None is the command line, which may do
    everything: whoever runs it has the server and is audited as the command line."""
    if user is not None and not can(user, capability):
        raise Forbidden(_("您的角色不能进行此操作。"))


def acting(user: User | None, capability: Capability) -> str:
    """The name the acting user is audited under, once they may do it (None: the command line)."""
    require(user, capability)
    return user.username if user is not None else command_line_actor()


F = TypeVar("F", bound=Callable[..., Any])


def requires(capability: Capability) -> Callable[[F], F]:
    """Gate a back-office route: anonymous visitors go to the login page, a user without the
    capability gets 403. The route keeps its capability for the role-boundary test."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, capability):
                raise Forbidden(_("您没有权限访问此页面。"))
            return view(*args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def current_user_can(capability: Capability | str) -> bool:
    """`can(...)` in templates: what the signed-in user may do."""
    return can(current_user, capability)
