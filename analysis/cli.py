"""`sanmin results …`: tally, export and the recount from the published records."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from analysis.computation import figures_of
from analysis.exports import preview_mark, results_csv, results_xlsx
from analysis.services import current_run, released_run, run_tally, unfinished_boxes, verify
from evaluation.campaign.services import require_campaign
from evaluation.core.cli import one_transaction
from evaluation.core.extensions import db


@click.group("results")
def results() -> None:
    """The evaluation results: tally, export, verify."""


@results.command("tally")
@with_appcontext
@one_transaction
def tally() -> None:
    """Compute the results of the sealed boxes (a preview until signed off in the office)."""
    campaign = require_campaign(db.session)
    waiting = unfinished_boxes(db.session, campaign)
    run = run_tally(db.session, campaign, None)  # the command line
    click.echo(f"tally {run.id}: {figures_of(run).audit.boxes} sealed boxes")
    if waiting:
        click.echo(f"{len(waiting)} boxes are still open or closed; sign-off waits for them")


@results.command("export")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@one_transaction
def export(fmt: str, out: Path) -> None:
    """Write the released results (or the newest tally, marked as such) to a file."""
    campaign = require_campaign(db.session)
    run = released_run(db.session, campaign) or current_run(db.session, campaign)
    if run is None:
        click.echo("no tally yet: run `sanmin results tally` first", err=True)
        sys.exit(1)
    figures = figures_of(run)
    mark = preview_mark(run)
    out.write_bytes(
        results_xlsx(figures, mark) if fmt == "xlsx" else results_csv(figures, mark).encode()
    )
    click.echo(f"{out} ({run.state})")


def _downloaded(folder: Path, kind: str) -> dict[int, str]:
    """<kind>-<id>-records.csv files of a folder, by id."""
    return {
        int(p.name.split("-")[1]): p.read_text(encoding="utf-8-sig")
        for p in folder.glob(f"{kind}-*-records.csv")
    }


@results.command("verify")
@click.option(
    "--records",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder of downloaded box-<id>-records.csv and questionnaire-<id>-records.csv "
    "files (default: the published ones).",
)
@with_appcontext
@one_transaction
def verify_command(records: Path | None) -> None:
    """Recompute every released figure from the published ballot records."""
    campaign = require_campaign(db.session)
    texts = _downloaded(records, "box") if records else None
    answers = _downloaded(records, "questionnaire") if records else None
    differences = verify(db.session, campaign, texts, answers)
    for line in differences:
        click.echo(line)
    if differences:
        click.echo(f"{len(differences)} differences", err=True)
        sys.exit(1)
    click.echo("every released figure recomputed from the published records: no difference")
