"""The `sanmin` console script: a Flask CLI group around create_app()."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from evaluation.shell.app import create_app
from evaluation.shell.doctor import doctor_command


@click.group(cls=FlaskGroup, create_app=create_app)
def sanmin() -> None:
    """三民活动平台 sanmin: run the campaign from the command line."""


# Runs without the app's configuration, which is what it checks.
sanmin.add_command(doctor_command)
