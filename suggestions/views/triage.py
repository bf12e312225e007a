"""Triage (分办): assigning a suggestion to its units, and the two steps that cannot be undone,
merging a duplicate into another suggestion (合并) and not taking one up (不予受理), each
confirmed on its own step that shows what it acts on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from evaluation.core.auth import actor
from evaluation.core.confirm import Confirmation, confirm_page
from evaluation.core.errors import NotFound, Refused
from evaluation.core.extensions import db
from evaluation.core.forms import StepForm, run_form
from evaluation.core.i18n import show_date
from evaluation.core.permissions import Capability, requires
from suggestions import handling
from suggestions.forms import REJECT_LABELS, STATUS_LABELS, AssignForm, MergeForm, RejectForm
from suggestions.models import RejectReason, Suggestion, Urgency
from suggestions.views.blueprints import admin_bp, unit_choices, unit_list
from suggestions.views.office import item_action, item_page, visible

EXCERPT = 120  # characters of a suggestion's text shown on a step


def _excerpt(suggestion: Suggestion) -> str:
    text = " ".join(suggestion.text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def _about(suggestion: Suggestion) -> list[tuple[str, object]]:
    unit = suggestion.lead_unit.name if suggestion.lead_unit else _("尚未交办")
    return [
        (_("编号 %(id)s", id=suggestion.id), _excerpt(suggestion)),
        (_("状态"), f"{STATUS_LABELS[suggestion.status]} · {unit}"),
    ]


@admin_bp.route("/<int:suggestion_id>/assign", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def assign(suggestion_id: int) -> Any:
    suggestion = visible(suggestion_id)
    form = AssignForm()
    form.lead_unit.choices = unit_choices(suggestion.campaign, _("请选择"))
    form.co_units.choices = unit_list(suggestion.campaign)
    return item_action(
        suggestion,
        "assign",
        form,
        lambda: handling.assign(
            db.session,
            suggestion,
            form.lead_unit.data,
            form.co_units.data or [],
            Urgency(form.urgency.data),
            actor(),
        ),
        lambda _value: _("已交办，办理期限为 %(d)s。", d=show_date(suggestion.due_on)),
    )


def _stepped(
    suggestion: Suggestion,
    name: str,
    form: StepForm,
    action: Callable[[], Any],
    step: Callable[[Any], Confirmation],
    done: Callable[[Any], str],
) -> Any:
    """An irreversible triage action in two posts: the first (refused: back to the item page
    with the form as typed) shows its confirmation step; the step's post does it."""
    outcome = run_form(form, action)
    if not outcome.done:
        return item_page(suggestion, outcome.status, **{name: form})
    if not form.is_confirmed:
        form.to_confirm()
        return confirm_page(step(outcome.value), form)
    flash(done(outcome.value))
    return redirect(url_for(".item", suggestion_id=suggestion.id))


@admin_bp.route("/<int:suggestion_id>/merge", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def merge(suggestion_id: int) -> Any:
    """The first post shows the step with both suggestions side by side; the step merges."""
    suggestion = visible(suggestion_id)
    form = MergeForm()

    def merge_into() -> Suggestion:
        try:
            survivor = handling.get_suggestion(db.session, suggestion.campaign, form.survivor.data)
        except NotFound:
            raise Refused(
                _("找不到编号为 %(id)s 的意见建议。", id=form.survivor.data), field="survivor"
            ) from None
        handling.check_merge(suggestion, survivor)
        if form.is_confirmed:
            handling.merge(db.session, suggestion, survivor, actor())
        return survivor

    def step(survivor: Suggestion) -> Confirmation:
        return Confirmation(
            title=_("合并意见建议"),
            consequence=_(
                "合并后，编号 %(a)s 不再单独办理，跟随编号 %(b)s 的办理和答复；"
                "提出人查询编号 %(a)s 时，看到的是编号 %(b)s 的答复。",
                a=suggestion.id,
                b=survivor.id,
            ),
            figures=[*_about(suggestion), *_about(survivor)],
            submit=_("确认合并"),
            back=url_for(".item", suggestion_id=suggestion.id),
        )

    return _stepped(
        suggestion,
        "merge",
        form,
        merge_into,
        step,
        lambda survivor: _("编号 %(a)s 已合并到编号 %(b)s。", a=suggestion.id, b=survivor.id),
    )


@admin_bp.route("/<int:suggestion_id>/reject", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def reject(suggestion_id: int) -> Any:
    """The first post shows the step with the suggestion and the reason; the step rejects."""
    suggestion = visible(suggestion_id)
    form = RejectForm()

    def reject_it() -> str:
        reason = RejectReason(form.reason.data)
        note = handling.check_reject(suggestion, reason, form.note.data)
        if form.is_confirmed:
            handling.reject(db.session, suggestion, reason, note, actor())
        return note

    def step(note: str) -> Confirmation:
        return Confirmation(
            title=_("不予受理"),
            consequence=_(
                "不予受理的意见建议保留并计入统计，但不在公开栏展示、不交办；"
                "提出人查询时会看到下面的原因和说明。"
            ),
            figures=[
                *_about(suggestion),
                (_("原因"), REJECT_LABELS[RejectReason(form.reason.data)]),
                (_("说明"), note or _("（无）")),
            ],
            submit=_("确认不予受理"),
            back=url_for(".item", suggestion_id=suggestion.id),
        )

    return _stepped(
        suggestion,
        "reject",
        form,
        reject_it,
        step,
        lambda _note: _("编号 %(id)s 已标记为不予受理，原因已告知提出人。", id=suggestion.id),
    )
