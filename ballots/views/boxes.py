"""The public box index: every box's manifest and, once sealed, its records and minutes."""

from __future__ import annotations

from flask import Response

from ballots.services import get_box
from ballots.tally import receipts_text, records_csv
from ballots.views import public_bp
from evaluation.extensions import db


@public_bp.route("/boxes/<int:box_id>/records.csv")
def box_records(box_id: int) -> Response:
    box = get_box(db.session, box_id)
    return Response(
        records_csv(db.session, box),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=box-{box.id}-records.csv"},
    )


@public_bp.route("/boxes/<int:box_id>/receipts.txt")
def box_receipts(box_id: int) -> Response:
    box = get_box(db.session, box_id)
    return Response(receipts_text(db.session, box), mimetype="text/plain")
