"""The commands of the whole platform: every room's commands attached to the app, and the demo."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from analysis.cli import results
from ballots.cli import ballots, cards
from evaluation.campaign.cli import campaign, export_command, import_command, users
from evaluation.core.cli import audit_group, fail
from evaluation.core.extensions import db
from evaluation.shell.production import backup_command, restore_command, serve_command
from representatives.cli import representatives


def register_commands(app: Flask) -> None:
    """Attach every room's commands to the app, where `sanmin` and tests find them."""
    for command in (
        campaign,
        audit_group,
        import_command,
        export_command,
        demo_command,
        ballots,
        cards,
        representatives,
        results,
        serve_command,
        backup_command,
        restore_command,
        users,
    ):
        app.cli.add_command(command)


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Only build the demo campaign.")
@click.option(
    "--released",
    is_flag=True,
    help="Also walk it through to released results: its open box sealed, the results "
    "released, an appeal filed, the assessment points computed (its cards then cannot vote).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo_command(no_serve: bool, released: bool, host: str, port: int) -> None:
    """Build the demo campaign (idempotently), print the logins and serve it."""
    from flask import current_app
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    from ballots.keys import DEMO_PASSPHRASES
    from ballots.models import BoxState
    from evaluation.shell.demo import DEMO_PASSWORD, build_demo, demo_cards

    if current_app.config["PRODUCTION"]:
        fail(
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
    if released:
        from evaluation.core.audit import command_line_actor
        from evaluation.shell.demo_released import release_demo

        release_demo(db.session, command_line_actor())
        db.session.commit()
    if box.current_state == BoxState.SEALED:  # walked through, now or before
        click.echo(f"  results released (box {box.id} sealed): {base}/results/")
        click.echo("    statistics: 评议结果 → 申诉复核 (D03's appeal), 考核得分 (points to sign)")
        click.echo(f"    work summary: {base}/assessment/summary")
    else:
        click.echo(f"  demo voting cards (group 1, {box.venue.name}, box {box.id} is open):")
        for card in cards[:3]:
            click.echo(f"    {base}/v/{card.token}")
        click.echo(
            f"    … {len(cards)} in all: {base}/v/<token>; `sanmin ballots issue` prints more"
        )
    if no_serve:
        return
    click.echo(f"\nServing on {base} — press Ctrl+C to stop.")
    run_simple(host, port, current_app._get_current_object(), threaded=True)
