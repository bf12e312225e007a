"""The public box index: every box's manifest and, once sealed, its records and minutes."""

from __future__ import annotations

from itertools import groupby

from flask import Response, render_template, request
from flask_babel import gettext as _

from ballots.boxes import boxes_of, get_box
from ballots.index import box_index
from ballots.manifest import (
    manifest_of_minutes,
    minutes_of,
    sealed_minutes,
)
from ballots.models import MinutesKind
from ballots.publication import MIN_PUBLISHED, public_records, publication_units, unit_of
from ballots.tally import find_receipt, receipts_text
from ballots.views.blueprints import public_bp
from evaluation.campaign.services import require_campaign
from evaluation.core.errors import NotFound, Refused
from evaluation.core.extensions import db
from evaluation.core.files import send_stored


@public_bp.route("/boxes/<int:box_id>/records.csv")
def box_records(box_id: int) -> Response:
    """The anonymised records of the box (with the small boxes published with it), once the
    results are released: each department's ratings a column shuffled on its own."""
    box = get_box(db.session, box_id)
    units = publication_units(db.session, boxes_of(db.session, box.campaign))
    text = public_records(db.session, box, units)
    first = unit_of(units, box)[0]  # type: ignore[index]  # public_records found it
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=box-{first.id}-records.csv"},
    )


@public_bp.route("/boxes/<int:box_id>/receipts.txt")
def box_receipts(box_id: int) -> Response:
    box = get_box(db.session, box_id)
    return Response(receipts_text(db.session, box), mimetype="text/plain")


@public_bp.route("/boxes/")
def index() -> tuple[str, int]:
    """Every box's manifest, and a voter's receipt looked up (?receipt=…): in which box it is,
    and whether that box is sealed and so counted."""
    campaign = require_campaign(db.session)
    rows = box_index(db.session, campaign)
    by_group = [(group, list(items)) for group, items in groupby(rows, lambda r: r.group)]
    typed = request.args.get("receipt", "").strip()[:40]
    found, refused, status = None, None, 200
    if typed:
        try:
            found = find_receipt(db.session, campaign.id, typed)
        except Refused as refusal:
            refused, status = refusal.message, refusal.status
    return render_template(
        "ballots/index.html",
        campaign=campaign,
        by_group=by_group,
        typed=typed,
        found=found,
        refused=refused,
        min_published=MIN_PUBLISHED,
    ), status


@public_bp.route("/boxes/<int:box_id>/minutes")
def box_minutes(box_id: int) -> str:
    """The printable closing minutes (封箱记录) of a sealed box, and its zero report."""
    box = get_box(db.session, box_id)
    closing = sealed_minutes(db.session, box)
    zero = minutes_of(db.session, box).get(MinutesKind.ZERO.value)
    return render_template(
        "ballots/minutes.html",
        box=box,
        closing=closing,
        zero=zero,
        manifest=manifest_of_minutes(closing),
        zero_manifest=manifest_of_minutes(zero) if zero else None,
    )


@public_bp.route("/boxes/<int:box_id>/minutes/scan")
def box_minutes_scan(box_id: int) -> Response:
    closing = sealed_minutes(db.session, get_box(db.session, box_id))
    if closing.scan_sha256 is None:
        raise NotFound(_("没有上传签字的封箱记录扫描件。"))
    return send_stored(closing.scan_sha256, closing.scan_type, max_age=3600)
