"""`sanmin ballots …`: boxes, cards, state moves and the recount, for rehearsals and scripts."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ballots.boxes import box_name, boxes_of, ensure_boxes, get_box, turnout_by_box
from ballots.cards import format_short_code, issue_cards
from ballots.keys import HolderKeys, demo_holder_keys, unlock_holders
from ballots.lifecycle import move_box
from ballots.models import BoxState, KeyHolderRole
from ballots.printing import cards_pdf, paper_form_pdf
from ballots.printjobs import issue_meeting_cards, meeting_boxes, meeting_words
from ballots.tally import verify_box
from evaluation.campaign.models import Campaign
from evaluation.campaign.services import require_campaign
from evaluation.core import audit
from evaluation.core.cli import one_transaction
from evaluation.core.errors import Refused
from evaluation.core.extensions import db


@click.group("ballots")
def ballots() -> None:
    """Ballot boxes, voting cards and the per-box recount."""


@ballots.command("boxes")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
@one_transaction
def list_boxes(as_json: bool) -> None:
    """List the boxes of the current campaign (creating any that are missing)."""
    campaign = require_campaign(db.session)
    ensure_boxes(db.session, campaign, audit.command_line_actor())
    boxes = boxes_of(db.session, campaign)
    counts = turnout_by_box(db.session, boxes)
    rows = [
        {
            "id": box.id,
            "group": box.meeting.group.number if box.meeting else None,
            "venue": box.venue.name if box.venue else None,
            "internal": box.is_internal,
            "state": box.state,
            "tokens_issued": counts[box.id].issued,
            "tokens_voided": counts[box.id].voided,
            "ballots_cast": counts[box.id].cast,
        }
        for box in boxes
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        where = "internal" if row["internal"] else f"group {row['group']} · {row['venue']}"
        click.echo(
            f"{row['id']:>4}  {row['state']:<9} {where:<24} "
            f"issued {row['tokens_issued']:>5}  cast {row['ballots_cast']:>5}"
        )


@ballots.command("issue")
@click.option("--box", "box_id", type=int, required=True)
@click.option("--count", type=int, required=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--base-url", default=None, help="Default: SANMIN_PUBLIC_BASE_URL or localhost.")
@click.option(
    "--reason",
    default=None,
    help="Why cards beyond the box's seats and spares are needed; recorded as an approval.",
)
@with_appcontext
@one_transaction
def issue(
    box_id: int, count: int, csv_path: Path, base_url: str | None, reason: str | None
) -> None:
    """Issue COUNT cards for a box and write their short codes and voting URLs to a CSV.

    A box takes at most its seats plus the campaign's spare share; more only with --reason,
    which the audit log and the box's manifest record as an approval on the command line.
    """
    base = base_url or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    cards = issue_cards(
        db.session,
        get_box(db.session, box_id),
        count,
        audit.command_line_actor(),
        over_limit_reason=reason,
    )
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["short_code", "url"])
        with click.progressbar(cards, label="writing cards", file=sys.stderr) as bar:
            for card in bar:
                writer.writerow(
                    [format_short_code(card.short_code), f"{base.rstrip('/')}/v/{card.token}"]
                )
    click.echo(f"{len(cards)} cards for box {box_id} written to {csv_path}")


@one_transaction
def _move(box_id: int, target: BoxState, holders: tuple[str, ...] = ()) -> None:
    box = get_box(db.session, box_id)
    keys = _holder_keys(box.campaign, holders) if target == BoxState.SEALED else None
    move_box(db.session, box, target, None, keys)
    click.echo(f"box {box_id}: {target.value}")


@ballots.command("open")
@click.option("--box", "box_id", type=int, required=True)
@with_appcontext
def open_box(box_id: int) -> None:
    """Open a box for voting."""
    _move(box_id, BoxState.OPEN)


@ballots.command("close")
@click.option("--box", "box_id", type=int, required=True)
@with_appcontext
def close_box(box_id: int) -> None:
    """Close a box: voting ends."""
    _move(box_id, BoxState.CLOSED)


@ballots.command("seal")
@click.option("--box", "box_id", type=int, required=True)
@click.option(
    "--holder",
    "holders",
    multiple=True,
    type=click.Choice([h.value for h in KeyHolderRole]),
    help="A key holder who types a passphrase; give two. Omitted: the demo's passphrases.",
)
@with_appcontext
def seal_box(box_id: int, holders: tuple[str, ...]) -> None:
    """Seal a closed box: two key holders open its ballots, which are counted."""
    _move(box_id, BoxState.SEALED, holders)


def _holder_keys(campaign: Campaign, holders: tuple[str, ...]) -> HolderKeys:
    """The keys of the holders named (each types a passphrase), or the demo's public ones."""
    if not holders:
        keys = demo_holder_keys(db.session, campaign)
        if keys is None:
            raise Refused(
                _("开启投票箱需要两位持钥人的口令：--holder supervision --holder statistics")
            )
        return keys
    passphrases = {
        KeyHolderRole(h): click.prompt(f"passphrase of {h}", hide_input=True, err=True)
        for h in holders
    }
    return unlock_holders(db.session, campaign, passphrases)


@ballots.command("verify")
@click.option("--box", "box_id", type=int, required=True)
@with_appcontext
@one_transaction
def verify(box_id: int) -> None:
    """Recount a sealed box from its published records and compare with the stored tally."""
    differences = verify_box(db.session, get_box(db.session, box_id))
    if differences:
        for line in differences:
            click.echo(line, err=True)
        sys.exit(1)
    click.echo(f"box {box_id}: the recount equals the stored tally")


@ballots.command("paper-form")
@click.option("--meeting", "group_number", type=int, required=True, help="The group number.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@one_transaction
def paper_form(group_number: int, out: Path) -> None:
    """Write the group's paper ballot form (PDF, A4): its departments in reporting order."""
    campaign = require_campaign(db.session)
    boxes = meeting_boxes(db.session, campaign, group_number)
    group = boxes[0].meeting.group
    out.write_bytes(
        paper_form_pdf(
            campaign.title,
            f"{box_name(boxes[0]).split(' · ')[0]} {group.name}",
            meeting_words(boxes[0].meeting),
            [d.name for d in group.departments],
        )
    )
    click.echo(f"{out}")


@click.group("cards")
def cards() -> None:
    """Voting cards in print runs."""


@cards.command("pdf")
@click.option("--meeting", "group_number", type=int, required=True, help="The group number.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--base-url", default=None, help="Default: SANMIN_PUBLIC_BASE_URL or localhost.")
@with_appcontext
@one_transaction
def cards_pdf_command(group_number: int, out: Path, base_url: str | None) -> None:
    """Issue the cards every box of the meeting still may have (seats and spares) and write
    them as one PDF: a cover sheet per box, ten cards a page with cut marks."""
    base = base_url or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    boxes = meeting_boxes(db.session, require_campaign(db.session), group_number)
    runs = issue_meeting_cards(db.session, boxes, audit.command_line_actor())
    total = sum(len(r.cards) for r in runs)
    with click.progressbar(length=total, label="cards", file=sys.stderr) as bar:
        out.write_bytes(cards_pdf(runs, base.rstrip("/"), bar.update))
    click.echo(f"{total} cards for {len(runs)} boxes written to {out}")
