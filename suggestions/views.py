"""Suggestion pages: the public form, tracking, board and lists; the office's handling pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from evaluation.campaign.models import Campaign, Department
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor, role_required
from evaluation.core.errors import Forbidden, Refused
from evaluation.core.extensions import db, limiter
from evaluation.core.forms import ConfirmForm, database_id, require_valid
from evaluation.core.models import Role
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

A, D, V, R = Role.ADMIN, Role.DEPARTMENT, Role.VENUE_STAFF, Role.REVIEWER


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
        if current_user.is_authenticated and current_user.role == Role.ADMIN
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
    status = 200
    if form.is_submitted():
        if form.website.data:  # only a robot fills the hidden field
            raise Refused(_("提交未被接受。"))
        if form.validate():
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
            try:
                suggestion = services.receive(db.session, campaign, intake, "citizen")
                db.session.commit()  # acknowledged only once durable
            except Refused as refusal:
                db.session.rollback()
                form.form_errors.append(refusal.message)
                status = refusal.status
            else:
                return render_template("suggestions/submitted.html", suggestion=suggestion)
        else:
            status = 400
    return render_template("suggestions/new.html", form=form, campaign=campaign), status


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
    if "rating" in request.form:
        if not feedback.validate():
            raise Refused(_("请选择一项评价。"))
        services.give_feedback(db.session, suggestion, Satisfaction(feedback.rating.data))
        db.session.commit()
        flash(_("感谢您的评价。"))
    feedback = FeedbackForm(code=suggestion.tracking_code, phone=form.phone.data, formdata=None)
    return render_template(
        "suggestions/tracked.html",
        suggestion=suggestion,
        followed=services.effective(suggestion),
        feedback=feedback,
        bounds=boards.warning_bounds(db.session),
    )


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
@role_required(A, D)
def overview() -> str:
    campaign = require_campaign(db.session)
    bounds = boards.warning_bounds(db.session)
    if current_user.role == D:
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
@role_required(V, D)
def entry() -> Any:
    """Venue staff enter paper suggestions; departments enter what deputies raised on visits."""
    campaign = require_campaign(db.session)
    form = EntryForm()
    visit = current_user.role == D
    if not visit:
        del form.visited
    form.category.choices = _category_choices(campaign, _("请选择"))
    form.target_unit.choices = _unit_choices(campaign, _("不指定"))
    status = 200
    if form.is_submitted():
        if form.validate():
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
            try:
                suggestion = services.receive(db.session, campaign, intake, actor())
                db.session.commit()
            except Refused as refusal:
                db.session.rollback()
                form.form_errors.append(refusal.message)
                status = refusal.status
            else:
                flash(_("已登记，编号 %(id)s。可以继续录入下一条。", id=suggestion.id))
                return redirect(url_for(".entry"))
        else:
            status = 400
    title = _("录入走访代表委员意见") if visit else _("录入会场书面意见建议")
    return render_template("suggestions/office/entry.html", form=form, title=title), status


@admin_bp.route("/import-comments", methods=["POST"])
@role_required(A)
def import_comments() -> Response:
    require_valid(ConfirmForm())
    count = services.import_ballot_comments(db.session, require_campaign(db.session), actor())
    db.session.commit()
    flash(_("已导入 %(n)s 条评议票附言。", n=count))
    return redirect(url_for(".overview"))


# ---------------------------------------------------------------- office: one suggestion


def _visible(suggestion_id: int) -> Suggestion:
    suggestion = services.get_suggestion(db.session, require_campaign(db.session), suggestion_id)
    if current_user.role == D:
        services.check_unit_access(suggestion, _my_unit())
    return suggestion


@admin_bp.route("/<int:suggestion_id>")
@role_required(A, D)
def item(suggestion_id: int) -> str:
    suggestion = _visible(suggestion_id)
    campaign = suggestion.campaign
    admin = current_user.role == A
    assign = AssignForm(
        lead_unit=suggestion.lead_unit_id or suggestion.proposed_unit_id,
        co_units=[u.id for u in suggestion.co_units],
        urgency=suggestion.urgency,
    )
    assign.lead_unit.choices = _unit_choices(campaign, _("请选择"))
    assign.co_units.choices = _units(campaign)
    ask = RequestForm()
    ask.proposed_unit.choices = _unit_choices(campaign, _("不指定"))
    decide = DecideForm()
    decide.new_unit.choices = _unit_choices(campaign, _("按申请单位的建议"))
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
        merge=MergeForm(),
        reject=RejectForm(),
        reply=ReplyForm(text=draft.text if draft else ""),
        review=ReviewReplyForm(),
        ask=ask,
        decide=decide,
        nominate=ConfirmForm(),
        draft=draft,
        labels={
            "urgency": URGENCY_LABELS,
            "reject": REJECT_LABELS,
            "reply": REPLY_STATE_LABELS,
            "kind": REQUEST_KIND_LABELS,
            "request": REQUEST_STATE_LABELS,
        },
    )


def _back(suggestion: Suggestion, message: str) -> Response:
    db.session.commit()
    flash(message)
    return redirect(url_for(".item", suggestion_id=suggestion.id))


@admin_bp.route("/<int:suggestion_id>/assign", methods=["POST"])
@role_required(A)
def assign(suggestion_id: int) -> Response:
    suggestion = _visible(suggestion_id)
    form = AssignForm()
    require_valid(form)
    if form.lead_unit.data is None:
        raise Refused(_("请选择主办单位。"))
    services.assign(
        db.session,
        suggestion,
        form.lead_unit.data,
        form.co_units.data or [],
        Urgency(form.urgency.data),
        actor(),
    )
    return _back(suggestion, _("已交办，办理期限为 %(d)s。", d=suggestion.due_on.isoformat()))


@admin_bp.route("/<int:suggestion_id>/merge", methods=["POST"])
@role_required(A)
def merge(suggestion_id: int) -> Response:
    suggestion = _visible(suggestion_id)
    form = MergeForm()
    require_valid(form)
    survivor = services.get_suggestion(db.session, suggestion.campaign, form.survivor.data)
    services.merge(db.session, suggestion, survivor, actor())
    return _back(suggestion, _("已合并到编号 %(id)s。", id=survivor.id))


@admin_bp.route("/<int:suggestion_id>/reject", methods=["POST"])
@role_required(A)
def reject(suggestion_id: int) -> Response:
    suggestion = _visible(suggestion_id)
    form = RejectForm()
    require_valid(form)
    services.reject(db.session, suggestion, RejectReason(form.reason.data), form.note.data, actor())
    return _back(suggestion, _("已标记为不予受理。"))


@admin_bp.route("/<int:suggestion_id>/reply", methods=["POST"])
@role_required(D)
def reply(suggestion_id: int) -> Response:
    suggestion = _visible(suggestion_id)
    form = ReplyForm()
    require_valid(form)
    submit = bool(form.submit.data)
    services.save_reply(db.session, suggestion, _my_unit(), form.text.data, submit, actor())
    return _back(suggestion, _("答复已提交，等待审核。") if submit else _("草稿已保存。"))


@admin_bp.route("/<int:suggestion_id>/ask", methods=["POST"])
@role_required(D)
def ask(suggestion_id: int) -> Response:
    suggestion = _visible(suggestion_id)
    form = RequestForm()
    require_valid(form)
    services.ask(
        db.session,
        suggestion,
        _my_unit(),
        RequestKind(form.kind.data),
        form.reason.data,
        actor(),
        extra_days=form.extra_days.data,
        proposed_unit_id=form.proposed_unit.data,
    )
    return _back(suggestion, _("申请已提交，等待联席办决定。"))


@admin_bp.route("/replies/<int:reply_id>", methods=["POST"])
@role_required(A)
def review_reply(reply_id: int) -> Response:
    found = services.get_reply(db.session, reply_id)
    form = ReviewReplyForm()
    require_valid(form)
    if form.approve.data:
        services.approve_reply(db.session, found, actor())
        message = _("答复已发布。")
    else:
        services.return_reply(db.session, found, form.comment.data, actor())
        message = _("答复已退回修改。")
    return _back(found.suggestion, message)


@admin_bp.route("/requests/<int:request_id>", methods=["POST"])
@role_required(A)
def decide(request_id: int) -> Response:
    found = services.get_request(db.session, request_id)
    form = DecideForm()
    require_valid(form)
    grant = bool(form.grant.data)
    services.decide(db.session, found, grant, form.note.data, actor(), form.new_unit.data)
    return _back(found.suggestion, _("已同意。") if grant else _("已答复不同意。"))


# ---------------------------------------------------------------- office: settings


@admin_bp.route("/settings", methods=["GET", "POST"])
@role_required(A)
def settings() -> Any:
    """Categories, routing rules and local days off, each with its own small form."""
    campaign = require_campaign(db.session)
    forms = {"category": CategoryForm(), "rule": RuleForm(), "day": DayOffForm()}
    forms["rule"].category.choices = _category_choices(campaign, _("任意类别"))
    forms["rule"].unit.choices = _unit_choices(campaign, _("请选择"))
    if request.method == "POST":
        which = request.form.get("form")
        if which == "category":
            require_valid(forms["category"])
            services.add_category(db.session, campaign, forms["category"].name.data, actor())
        elif which == "rule":
            require_valid(forms["rule"])
            rule = forms["rule"]
            services.add_rule(
                db.session,
                campaign,
                rule.category.data,
                rule.keywords.data,
                rule.unit.data,
                actor(),
            )
        elif which == "day":
            require_valid(forms["day"])
            services.add_day_off(
                db.session, forms["day"].day.data, forms["day"].reason.data, actor()
            )
        elif which == "remove-rule":
            require_valid(ConfirmForm())
            services.remove_rule(db.session, campaign, _form_int("rule_id"), actor())
        elif which == "remove-day":
            require_valid(ConfirmForm())
            day = DayOffForm(formdata=None).day
            day.process_formdata([request.form.get("day", "")])
            if day.data is None:
                raise Refused(_("日期不正确。"))
            services.remove_day_off(db.session, day.data, actor())
        else:
            raise Refused(_("请求无法处理。"))
        db.session.commit()
        flash(_("已保存。"))
        return redirect(url_for(".settings"))
    return render_template(
        "suggestions/office/settings.html",
        forms=forms,
        categories=services.categories_of(db.session, campaign),
        rules=services.rules_of(db.session, campaign),
        days=db.session.query(LocalDayOff).order_by(LocalDayOff.day).all(),
        confirm=ConfirmForm(),
        calendar_years=services.calendar_warning(),
    )


def _form_int(name: str) -> int:
    try:
        return database_id(request.form.get(name, ""))
    except ValueError:
        raise Refused(_("请求无法处理。")) from None


# ---------------------------------------------------------------- selection


def _kind(kind: str) -> NomineeKind:
    try:
        return NomineeKind(kind)
    except ValueError:
        raise Refused(_("找不到该页面，请检查网址是否正确。"), 404) from None


@admin_bp.route("/<int:suggestion_id>/nominate", methods=["POST"])
@role_required(A)
def nominate(suggestion_id: int) -> Response:
    suggestion = _visible(suggestion_id)
    require_valid(ConfirmForm())
    chosen = selections.selection_of(db.session, suggestion.campaign, NomineeKind.SUGGESTION)
    selections.nominate(db.session, chosen, actor(), suggestion=suggestion)
    return _back(suggestion, _("已提名参加优秀意见建议评选。"))


@admin_bp.route("/selection/<kind>", methods=["GET", "POST"])
@role_required(A, R)
def selection(kind: str) -> Any:
    campaign = require_campaign(db.session)
    chosen = selections.selection_of(db.session, campaign, _kind(kind))
    if request.method == "POST":
        action = request.form.get("action")
        if current_user.role == R and action == "score":
            require_valid(ConfirmForm())
            nominee = selections.get_nominee(db.session, _form_int("nominee_id"))
            if nominee.selection_id != chosen.id:
                raise Refused(_("找不到该提名。"), 404)
            selections.score(db.session, nominee, current_user, request.form)
        elif current_user.role == A and action == "nominate":
            form = NominateUnitForm()
            form.unit.choices = _units(campaign)
            require_valid(form)
            unit = db.session.get(Department, form.unit.data or 0)
            selections.nominate(db.session, chosen, actor(), unit=unit)
        elif current_user.role == A and action == "close":
            require_valid(ConfirmForm())
            selections.close_scoring(db.session, chosen, actor())
        elif current_user.role == A and action == "finalise":
            form = FinaliseForm()
            require_valid(form)
            selections.finalise(db.session, chosen, form.top_n.data, actor())
        else:
            raise Forbidden(_("您没有权限访问此页面。"))
        db.session.commit()
        flash(_("已保存。"))
        return redirect(url_for(".selection", kind=kind))
    db.session.commit()  # the campaign's round of this kind, made on first sight
    scoring = chosen.state == "scoring"
    nominate_form = NominateUnitForm()
    nominate_form.unit.choices = _units(campaign)
    return render_template(
        "suggestions/office/selection.html",
        selection=chosen,
        kind=chosen.kind,
        rubric=selections.RUBRICS[NomineeKind(chosen.kind)],
        rubric_max=selections.RUBRIC_MAX,
        state_label=SELECTION_STATE_LABELS[chosen.state],
        ranking=None if scoring else selections.ranking(db.session, chosen),
        mine=selections.own_scores(db.session, chosen, current_user)
        if current_user.role == R
        else {},
        progress=selections.progress(db.session, chosen),
        confirm=ConfirmForm(),
        nominate_form=nominate_form,
        finalise_form=FinaliseForm(),
    )


def public_name(suggestion: Suggestion) -> str:
    """How an outstanding suggestion's author is shown: the name only with consent."""
    if suggestion.name_consent and suggestion.author_name:
        return suggestion.author_name
    return _("市民（未公开姓名）")
