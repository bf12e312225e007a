"""`sanmin results …`: tally, export and the recount from the published records."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from analysis import archive
from analysis.computation import figures_of
from analysis.exports import preview_mark, results_csv, results_xlsx
from analysis.services import current_run, released_run, run_tally, unfinished_boxes, verify
from evaluation.campaign.imports import ImportRefused
from evaluation.campaign.services import require_campaign
from evaluation.core import audit
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


@results.command("archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, required=True, help="the year of those results")
@click.option("--title", default="", help="default: <year>年度")
@click.option(
    "--weights",
    default="100,80,0",
    show_default=True,
    help="满意,基本满意,不满意 as that year scored them",
)
@click.option(
    "--venue-weighting",
    type=click.Choice(["pooled", "equal"]),
    default="pooled",
    show_default=True,
)
@click.option("--replace", is_flag=True, help="replace the year if it was imported before")
@with_appcontext
@one_transaction
def archive_command(
    file: Path, year: int, title: str, weights: str, venue_weighting: str, replace: bool
) -> None:
    """Import a past year's released results (its results CSV) for the year-over-year trend."""
    try:
        satisfied, basic, dissatisfied = (float(w) for w in weights.split(","))
    except ValueError:
        raise click.BadParameter("三个数：满意,基本满意,不满意", param_hint="--weights") from None
    settings = archive.ScoreSettings(satisfied, basic, dissatisfied, venue_weighting)
    actor = audit.command_line_actor()
    try:
        archived = archive.import_year(
            db.session, file.read_bytes(), year, title, settings, actor, replace
        )
    except ImportRefused as refusal:
        for error in refusal.errors:
            click.echo(f"row {error.row}, {error.column}: {error.reason}", err=True)
        raise
    click.echo(f"{archived.year}: {len(archived.results)} departments archived")


@results.command("code-change")
@click.argument("old_code")
@click.argument("new_code")
@click.option("--year", type=int, required=True, help="the first year NEW_CODE was used")
@click.option("--note", default="")
@with_appcontext
@one_transaction
def code_change_command(old_code: str, new_code: str, year: int, note: str) -> None:
    """Record that from YEAR on, OLD_CODE continues as NEW_CODE (renamed, merged, split)."""
    archive.record_code_change(
        db.session, year, old_code, new_code, note, audit.command_line_actor()
    )
    click.echo(f"from {year}: {old_code} → {new_code}")
