"""The campaign room's commands: the phase, and importing and exporting departments and venues."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from evaluation.campaign.imports import (
    DEPARTMENT_COLUMNS,
    VENUE_COLUMNS,
    ImportRefused,
    department_rows,
    import_departments,
    import_venues,
    read_table,
    venue_rows,
)
from evaluation.campaign.models import Phase
from evaluation.campaign.services import move_phase, require_campaign
from evaluation.core import audit
from evaluation.core.cli import one_transaction
from evaluation.core.extensions import db
from evaluation.core.spreadsheets import csv_row


@click.group()
def campaign() -> None:
    """The campaign: phases."""


@campaign.command("phase")
@click.argument("name", type=click.Choice([p.value for p in Phase]))
@click.option("--reason", default="", help="Required to go back to an earlier phase (reopen).")
@with_appcontext
@one_transaction
def campaign_phase(name: str, reason: str) -> None:
    """Move the current campaign to phase NAME (audited as the command line)."""
    current = require_campaign(db.session)
    move_phase(db.session, current, Phase(name), audit.command_line_actor(), reason)
    click.echo(f"{current.year}: {name}")


IMPORTERS = {"departments": import_departments, "venues": import_venues}
EXPORT_COLUMNS = {"departments": DEPARTMENT_COLUMNS, "venues": VENUE_COLUMNS}


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@one_transaction
def import_command(kind: str, path: Path) -> None:
    """Import departments or venues from a CSV or XLSX file (all rows or none)."""
    with path.open("rb") as stream:
        rows = read_table(path.name, stream)
    try:
        with click.progressbar(length=len(rows), label=f"checking {len(rows)} rows") as bar:
            result = IMPORTERS[kind](
                db.session, require_campaign(db.session), rows, audit.command_line_actor()
            )
            bar.update(len(rows))
    except ImportRefused as refusal:
        for error in refusal.errors:
            click.echo(f"第 {error.row} 行，{error.column}：{error.reason}", err=True)
        raise
    click.echo(f"created {result.created}, updated {result.updated}")


@click.command("export")
@click.argument("kind", type=click.Choice(sorted(EXPORT_COLUMNS)))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(kind: str, out: Path) -> None:
    """Export departments or venues as CSV, in the columns the import reads."""
    campaign = require_campaign(db.session)
    rows = department_rows(campaign) if kind == "departments" else venue_rows(campaign)
    with out.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS[kind])
        writer.writerows(csv_row(row) for row in rows)
    click.echo(f"{len(rows)} rows written to {out}")
