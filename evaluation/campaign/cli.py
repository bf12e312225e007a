"""The campaign room's commands: the phase, importing and exporting departments and venues,
and the back-office accounts."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

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
from evaluation.campaign.services import current_campaign, move_phase, require_campaign
from evaluation.campaign.users import (
    check_password,
    deactivate,
    find_user,
    reset_password,
    save_user,
)
from evaluation.core import audit
from evaluation.core.cli import one_transaction
from evaluation.core.errors import Refused
from evaluation.core.extensions import db
from evaluation.core.models import Role
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


@click.group("users")
def users() -> None:
    """Back-office accounts: create one, reset a password, deactivate one."""


def _new_password(username: str) -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            check_password(password, username)
            return password
        except Refused as refusal:
            click.echo(refusal.message, err=True)


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_code", help="Its code, for a department liaison.")
@click.option("--venue", "venue_name", help="Its name, for venue staff and district organisers.")
@click.option("--display-name", default="")
@with_appcontext
@one_transaction
def users_create(
    username: str, role: str, department_code: str | None, venue_name: str | None, display_name: str
) -> None:
    """Create an account (the first administrator too); asks for the password twice and
    refuses a weak one."""
    campaign = current_campaign(db.session)
    units = {d.code: d.id for d in campaign.departments} if campaign else {}
    venues = {v.name: v.id for v in campaign.venues} if campaign else {}
    if department_code and department_code not in units:
        raise Refused(_("没有代码为 %(code)s 的部门。", code=department_code))
    if venue_name and venue_name not in venues:
        raise Refused(_("没有名为 %(name)s 的会场。", name=venue_name))
    values = {
        "username": username,
        "role": role,
        "display_name": display_name,
        "department_id": units.get(department_code or ""),
        "venue_id": venues.get(venue_name or ""),
        "password": _new_password(username),
        "active": True,
    }
    save_user(db.session, campaign, audit.command_line_actor(), values)
    click.echo(f"account {username} ({role}) created")


@users.command("reset-password")
@click.argument("username")
@with_appcontext
@one_transaction
def users_reset_password(username: str) -> None:
    """Set a new password (asked twice); the account's sessions end everywhere."""
    user = find_user(db.session, username)
    reset_password(db.session, user, _new_password(user.username), audit.command_line_actor())
    click.echo(f"password of {user.username} changed; its sessions have ended")


@users.command("deactivate")
@click.argument("username")
@with_appcontext
@one_transaction
def users_deactivate(username: str) -> None:
    """The account can no longer sign in and is signed out everywhere."""
    user = find_user(db.session, username)
    deactivate(db.session, user, audit.command_line_actor())
    click.echo(f"account {user.username} deactivated")
