"""The turnout wall (到会和投票进度): a public big screen per meeting, refreshing itself.

Counts only: representatives invited and checked in, and ballots cast, per venue and in all;
never a rating, never a name, whatever the state of the boxes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _

from ballots.attendance import attendance_by_box
from ballots.boxes import boxes_of, turnout_by_box
from ballots.views.blueprints import TURNOUT_REFRESH_SECONDS, public_bp
from evaluation.campaign.models import Meeting
from evaluation.core.errors import NotFound
from evaluation.core.extensions import db


@dataclass(frozen=True)
class VenueLine:
    venue: str
    invited: int
    came: int
    cast: int


@public_bp.route("/screen/<int:meeting_id>/turnout")
def turnout_wall(meeting_id: int) -> str:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("没有这场述职评议会。"))
    boxes = [b for b in boxes_of(db.session, meeting.group.campaign) if b.meeting_id == meeting.id]
    people = attendance_by_box(db.session, boxes)
    cast = turnout_by_box(db.session, boxes)
    lines = [
        VenueLine(b.venue.name, people[b.id][0], people[b.id][1], cast[b.id].cast)
        for b in sorted(boxes, key=lambda b: (b.venue.kind != "main", b.venue.name))
    ]
    return render_template(
        "ballots/wall.html",
        meeting=meeting,
        lines=lines,
        total=VenueLine(
            "",
            sum(x.invited for x in lines),
            sum(x.came for x in lines),
            sum(x.cast for x in lines),
        ),
        refresh=TURNOUT_REFRESH_SECONDS,
    )
