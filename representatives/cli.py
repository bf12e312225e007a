"""`sanmin representatives …`: the roster, the quotas, the draw and the invited lists."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from evaluation.campaign.imports import ImportRefused, read_table
from evaluation.campaign.services import require_campaign
from evaluation.core.audit import command_line_actor
from evaluation.core.cli import one_transaction
from evaluation.core.extensions import db
from representatives.draw import run_draw
from representatives.letters import export_invited, letters_pdf, sms_csv
from representatives.roster import MAX_ROSTER_ROWS, import_quotas, import_roster


@click.group("representatives")
def representatives() -> None:
    """Citizen representatives: roster, quotas, the draw, invited lists."""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open("rb") as stream:
        return read_table(path.name, stream, MAX_ROSTER_ROWS)


def _named(refusal: ImportRefused) -> ImportRefused:
    """Every bad row on standard error, before the refusal ends the command."""
    for error in refusal.errors:
        click.echo(f"第 {error.row} 行，{error.column}：{error.reason}", err=True)
    return refusal


@representatives.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@one_transaction
def import_command(file: Path) -> None:
    """Import the roster (代表库) from CSV (UTF-8 or GBK) or XLSX: 编号, 姓名, 类别, 区市, and
    optionally 性别, 年龄段, 手机, 身份证号. All or nothing."""
    try:
        added, updated = import_roster(
            db.session, require_campaign(db.session), _rows(file), command_line_actor()
        )
    except ImportRefused as refusal:
        raise _named(refusal) from None
    click.echo(f"roster: {added} added, {updated} updated")


@representatives.command("quotas")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@one_transaction
def quotas_command(file: Path) -> None:
    """Set the quotas (名额) from CSV or XLSX: 组别, 会场, 类别, 人数 (replaces all)."""
    try:
        count = import_quotas(
            db.session, require_campaign(db.session), _rows(file), command_line_actor()
        )
    except ImportRefused as refusal:
        raise _named(refusal) from None
    click.echo(f"quotas: {count} rows")


@representatives.command("draw")
@click.option("--seed", required=True, help="A public number nobody chose, e.g. a lottery draw.")
@click.option("--not-last-year", is_flag=True, help="Leave out last year's representatives.")
@with_appcontext
@one_transaction
def draw_command(seed: str, not_last_year: bool) -> None:
    """Draw the representatives of every meeting and venue, with ranked reserves."""
    drawn = run_draw(
        db.session, require_campaign(db.session), seed, command_line_actor(), not_last_year
    )
    click.echo(f"invited {sum(len(d.invited) for d in drawn)} in {len(drawn)} strata")
    for d in drawn:
        if d.short:
            s = d.stratum
            click.echo(f"short: group {s.group} {s.venue} {s.category}: {d.short} of {s.quota}")


@representatives.command("export")
@click.option("--meeting", "group_number", type=int, required=True, help="The group number.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@one_transaction
def export_command(group_number: int, out: Path) -> None:
    """Write a meeting's invited representatives (with phones: audited) as CSV."""
    text = export_invited(
        db.session, require_campaign(db.session), group_number, command_line_actor()
    )
    out.write_text(text, encoding="utf-8")
    click.echo(f"{out}")


@representatives.command("letters")
@click.option("--meeting", "group_number", type=int, required=True, help="The group number.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@one_transaction
def letters_command(group_number: int, out: Path) -> None:
    """Write a meeting's invitation letters (A4 PDF, one a person, with the check-in QR)."""
    out.write_bytes(
        letters_pdf(db.session, require_campaign(db.session), group_number, command_line_actor())
    )
    click.echo(f"{out}")


@representatives.command("sms")
@click.option("--meeting", "group_number", type=int, required=True, help="The group number.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@one_transaction
def sms_command(group_number: int, out: Path) -> None:
    """Write the SMS gateway's CSV for a meeting's invited representatives (audited)."""
    text = sms_csv(db.session, require_campaign(db.session), group_number, command_line_actor())
    out.write_text(text, encoding="utf-8")
    click.echo(f"{out}")
