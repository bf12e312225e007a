"""A venue's paper work: paper ballots keyed in twice, conflicts checked by supervision against
the paper, and the representatives' attendance."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ballots.attendance import (
    attendance_summary,
    check_in_at,
    find_at,
    import_representatives,
    representatives,
    reserves_at,
    undo_at,
    walk_in_at,
)
from ballots.boxes import get_box
from ballots.casting import IncompleteBallot
from ballots.forms import (
    PaperEntryForm,
)
from ballots.models import Rating
from ballots.paper import conflicts, enter_paper_ballot, resolve_conflict, unfinished_entries
from ballots.views.blueprints import (
    PAPER_OUTCOMES,
    admin_bp,
    rating_labels,
)
from ballots.views.office import (
    box_for_user,
)
from evaluation.campaign.forms import ImportForm
from evaluation.campaign.imports import ImportRefused, read_table
from evaluation.core.auth import actor
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from representatives.models import categories_of


@admin_bp.route("/<int:box_id>/paper", methods=["GET", "POST"])
@requires(Capability.ENTER_PAPER_BALLOTS)
def paper(box_id: int) -> Any:
    box = box_for_user(box_id)
    form = PaperEntryForm()
    # Keyed as the digit of the answer's place on the paper (1 满意 … 4 不了解).
    keyed = {d.id: request.form.get(f"r{d.id}", "").strip()[:1] for d in box.departments}
    by_digit = {str(place): rating.value for place, rating in enumerate(Rating, start=1)}
    chosen = {d: by_digit.get(digit, "") for d, digit in keyed.items()}
    missing: set[int] = set()

    def enter() -> Any:
        try:
            return enter_paper_ballot(
                db.session,
                box,
                form.short_code.data,
                chosen,
                current_user,
                current_app.config["SECRET_KEY"],
            )
        except IncompleteBallot as refusal:
            missing.update(refusal.missing)  # marked in the grid
            raise

    outcome = run_form(form, enter)
    if outcome.done:
        flash(PAPER_OUTCOMES[outcome.value])
        return redirect(url_for("ballots_office.paper", box_id=box.id))
    return render_template(
        "ballots/paper.html",
        box=box,
        form=form,
        keyed=keyed,
        missing=missing,
        ratings=list(Rating),
        labels=rating_labels(),
        digit_labels={digit: rating_labels()[Rating(value)] for digit, value in by_digit.items()},
        unfinished=unfinished_entries(db.session, box),
    ), outcome.status


@admin_bp.route("/<int:box_id>/conflicts")
@requires(Capability.RESOLVE_PAPER_CONFLICTS)
def paper_conflicts(box_id: int) -> tuple[str, int]:
    return _conflicts_page(get_box(db.session, box_id))


def _conflicts_page(
    box: Any,
    refused: int | None = None,
    form: FlaskForm | None = None,
    chosen: dict[int, str] | None = None,
    missing: set[int] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The paper conflicts; the entry whose check was refused keeps what was keyed in."""
    return render_template(
        "ballots/conflicts.html",
        box=box,
        entries=conflicts(db.session, box),
        ratings=list(Rating),
        labels=rating_labels(),
        form=form or PaperEntryForm(formdata=None),
        refused=refused,
        chosen=chosen or {},
        missing=missing or set(),
    ), status


@admin_bp.route("/<int:box_id>/conflicts/<int:entry_id>", methods=["POST"])
@requires(Capability.RESOLVE_PAPER_CONFLICTS)
def resolve(box_id: int, entry_id: int) -> Any:
    box = get_box(db.session, box_id)
    form = PaperEntryForm()
    ratings = {d.id: request.form.get(f"r{d.id}", "") for d in box.departments}
    missing: set[int] = set()

    def check() -> None:
        try:
            resolve_conflict(db.session, box, entry_id, form.short_code.data, ratings, current_user)
        except IncompleteBallot as refusal:
            missing.update(refusal.missing)
            raise

    outcome = run_form(form, check)
    if outcome.done:
        flash(_("已按纸质票核对结果计入。"))
        return redirect(url_for("ballots_office.paper_conflicts", box_id=box.id))
    return _conflicts_page(box, entry_id, form, ratings, missing, outcome.status)


@admin_bp.route("/<int:box_id>/attendance")
@requires(Capability.WATCH_BOXES)
def attendance(box_id: int) -> str:
    box = box_for_user(box_id)
    return _attendance_page(box, ImportForm(), [], 200)


def _attendance_page(box: Any, form: ImportForm, errors: list, status: int) -> Any:
    typed = request.args.get("q", "").strip()[:50]
    return render_template(
        "ballots/attendance.html",
        box=box,
        people=representatives(db.session, box),
        found=find_at(db.session, box, typed) if typed else None,
        reserves=reserves_at(db.session, box),
        typed=typed,
        summary=attendance_summary(db.session, box),
        import_form=form,
        errors=errors,
        tap_form=ConfirmForm(),
        categories=categories_of(box.campaign),
    ), status


@admin_bp.route("/<int:box_id>/attendance/import", methods=["POST"])
@requires(Capability.KEEP_ATTENDANCE)
def attendance_import(box_id: int) -> Any:
    box = box_for_user(box_id)
    form = ImportForm()
    errors: list = []

    def add() -> int:
        try:
            rows = read_table(form.file.data.filename, form.file.data.stream)
            return import_representatives(db.session, box, rows, actor())
        except ImportRefused as refusal:
            errors.extend(refusal.errors)  # every bad row, listed under the form
            raise

    outcome = run_form(form, add)
    if outcome.done:
        flash(_("已导入 %(n)s 位代表。", n=outcome.value))
        return redirect(url_for("ballots_office.attendance", box_id=box.id))
    return _attendance_page(box, form, errors, outcome.status)


@admin_bp.route("/<int:box_id>/attendance/<int:person_id>/check-in", methods=["POST"])
@requires(Capability.KEEP_ATTENDANCE)
def attendance_check_in(box_id: int, person_id: int) -> Response:
    """One tap checks one person in; several desks at once, a repeat counted once."""
    box = box_for_user(box_id)
    done = check_in_at(db.session, box, person_id)
    if done.newly:
        flash(_("%(name)s 已签到，请发给评议卡。", name=done.person.name))
    else:
        flash(_("%(name)s 已经签到过，不要再发评议卡。", name=done.person.name), "error")
    return redirect(url_for("ballots_office.attendance", box_id=box.id))


@admin_bp.route("/<int:box_id>/attendance/walk-in/<int:place_id>", methods=["POST"])
@requires(Capability.KEEP_ATTENDANCE)
def attendance_walk_in(box_id: int, place_id: int) -> Response:
    """A drawn reserve who came to the door takes a free seat."""
    box = box_for_user(box_id)
    person = walk_in_at(db.session, box, place_id, actor())
    flash(_("候补代表 %(name)s 已递补并签到，请发给评议卡。", name=person.name))
    return redirect(url_for("ballots_office.attendance", box_id=box.id))


@admin_bp.route("/<int:box_id>/attendance/<int:person_id>/undo", methods=["POST"])
@requires(Capability.KEEP_ATTENDANCE)
def attendance_undo(box_id: int, person_id: int) -> Response:
    box = box_for_user(box_id)
    undo_at(db.session, box, person_id, actor())
    flash(_("已撤销签到。"))
    return redirect(url_for("ballots_office.attendance", box_id=box.id))
