"""The office's suggestion pages: lists, paper and visit entry, one suggestion's handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from evaluation.campaign.models import Department
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.extensions import db
from evaluation.core.files import storage
from evaluation.core.forms import ConfirmForm, require_valid, run_form
from evaluation.core.permissions import Capability, can, requires
from suggestions import board as boards
from suggestions import handling, reply_files, routing, services, similar
from suggestions.forms import (
    REJECT_LABELS,
    REPLY_STATE_LABELS,
    REQUEST_KIND_LABELS,
    REQUEST_STATE_LABELS,
    URGENCY_LABELS,
    AssignForm,
    DecideForm,
    EntryForm,
    MergeForm,
    RejectForm,
    ReplyForm,
    RequestForm,
    ReviewReplyForm,
)
from suggestions.models import (
    Channel,
    HandlingRequest,
    ReplyState,
    RequestKind,
    RequestState,
    Status,
    Suggestion,
    SuggestionReply,
)
from suggestions.views.blueprints import (
    admin_bp,
    category_choices,
    unit_choices,
    unit_list,
)

# ---------------------------------------------------------------- office: lists and entry

TRIAGE_PAGE_SIZE = 30  # the queue waiting for triage, the longest waiting first


def my_unit() -> Department:
    return current_user.department


@admin_bp.route("/")
@requires(Capability.READ_SUGGESTIONS)
def overview() -> str:
    campaign = require_campaign(db.session)
    bounds = boards.warning_bounds(db.session)
    if can(current_user, Capability.HANDLE_SUGGESTIONS):  # a unit sees only its own items
        return render_template(
            "suggestions/office/unit.html",
            queue=boards.unit_queue(db.session, my_unit(), bounds),
            bounds=bounds,
        )
    filters, number = boards.board_query(request.args)
    return render_template(
        "suggestions/office/overview.html",
        received=boards.board(
            db.session,
            campaign,
            boards.Filters(status=Status.RECEIVED),
            request.args.get("triage", 1, type=int),
            bounds,
            TRIAGE_PAGE_SIZE,
            public=False,
            oldest_first=True,
        ),
        replies=db.session.query(SuggestionReply).filter_by(state=ReplyState.SUBMITTED.value).all(),
        requests=db.session.query(HandlingRequest)
        .filter_by(state=RequestState.PENDING.value)
        .all(),
        page=boards.board(db.session, campaign, filters, number, bounds, public=False),
        filters=filters,
        args={k: v for k, v in request.args.items() if k not in ("page", "triage") and v},
        bounds=bounds,
        units=[(d.code, d.name) for d in campaign.departments],
        categories=routing.categories_of(db.session, campaign),
        statuses=list(Status),
        calendar_years=routing.calendar_warning(),
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
    form.category.choices = category_choices(campaign, _("请选择"))
    form.target_unit.choices = unit_choices(campaign, _("不指定"))

    def receive() -> Any:
        intake = services.Intake(
            channel=Channel.VISIT if visit else Channel.PAPER,
            text=form.text.data,
            category_id=form.category.data,
            target_unit_id=form.target_unit.data or (my_unit().id if visit else None),
            author_name=form.author_name.data,
            author_phone=form.author_phone.data,
            venue_id=None if visit else current_user.venue_id,
            visited=form.visited.data if visit else "",
        )
        return services.receive(db.session, campaign, intake, actor())

    outcome = run_form(form, receive)
    if outcome.done:
        flash(
            _(
                "已登记，编号 %(id)s，跟踪码 %(code)s：请抄给提出人，凭它（实名的还要手机号）"
                "查询办理进度并评价答复。可以继续录入下一条。",
                id=outcome.value.id,
                code=outcome.value.tracking_code,
            )
        )
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


def visible(suggestion_id: int) -> Suggestion:
    suggestion = handling.get_suggestion(db.session, require_campaign(db.session), suggestion_id)
    if can(current_user, Capability.HANDLE_SUGGESTIONS):  # a unit sees only its own items
        handling.check_unit_access(suggestion, my_unit())
    return suggestion


@admin_bp.route("/<int:suggestion_id>")
@requires(Capability.READ_SUGGESTIONS)
def item(suggestion_id: int) -> tuple[str, int]:
    return item_page(visible(suggestion_id))


def item_page(
    suggestion: Suggestion,
    status: int = 200,
    target: int | None = None,
    contact: tuple[str, str] | None = None,
    **posted: FlaskForm,
) -> tuple[str, int]:
    """One suggestion in the office. A form that was posted and refused comes back as it was
    sent, with its message next to its field (`target`: the reply or request it was about);
    the others are filled afresh. `contact`: the author's name and phone, asked for by the
    lead unit (先沟通后答复); otherwise a unit sees them masked."""
    campaign = suggestion.campaign
    admin = can(current_user, Capability.TRIAGE_SUGGESTIONS)
    assign = posted.get("assign") or AssignForm(
        formdata=None,
        lead_unit=suggestion.lead_unit_id or suggestion.proposed_unit_id,
        co_units=[u.id for u in suggestion.co_units],
        urgency=suggestion.urgency,
    )
    assign.lead_unit.choices = unit_choices(campaign, _("请选择"))
    assign.co_units.choices = unit_list(campaign)
    ask = posted.get("ask") or RequestForm(formdata=None)
    ask.proposed_unit.choices = unit_choices(campaign, _("不指定"))
    decide = posted.get("decide") or DecideForm(formdata=None)
    fresh_decide = DecideForm(formdata=None)
    for form in (decide, fresh_decide):
        form.new_unit.choices = unit_choices(campaign, _("按申请单位的建议"))
    draft = suggestion.draft_reply
    mergeable = suggestion.status in (Status.RECEIVED, Status.ASSIGNED)
    author_name = suggestion.author_name if admin else services.mask_name(suggestion.author_name)
    author_phone = (
        suggestion.author_phone if admin else services.mask_phone(suggestion.author_phone)
    )
    return render_template(
        "suggestions/office/item.html",
        hints=similar.duplicate_hints(db.session, suggestion)
        if admin and mergeable and not suggestion.public_reply
        else [],
        suggestion=suggestion,
        admin=admin,
        lead=not admin and suggestion.lead_unit_id == my_unit().id,
        name=contact[0] if contact else author_name,
        phone=contact[1] if contact else author_phone,
        contact=contact,
        bounds=boards.warning_bounds(db.session),
        assign=assign,
        merge=posted.get("merge") or MergeForm(formdata=None),
        reject=posted.get("reject") or RejectForm(formdata=None),
        reply=posted.get("reply")
        or ReplyForm(
            formdata=None,
            text=draft.text if draft else "",
            category=draft.category or "" if draft else "",
            reason=draft.decline_reason or "" if draft else "",
        ),
        review=posted.get("review") or ReviewReplyForm(formdata=None),
        ask=ask,
        decide=decide,
        fresh_review=ReviewReplyForm(formdata=None),
        fresh_decide=fresh_decide,
        target=target,
        nominate=posted.get("nominate") or ConfirmForm(formdata=None),
        reveal=posted.get("reveal") or ConfirmForm(formdata=None),
        draft=draft,
        labels={
            "urgency": URGENCY_LABELS,
            "reject": REJECT_LABELS,
            "reply": REPLY_STATE_LABELS,
            "kind": REQUEST_KIND_LABELS,
            "request": REQUEST_STATE_LABELS,
        },
    ), status


def item_action(
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
    return item_page(suggestion, outcome.status, target, **{name: form})


@admin_bp.route("/<int:suggestion_id>/reply", methods=["POST"])
@requires(Capability.HANDLE_SUGGESTIONS)
def reply(suggestion_id: int) -> Any:
    suggestion = visible(suggestion_id)
    form = ReplyForm()
    submit = bool(form.submit.data)

    def save() -> None:
        """The file chosen goes with the text: kept on the draft, then submitted with it."""
        unit = my_unit()

        def keep(submitting: bool) -> None:
            handling.save_reply(
                db.session,
                suggestion,
                unit,
                form.text.data,
                submitting,
                actor(),
                form.chosen_category(),
                form.reason.data or "",
            )

        if form.attachment.data:  # attached to the draft, before a submission freezes it
            keep(False)
            upload = form.attachment.data
            reply_files.attach(
                db.session, suggestion, unit, upload.filename, upload.read(), storage(), actor()
            )
        keep(submit)

    return item_action(
        suggestion,
        "reply",
        form,
        save,
        lambda _value: _("答复已提交，等待审核。") if submit else _("草稿已保存。"),
    )


@admin_bp.route("/<int:suggestion_id>/contact", methods=["POST"])
@requires(Capability.HANDLE_SUGGESTIONS)
def contact(suggestion_id: int) -> Any:
    """The author's name and phone, shown on this response only and recorded as seen."""
    suggestion = visible(suggestion_id)
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: handling.reveal_contact(db.session, suggestion, my_unit(), actor())
    )
    if outcome.done:
        return item_page(suggestion, contact=outcome.value)
    return item_page(suggestion, outcome.status, reveal=form)


@admin_bp.route("/<int:suggestion_id>/ask", methods=["POST"])
@requires(Capability.HANDLE_SUGGESTIONS)
def ask(suggestion_id: int) -> Any:
    suggestion = visible(suggestion_id)
    form = RequestForm()
    form.proposed_unit.choices = unit_choices(suggestion.campaign, _("不指定"))
    return item_action(
        suggestion,
        "ask",
        form,
        lambda: handling.ask(
            db.session,
            suggestion,
            my_unit(),
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
    found = handling.get_reply(db.session, reply_id)
    form = ReviewReplyForm()
    approve = bool(form.approve.data)

    def review() -> None:
        if approve:
            handling.approve_reply(db.session, found, actor())
        else:
            handling.return_reply(db.session, found, form.comment.data, actor())

    return item_action(
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
    found = handling.get_request(db.session, request_id)
    form = DecideForm()
    form.new_unit.choices = unit_choices(found.suggestion.campaign, _("按申请单位的建议"))
    grant = bool(form.grant.data)
    return item_action(
        found.suggestion,
        "decide",
        form,
        lambda: handling.decide(
            db.session, found, grant, form.note.data, actor(), form.new_unit.data
        ),
        lambda _value: _("已同意。") if grant else _("已答复不同意。"),
        target=found.id,
    )


def last_year_suggestions(sender: Any, department: Department) -> dict[str, Any]:
    """Answers `evaluation.campaign.signals.report_editor`: how last year's suggestions to
    the department were handled, for its report."""
    return {"last_year": handling.previous_campaign_suggestions(db.session, department)}
