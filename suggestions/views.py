"""Suggestion pages: the public form, tracking, board and lists; the office's handling pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from evaluation.campaign.models import Campaign, Department
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import NotFound, Refused
from evaluation.core.extensions import db, limiter
from evaluation.core.forms import ConfirmForm, require_valid, run_form
from evaluation.core.permissions import Capability, can, requires
from suggestions import board as boards
from suggestions import selection as selections
from suggestions import services
from suggestions.forms import (
    CHANNEL_LABELS,
    REJECT_LABELS,
    REPLY_STATE_LABELS,
    REQUEST_KIND_LABELS,
    REQUEST_STATE_LABELS,
    SATISFACTION_LABELS,
    SELECTION_STATE_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    VISITED_LABELS,
    WARNING_LABELS,
    AssignForm,
    CategoryForm,
    DayOffForm,
    DecideForm,
    EntryForm,
    FeedbackForm,
    FinaliseForm,
    MergeForm,
    NominateUnitForm,
    RejectForm,
    ReplyForm,
    RequestForm,
    ReviewReplyForm,
    RuleForm,
    SuggestionForm,
    TrackForm,
)
from suggestions.models import (
    PUBLIC_STATUSES,
    Channel,
    HandlingRequest,
    LocalDayOff,
    NomineeKind,
    RejectReason,
    ReplyState,
    RequestKind,
    RequestState,
    Satisfaction,
    Status,
    Suggestion,
    SuggestionReply,
    Urgency,
)

public_bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
admin_bp = Blueprint("suggestions_office", __name__, url_prefix="/office/suggestions")


def register_template_helpers(app: Any) -> None:
    app.jinja_env.globals.update(
        SUGGESTION_STATUS_LABELS=STATUS_LABELS,
        CHANNEL_LABELS=CHANNEL_LABELS,
        WARNING_LABELS=WARNING_LABELS,
        SATISFACTION_LABELS=SATISFACTION_LABELS,
        suggestion_author=public_name,
        VISITED_LABELS=VISITED_LABELS,
    )
    app.jinja_env.filters["mask_personal"] = services.mask_personal_data
    # The office (admin) reads texts as written; everyone else in the back office masked.
    app.jinja_env.filters["for_viewer"] = lambda text: (
        text
        if can(current_user, Capability.TRIAGE_SUGGESTIONS)
        else services.mask_personal_data(text)
    )


def _units(campaign: Campaign) -> list[SelectChoice]:
    return [SelectChoice(d.id, d.name) for d in campaign.departments]


def _unit_choices(campaign: Campaign, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank), *_units(campaign)]


def _category_choices(campaign: Campaign, blank: str) -> list[SelectChoice]:
    categories = services.categories_of(db.session, campaign)
    return [SelectChoice("", blank), *(SelectChoice(c.id, c.name) for c in categories)]


# ---------------------------------------------------------------- public


def last_year_suggestions(sender: Any, department: Department) -> dict[str, Any]:
    """Answers `evaluation.campaign.signals.report_editor`: how last year's suggestions to
    the department were handled, for its report."""
    return {"last_year": services.previous_campaign_suggestions(db.session, department)}


@public_bp.route("/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUGGESTION_LIMIT"], methods=["POST"])
def new() -> Any:
    campaign = require_campaign(db.session)
    form = SuggestionForm()
    form.category.choices = _category_choices(campaign, _("请选择"))
    form.target_unit.choices = _unit_choices(campaign, _("不指定"))
    if form.is_submitted() and form.website.data:  # only a robot fills the hidden field
        raise Refused(_("提交未被接受。"))

    def receive() -> Any:
        real = form.identity.data == "real"
        intake = services.Intake(
            channel=Channel.ONLINE,
            text=form.text.data,
            category_id=form.category.data,
            target_unit_id=form.target_unit.data,
            author_name=form.author_name.data if real else None,
            author_phone=form.author_phone.data if real else None,
            name_consent=real and form.name_consent.data,
        )
        return services.receive(db.session, campaign, intake, "citizen")

    outcome = run_form(form, receive)
    if outcome.done:  # committed before the receipt leaves: acknowledged once durable
        return render_template("suggestions/submitted.html", suggestion=outcome.value)
    return render_template("suggestions/new.html", form=form, campaign=campaign), outcome.status


def _only_failed_lookups(response: Response) -> bool:
    return response.status_code == 404


@public_bp.route("/track", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["TRACK_GUESS_LIMIT"],
    methods=["POST"],
    deduct_when=_only_failed_lookups,
)
def track() -> Any:
    """The submitter follows the handling and rates the reply (code, plus phone if real-name)."""
    form = TrackForm()
    feedback = FeedbackForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("suggestions/track.html", form=form), status
    suggestion = services.track(db.session, form.code.data, form.phone.data)
    status = 200
    if "rate" in request.form or "rating" in request.form:  # the rating form was sent
        outcome = run_form(
            feedback,
            lambda: services.give_feedback(
                db.session, suggestion, Satisfaction(feedback.rating.data)
            ),
        )
        if outcome.done:
            flash(_("感谢您的评价。"))
        status = outcome.status
    if status == 200:
        feedback = FeedbackForm(code=suggestion.tracking_code, phone=form.phone.data, formdata=None)
    return render_template(
        "suggestions/tracked.html",
        suggestion=suggestion,
        followed=services.effective(suggestion),
        feedback=feedback,
        bounds=boards.warning_bounds(db.session),
    ), status


@public_bp.route("/")
def index() -> str:
    campaign = require_campaign(db.session)
    filters, number = boards.board_query(request.args)
    bounds = boards.warning_bounds(db.session)
    page = boards.board(db.session, campaign, filters, number, bounds)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "suggestions/board.html",
        page=page,
        filters=filters,
        args=args,
        bounds=bounds,
        units=[(d.code, d.name) for d in campaign.departments],
        categories=services.categories_of(db.session, campaign),
        statuses=[s for s in Status if s != Status.REJECTED],
        summary=boards.summary(db.session, campaign),
    )


@public_bp.route("/<int:suggestion_id>")
def detail(suggestion_id: int) -> str:
    campaign = require_campaign(db.session)
    suggestion = services.get_suggestion(db.session, campaign, suggestion_id)
    if suggestion.status not in PUBLIC_STATUSES:  # not triaged yet, or not taken up
        raise Refused(_("找不到该意见建议。"), 404)
    return render_template(
        "suggestions/detail.html",
        suggestion=suggestion,
        followed=services.effective(suggestion),
        bounds=boards.warning_bounds(db.session),
    )


@public_bp.route("/units")
def units() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "suggestions/units.html",
        stats=boards.unit_statistics(db.session, campaign),
        summary=boards.summary(db.session, campaign),
    )


@public_bp.route("/outstanding")
def outstanding() -> str:
    campaign = require_campaign(db.session)
    return render_template(
        "suggestions/outstanding.html",
        suggestions=selections.outstanding(db.session, campaign, NomineeKind.SUGGESTION),
        units=selections.outstanding(db.session, campaign, NomineeKind.UNIT),
    )


# ---------------------------------------------------------------- office: lists and entry


def _my_unit() -> Department:
    return current_user.department


@admin_bp.route("/")
@requires(Capability.READ_SUGGESTIONS)
def overview() -> str:
    campaign = require_campaign(db.session)
    bounds = boards.warning_bounds(db.session)
    if can(current_user, Capability.HANDLE_SUGGESTIONS):  # a unit sees only its own items
        return render_template(
            "suggestions/office/unit.html",
            queue=boards.unit_queue(db.session, _my_unit(), bounds),
            bounds=bounds,
        )
    filters, number = boards.board_query(request.args)
    return render_template(
        "suggestions/office/overview.html",
        received=boards.board(
            db.session, campaign, boards.Filters(status=Status.RECEIVED), 1, bounds, 50, False
        ),
        replies=db.session.query(SuggestionReply).filter_by(state=ReplyState.SUBMITTED.value).all(),
        requests=db.session.query(HandlingRequest)
        .filter_by(state=RequestState.PENDING.value)
        .all(),
        page=boards.board(db.session, campaign, filters, number, bounds, public=False),
        filters=filters,
        args={k: v for k, v in request.args.items() if k != "page" and v},
        bounds=bounds,
        units=[(d.code, d.name) for d in campaign.departments],
        categories=services.categories_of(db.session, campaign),
        statuses=list(Status),
        calendar_years=services.calendar_warning(),
        import_form=ConfirmForm(),
    )


@admin_bp.route("/new", methods=["GET", "POST"])
@requires(Capability.ENTER_SUGGESTIONS)
def entry() -> Any:
    """Venue staff enter paper suggestions; departments enter what deputies raised on visits."""
    campaign = require_campaign(db.session)
    form = EntryForm()
    visit = can(current_user, Capability.HANDLE_SUGGESTIONS)  # a department's deputies' visit
    if not visit:
        del form.visited
    form.category.choices = _category_choices(campaign, _("请选择"))
    form.target_unit.choices = _unit_choices(campaign, _("不指定"))

    def receive() -> Any:
        intake = services.Intake(
            channel=Channel.VISIT if visit else Channel.PAPER,
            text=form.text.data,
            category_id=form.category.data,
            target_unit_id=form.target_unit.data or (_my_unit().id if visit else None),
            author_name=form.author_name.data,
            author_phone=form.author_phone.data,
            venue_id=None if visit else current_user.venue_id,
            visited=form.visited.data if visit else "",
        )
        return services.receive(db.session, campaign, intake, actor())

    outcome = run_form(form, receive)
    if outcome.done:
        flash(_("已登记，编号 %(id)s。可以继续录入下一条。", id=outcome.value.id))
        return redirect(url_for(".entry"))
    title = _("录入走访代表委员意见") if visit else _("录入会场书面意见建议")
    return render_template("suggestions/office/entry.html", form=form, title=title), outcome.status


@admin_bp.route("/import-comments", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def import_comments() -> Response:
    require_valid(ConfirmForm())  # a bare button: only a stale page fails here
    count = services.import_ballot_comments(db.session, require_campaign(db.session), actor())
    flash(_("已导入 %(n)s 条评议票附言。", n=count))
    return redirect(url_for(".overview"))


# ---------------------------------------------------------------- office: one suggestion


def _visible(suggestion_id: int) -> Suggestion:
    suggestion = services.get_suggestion(db.session, require_campaign(db.session), suggestion_id)
    if can(current_user, Capability.HANDLE_SUGGESTIONS):  # a unit sees only its own items
        services.check_unit_access(suggestion, _my_unit())
    return suggestion


@admin_bp.route("/<int:suggestion_id>")
@requires(Capability.READ_SUGGESTIONS)
def item(suggestion_id: int) -> tuple[str, int]:
    return _item_page(_visible(suggestion_id))


def _item_page(
    suggestion: Suggestion, status: int = 200, target: int | None = None, **posted: FlaskForm
) -> tuple[str, int]:
    """One suggestion in the office. A form that was posted and refused comes back as it was
    sent, with its message next to its field (`target`: the reply or request it was about);
    the others are filled afresh."""
    campaign = suggestion.campaign
    admin = can(current_user, Capability.TRIAGE_SUGGESTIONS)
    assign = posted.get("assign") or AssignForm(
        formdata=None,
        lead_unit=suggestion.lead_unit_id or suggestion.proposed_unit_id,
        co_units=[u.id for u in suggestion.co_units],
        urgency=suggestion.urgency,
    )
    assign.lead_unit.choices = _unit_choices(campaign, _("请选择"))
    assign.co_units.choices = _units(campaign)
    ask = posted.get("ask") or RequestForm(formdata=None)
    ask.proposed_unit.choices = _unit_choices(campaign, _("不指定"))
    decide = posted.get("decide") or DecideForm(formdata=None)
    fresh_decide = DecideForm(formdata=None)
    for form in (decide, fresh_decide):
        form.new_unit.choices = _unit_choices(campaign, _("按申请单位的建议"))
    draft = suggestion.draft_reply
    return render_template(
        "suggestions/office/item.html",
        suggestion=suggestion,
        admin=admin,
        lead=not admin and suggestion.lead_unit_id == _my_unit().id,
        name=suggestion.author_name if admin else services.mask_name(suggestion.author_name),
        phone=suggestion.author_phone if admin else services.mask_phone(suggestion.author_phone),
        bounds=boards.warning_bounds(db.session),
        assign=assign,
        merge=posted.get("merge") or MergeForm(formdata=None),
        reject=posted.get("reject") or RejectForm(formdata=None),
        reply=posted.get("reply") or ReplyForm(formdata=None, text=draft.text if draft else ""),
        review=posted.get("review") or ReviewReplyForm(formdata=None),
        ask=ask,
        decide=decide,
        fresh_review=ReviewReplyForm(formdata=None),
        fresh_decide=fresh_decide,
        target=target,
        nominate=posted.get("nominate") or ConfirmForm(formdata=None),
        draft=draft,
        labels={
            "urgency": URGENCY_LABELS,
            "reject": REJECT_LABELS,
            "reply": REPLY_STATE_LABELS,
            "kind": REQUEST_KIND_LABELS,
            "request": REQUEST_STATE_LABELS,
        },
    ), status


def _item_action(
    suggestion: Suggestion,
    name: str,
    form: FlaskForm,
    action: Callable[[], Any],
    done: Callable[[Any], str],
    target: int | None = None,
) -> Any:
    """Run one of the item page's forms: done, back to the page with `done(value)`;
    refused, the page with that form as it was sent."""
    outcome = run_form(form, action)
    if outcome.done:
        flash(done(outcome.value))
        return redirect(url_for(".item", suggestion_id=suggestion.id))
    return _item_page(suggestion, outcome.status, target, **{name: form})


@admin_bp.route("/<int:suggestion_id>/assign", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def assign(suggestion_id: int) -> Any:
    suggestion = _visible(suggestion_id)
    form = AssignForm()
    form.lead_unit.choices = _unit_choices(suggestion.campaign, _("请选择"))
    form.co_units.choices = _units(suggestion.campaign)
    return _item_action(
        suggestion,
        "assign",
        form,
        lambda: services.assign(
            db.session,
            suggestion,
            form.lead_unit.data,
            form.co_units.data or [],
            Urgency(form.urgency.data),
            actor(),
        ),
        lambda _value: _("已交办，办理期限为 %(d)s。", d=suggestion.due_on.isoformat()),
    )


@admin_bp.route("/<int:suggestion_id>/merge", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def merge(suggestion_id: int) -> Any:
    suggestion = _visible(suggestion_id)
    form = MergeForm()

    def merge_into() -> Suggestion:
        try:
            survivor = services.get_suggestion(db.session, suggestion.campaign, form.survivor.data)
        except NotFound:
            raise Refused(
                _("找不到编号为 %(id)s 的意见建议。", id=form.survivor.data), field="survivor"
            ) from None
        services.merge(db.session, suggestion, survivor, actor())
        return survivor

    return _item_action(
        suggestion,
        "merge",
        form,
        merge_into,
        lambda survivor: _("已合并到编号 %(id)s。", id=survivor.id),
    )


@admin_bp.route("/<int:suggestion_id>/reject", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def reject(suggestion_id: int) -> Any:
    suggestion = _visible(suggestion_id)
    form = RejectForm()
    return _item_action(
        suggestion,
        "reject",
        form,
        lambda: services.reject(
            db.session, suggestion, RejectReason(form.reason.data), form.note.data, actor()
        ),
        lambda _value: _("已标记为不予受理。"),
    )


@admin_bp.route("/<int:suggestion_id>/reply", methods=["POST"])
@requires(Capability.HANDLE_SUGGESTIONS)
def reply(suggestion_id: int) -> Any:
    suggestion = _visible(suggestion_id)
    form = ReplyForm()
    submit = bool(form.submit.data)
    return _item_action(
        suggestion,
        "reply",
        form,
        lambda: services.save_reply(
            db.session, suggestion, _my_unit(), form.text.data, submit, actor()
        ),
        lambda _value: _("答复已提交，等待审核。") if submit else _("草稿已保存。"),
    )


@admin_bp.route("/<int:suggestion_id>/ask", methods=["POST"])
@requires(Capability.HANDLE_SUGGESTIONS)
def ask(suggestion_id: int) -> Any:
    suggestion = _visible(suggestion_id)
    form = RequestForm()
    form.proposed_unit.choices = _unit_choices(suggestion.campaign, _("不指定"))
    return _item_action(
        suggestion,
        "ask",
        form,
        lambda: services.ask(
            db.session,
            suggestion,
            _my_unit(),
            RequestKind(form.kind.data),
            form.reason.data,
            actor(),
            extra_days=form.extra_days.data,
            proposed_unit_id=form.proposed_unit.data,
        ),
        lambda _value: _("申请已提交，等待联席办决定。"),
    )


@admin_bp.route("/replies/<int:reply_id>", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def review_reply(reply_id: int) -> Any:
    found = services.get_reply(db.session, reply_id)
    form = ReviewReplyForm()
    approve = bool(form.approve.data)

    def review() -> None:
        if approve:
            services.approve_reply(db.session, found, actor())
        else:
            services.return_reply(db.session, found, form.comment.data, actor())

    return _item_action(
        found.suggestion,
        "review",
        form,
        review,
        lambda _value: _("答复已发布。") if approve else _("答复已退回修改。"),
        target=found.id,
    )


@admin_bp.route("/requests/<int:request_id>", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def decide(request_id: int) -> Any:
    found = services.get_request(db.session, request_id)
    form = DecideForm()
    form.new_unit.choices = _unit_choices(found.suggestion.campaign, _("按申请单位的建议"))
    grant = bool(form.grant.data)
    return _item_action(
        found.suggestion,
        "decide",
        form,
        lambda: services.decide(
            db.session, found, grant, form.note.data, actor(), form.new_unit.data
        ),
        lambda _value: _("已同意。") if grant else _("已答复不同意。"),
        target=found.id,
    )


# ---------------------------------------------------------------- office: settings


@admin_bp.route("/settings")
@requires(Capability.TRIAGE_SUGGESTIONS)
def settings(status: int = 200, **posted: FlaskForm) -> tuple[str, int]:
    """Categories, routing rules and local days off, each with its own small form; a form
    that was posted and refused comes back as it was sent, with its message."""
    campaign = require_campaign(db.session)
    forms = {
        "category": posted.get("category") or CategoryForm(formdata=None),
        "rule": posted.get("rule") or RuleForm(formdata=None),
        "day": posted.get("day") or DayOffForm(formdata=None),
    }
    forms["rule"].category.choices = _category_choices(campaign, _("任意类别"))
    forms["rule"].unit.choices = _unit_choices(campaign, _("请选择"))
    return render_template(
        "suggestions/office/settings.html",
        forms=forms,
        categories=services.categories_of(db.session, campaign),
        rules=services.rules_of(db.session, campaign),
        days=db.session.query(LocalDayOff).order_by(LocalDayOff.day).all(),
        confirm=posted.get("confirm") or ConfirmForm(formdata=None),
        calendar_years=services.calendar_warning(),
    ), status


def _settings_action(name: str, form: FlaskForm, action: Callable[[], Any]) -> Any:
    outcome = run_form(form, action)
    if outcome.done:
        flash(_("已保存。"))
        return redirect(url_for(".settings"))
    return settings(outcome.status, **{name: form})


@admin_bp.route("/settings/categories", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def add_category() -> Any:
    campaign = require_campaign(db.session)
    form = CategoryForm()
    return _settings_action(
        "category",
        form,
        lambda: services.add_category(db.session, campaign, form.name.data, actor()),
    )


@admin_bp.route("/settings/rules", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def add_rule() -> Any:
    campaign = require_campaign(db.session)
    form = RuleForm()
    form.category.choices = _category_choices(campaign, _("任意类别"))
    form.unit.choices = _unit_choices(campaign, _("请选择"))
    return _settings_action(
        "rule",
        form,
        lambda: services.add_rule(
            db.session, campaign, form.category.data, form.keywords.data, form.unit.data, actor()
        ),
    )


@admin_bp.route("/settings/rules/<int:rule_id>/delete", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def remove_rule(rule_id: int) -> Any:
    campaign = require_campaign(db.session)
    return _settings_action(
        "confirm",
        ConfirmForm(),
        lambda: services.remove_rule(db.session, campaign, rule_id, actor()),
    )


@admin_bp.route("/settings/days", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def add_day_off() -> Any:
    form = DayOffForm()
    return _settings_action(
        "day",
        form,
        lambda: services.add_day_off(db.session, form.day.data, form.reason.data, actor()),
    )


@admin_bp.route("/settings/days/<day>/delete", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def remove_day_off(day: str) -> Any:
    try:
        when = dt.date.fromisoformat(day) if day.isascii() else None
    except ValueError:
        when = None
    if when is None:
        raise Refused(_("日期不正确。"), 404)
    return _settings_action(
        "confirm", ConfirmForm(), lambda: services.remove_day_off(db.session, when, actor())
    )


# ---------------------------------------------------------------- selection


def _kind(kind: str) -> NomineeKind:
    try:
        return NomineeKind(kind)
    except ValueError:
        raise Refused(_("找不到该页面，请检查网址是否正确。"), 404) from None


@admin_bp.route("/<int:suggestion_id>/nominate", methods=["POST"])
@requires(Capability.RUN_SELECTIONS)
def nominate(suggestion_id: int) -> Any:
    suggestion = _visible(suggestion_id)

    def add() -> None:
        kind = NomineeKind.SUGGESTION
        chosen = selections.selection_of(db.session, suggestion.campaign, kind)
        selections.nominate(db.session, chosen, actor(), suggestion=suggestion)

    return _item_action(
        suggestion, "nominate", ConfirmForm(), add, lambda _value: _("已提名参加优秀意见建议评选。")
    )


@admin_bp.route("/selection/<kind>")
@requires(Capability.READ_SELECTIONS)
def selection(
    kind: str, status: int = 200, target: int | None = None, **posted: FlaskForm
) -> tuple[str, int]:
    """A selection round; a refused form comes back as it was sent (`target`: the nominee
    whose scores were refused keeps what the reviewer typed)."""
    campaign = require_campaign(db.session)
    chosen = selections.selection_of(db.session, campaign, _kind(kind))
    scoring = chosen.state == "scoring"
    nominate_form = posted.get("nominate") or NominateUnitForm(formdata=None)
    nominate_form.unit.choices = _units(campaign)
    scorer = can(current_user, Capability.SCORE_NOMINEES)
    mine = selections.own_scores(db.session, chosen, current_user) if scorer else {}
    if target is not None:
        mine = {**mine, target: {k: v for k, v in request.form.items() if k != "csrf_token"}}
    return render_template(
        "suggestions/office/selection.html",
        selection=chosen,
        kind=chosen.kind,
        rubric=selections.RUBRICS[NomineeKind(chosen.kind)],
        rubric_max=selections.RUBRIC_MAX,
        state_label=SELECTION_STATE_LABELS[chosen.state],
        ranking=None if scoring else selections.ranking(db.session, chosen),
        mine=mine,
        progress=selections.progress(db.session, chosen),
        confirm=posted.get("confirm") or ConfirmForm(formdata=None),
        nominate_form=nominate_form,
        finalise_form=posted.get("finalise") or FinaliseForm(formdata=None),
        target=target,
    ), status


def _selection_action(
    kind: str,
    name: str,
    form: FlaskForm,
    action: Callable[[Any], Any],
    target: int | None = None,
) -> Any:
    """Run one of a selection page's forms on the campaign's round of `kind`; refused, the
    page with that form as it was sent."""
    campaign = require_campaign(db.session)
    outcome = run_form(
        form,
        lambda: action(selections.selection_of(db.session, campaign, _kind(kind))),
    )
    if outcome.done:
        flash(_("已保存。"))
        return redirect(url_for(".selection", kind=kind))
    return selection(kind, outcome.status, target, **{name: form})


@admin_bp.route("/selection/<kind>/nominees/<int:nominee_id>/score", methods=["POST"])
@requires(Capability.SCORE_NOMINEES)
def score(kind: str, nominee_id: int) -> Any:
    def give(chosen: Any) -> None:
        nominee = selections.get_nominee(db.session, nominee_id)
        if nominee.selection_id != chosen.id:
            raise Refused(_("找不到该提名。"), 404)
        selections.score(db.session, nominee, current_user, request.form)

    return _selection_action(kind, "confirm", ConfirmForm(), give, target=nominee_id)


@admin_bp.route("/selection/<kind>/nominees", methods=["POST"])
@requires(Capability.RUN_SELECTIONS)
def nominate_unit(kind: str) -> Any:
    form = NominateUnitForm()
    form.unit.choices = _units(require_campaign(db.session))

    def add(chosen: Any) -> None:
        unit = db.session.get(Department, form.unit.data or 0)
        selections.nominate(db.session, chosen, actor(), unit=unit)

    return _selection_action(kind, "nominate", form, add)


@admin_bp.route("/selection/<kind>/close", methods=["POST"])
@requires(Capability.RUN_SELECTIONS)
def close_scoring(kind: str) -> Any:
    return _selection_action(
        kind,
        "confirm",
        ConfirmForm(),
        lambda chosen: selections.close_scoring(db.session, chosen, actor()),
    )


@admin_bp.route("/selection/<kind>/finalise", methods=["POST"])
@requires(Capability.RUN_SELECTIONS)
def finalise(kind: str) -> Any:
    form = FinaliseForm()
    return _selection_action(
        kind,
        "finalise",
        form,
        lambda chosen: selections.finalise(db.session, chosen, form.top_n.data, actor()),
    )


def public_name(suggestion: Suggestion) -> str:
    """How an outstanding suggestion's author is shown: the name only with consent."""
    if suggestion.name_consent and suggestion.author_name:
        return suggestion.author_name
    return _("市民（未公开姓名）")
