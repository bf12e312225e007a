"""The `sanmin` command line: a Flask CLI group with the campaign's commands."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from evaluation import audit, create_app
from evaluation.errors import Refused
from evaluation.extensions import db
from evaluation.imports import (
    DEPARTMENT_COLUMNS,
    VENUE_COLUMNS,
    ImportRefused,
    department_rows,
    import_departments,
    import_venues,
    read_table,
    venue_rows,
)
from evaluation.models import Phase
from evaluation.services import move_phase, require_campaign
from evaluation.spreadsheets import csv_row


@click.group(cls=FlaskGroup, create_app=create_app)
def sanmin() -> None:
    """三民活动平台 sanmin: run the campaign from the command line."""


def register_commands(app: Flask) -> None:
    """Attach the campaign's commands to the app, where `sanmin` and tests find them."""
    from analysis.cli import results
    from ballots.cli import ballots
    from evaluation.production import backup_command, serve_command

    for command in (
        campaign,
        audit_group,
        import_command,
        export_command,
        demo_command,
        ballots,
        results,
        serve_command,
        backup_command,
    ):
        app.cli.add_command(command)


def exit_refused(refusal: Refused) -> NoReturn:
    """End a command on a refusal: roll back, print the Chinese message, exit non-zero."""
    db.session.rollback()
    click.echo(refusal.message, err=True)
    sys.exit(1)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.group()
def campaign() -> None:
    """The campaign: phases."""


@campaign.command("phase")
@click.argument("name", type=click.Choice([p.value for p in Phase]))
@click.option("--reason", default="", help="Required to go back to an earlier phase (reopen).")
@with_appcontext
def campaign_phase(name: str, reason: str) -> None:
    """Move the current campaign to phase NAME (audited as the command line)."""
    try:
        current = require_campaign(db.session)
        move_phase(db.session, current, Phase(name), audit.command_line_actor(), reason)
        db.session.commit()
    except Refused as refusal:
        exit_refused(refusal)
    click.echo(f"{current.year}: {name}")


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.option(
    "--expect-head",
    default=None,
    help="A head hash noted down earlier (closing minutes, released results): it must still "
    "be in the chain, unchanged with every event before it.",
)
@with_appcontext
def audit_verify(expect_head: str | None) -> None:
    """Check the hash chain of the audit log; exit non-zero at the first broken link."""
    report = audit.verify_chain(db.session, expect_head)
    if not report.ok:
        at = f" at event {report.broken_at}" if report.broken_at is not None else ""
        _fail(f"BROKEN{at}: {report.reason} ({report.count} events read)")
    click.echo(f"OK: {report.count} events, head {report.head_hash}")


IMPORTERS = {"departments": import_departments, "venues": import_venues}
EXPORT_COLUMNS = {"departments": DEPARTMENT_COLUMNS, "venues": VENUE_COLUMNS}


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(kind: str, path: Path) -> None:
    """Import departments or venues from a CSV or XLSX file (all rows or none)."""
    try:
        with path.open("rb") as stream:
            rows = read_table(path.name, stream)
        with click.progressbar(length=len(rows), label=f"checking {len(rows)} rows") as bar:
            result = IMPORTERS[kind](
                db.session, require_campaign(db.session), rows, audit.command_line_actor()
            )
            bar.update(len(rows))
        db.session.commit()
    except ImportRefused as refusal:
        db.session.rollback()
        for error in refusal.errors:
            click.echo(f"第 {error.row} 行，{error.column}：{error.reason}", err=True)
        _fail(refusal.message)
    except Refused as refusal:
        exit_refused(refusal)
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


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Only build the demo campaign.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo_command(no_serve: bool, host: str, port: int) -> None:
    """Build the demo campaign (idempotently), print the logins and serve it."""
    from flask import current_app
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    from ballots.keys import DEMO_PASSPHRASES
    from evaluation.demo import DEMO_PASSWORD, build_demo, demo_cards

    if current_app.config["PRODUCTION"]:
        _fail(
            "演示数据的密码、评议卡和持钥口令都是公开的，生产模式下不能运行 sanmin demo。"
            " The demo's passwords, cards and passphrases are public: not in production."
        )
    click.echo("Upgrading the database schema…")
    upgrade()
    logins = build_demo(db.session, progress=click.progressbar)
    box, cards = demo_cards(db.session)
    db.session.commit()
    base = f"http://{host}:{port}"
    click.echo("\n三民活动演示已就绪 / the demo campaign is ready\n")
    click.echo(f"  public home page:  {base}/")
    click.echo(f"  suggestions:       {base}/suggestions/  (submit: {base}/suggestions/new)")
    click.echo(
        f"  back office login: {base}/login   (password for every demo login: {DEMO_PASSWORD})"
    )
    for username, role_label in logins:
        click.echo(f"    {username:<12} {role_label}")
    click.echo("  ballot key passphrases (public in the demo only; any two open a box):")
    for holder, passphrase in DEMO_PASSPHRASES.items():
        click.echo(f"    {holder:<12} {passphrase}")
    click.echo(f"  demo voting cards (group 1, {box.venue.name}, box {box.id} is open):")
    for card in cards[:3]:
        click.echo(f"    {base}/v/{card.token}")
    click.echo(f"    … {len(cards)} in all: {base}/v/<token>; `sanmin ballots issue` prints more")
    if no_serve:
        return
    click.echo(f"\nServing on {base} — press Ctrl+C to stop.")
    run_simple(host, port, current_app._get_current_object(), threaded=True)
