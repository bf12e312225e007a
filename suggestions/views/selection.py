"""The outstanding-suggestion and outstanding-unit selections (评选)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from evaluation.campaign.models import Department
from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, SelectChoice, run_form
from evaluation.core.permissions import Capability, can, requires
from suggestions import selection as selections
from suggestions.forms import (
    SELECTION_STATE_LABELS,
    FinaliseForm,
    NominateUnitForm,
)
from suggestions.selection_models import NomineeKind
from suggestions.views.blueprints import admin_bp, unit_list
from suggestions.views.office import item_action, visible

# ---------------------------------------------------------------- selection


def _kind(kind: str) -> NomineeKind:
    try:
        return NomineeKind(kind)
    except ValueError:
        raise Refused(_("找不到该页面，请检查网址是否正确。"), 404) from None


@admin_bp.route("/<int:suggestion_id>/nominate", methods=["POST"])
@requires(Capability.RUN_SELECTIONS)
def nominate(suggestion_id: int) -> Any:
    suggestion = visible(suggestion_id)

    def add() -> None:
        kind = NomineeKind.SUGGESTION
        chosen = selections.selection_of(db.session, suggestion.campaign, kind)
        selections.nominate(db.session, chosen, actor(), suggestion=suggestion)

    return item_action(
        suggestion, "nominate", ConfirmForm(), add, lambda _value: _("已提名参加优秀意见建议评选。")
    )


DISTRICT = "district:"


def _nominable(campaign: Any, kind: str) -> list[SelectChoice]:
    """What the office may nominate: departments, and for organising units the districts'
    governments too."""
    choices = [SelectChoice(str(c.value), c.label) for c in unit_list(campaign)]
    if kind == NomineeKind.ORGANISER:
        choices += [
            SelectChoice(f"{DISTRICT}{d}", f"{d}人民政府")
            for d in selections.districts_of(campaign)
        ]
    return choices


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
    nominate_form.unit.choices = _nominable(campaign, chosen.kind)
    scorer = can(current_user, Capability.SCORE_NOMINEES)
    mine = selections.own_scores(db.session, chosen, current_user) if scorer else {}
    scored = set(mine)  # what is saved; a refused form shows what was typed, not saved
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
        scored=scored,
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
    form.unit.choices = _nominable(require_campaign(db.session), _kind(kind))

    def add(chosen: Any) -> None:
        picked = str(form.unit.data or "")
        if picked.startswith(DISTRICT):  # an organising unit may be a district government
            selections.nominate(db.session, chosen, actor(), district=picked[len(DISTRICT) :])
            return
        unit = db.session.get(Department, int(picked) if picked.isdigit() else 0)
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
