"""Running in production: gunicorn workers (`sanmin serve`) and backups (`sanmin backup`)."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from evaluation.core.extensions import db

DEFAULT_WORKERS = 4
DEFAULT_THREADS = 1


class _Gunicorn(BaseApplication):
    """gunicorn with our options, serving the app the command built from the environment:
    once, in the master, warmed before it forks the workers."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.app = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        warm_up(self.app)
        return self.app


def warm_up(app: Flask) -> None:
    """Do before the first request what the first phones at a venue would otherwise wait for:
    compile every template and the voting path's queries (tens of ms of a first request).

    gunicorn runs this once in its master (`preload_app`) and forks the warm app into every
    worker. No connection is kept: each worker opens its own.
    """
    from ballots.casting import warm_up_voting

    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    with app.app_context():
        try:
            warm_up_voting(db.session)
        except SQLAlchemyError as error:  # the database may not be up yet: nothing is lost
            app.logger.warning("warm-up without the database: %s", error)
        finally:
            db.session.remove()
            db.engine.dispose()
    # What the master built is never freed: move it out of the collector's sight. Otherwise
    # every worker's collections walk all of it (a third of a ballot's CPU) and the first one
    # writes to every inherited page (a 100-200 ms stall on a worker's first requests).
    gc.collect()
    gc.freeze()


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64))
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(5, 600))
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="one line per request on stdout (voting tokens masked); the proxy usually logs them",
)
@with_appcontext
def serve_command(bind: str, workers: int, threads: int, timeout: int, access_log: bool) -> None:
    """Serve with gunicorn: several worker processes, each with its own database pool.

    Nothing lives in the processes: the database holds the data and, with
    SANMIN_RATELIMIT_STORAGE_URI=redis://…, Redis holds the rate limits of every worker.
    """
    app = current_app._get_current_object()
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory") and workers > 1:
        click.echo(
            "注意：限流计数保存在各进程内存中，多进程时请设置 SANMIN_RATELIMIT_STORAGE_URI=redis://…",
            err=True,
        )
    db.engine.dispose()  # no connection may be shared with the forked workers
    _Gunicorn(
        app,
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "preload_app": True,  # the app is built and warmed once, then forked
            "timeout": timeout,
            "graceful_timeout": timeout,
            "accesslog": "-" if access_log else None,
            "errorlog": "-",
            # A worker takes only as many connections as it has threads and closes each one
            # after its response: waiting requests queue in the listening socket, which the
            # next free worker serves oldest first. Kept-alive connections would tie a phone
            # to one worker while another sits idle (p99 three times longer). The proxy keeps
            # the phones' own connections alive.
            "worker_connections": threads,
            "keepalive": 0,
        },
    ).run()


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Copy the database to TARGET while the site keeps running.

    SQLite: the online backup API (a consistent copy, even mid-write). PostgreSQL: pg_dump in
    its custom format (restore with pg_restore).
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if target.exists():
        raise click.ClickException(f"{target} 已存在，不会覆盖。")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
    elif url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise click.ClickException("找不到 pg_dump，请安装 PostgreSQL 客户端。")
        env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
        command = [pg_dump, "--format=custom", "--file", str(target), "--no-password"]
        command += ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
        command += ["--username", url.username or "postgres", url.database or "postgres"]
        subprocess.run(command, check=True, env=env)
    else:
        raise click.ClickException(f"不支持备份这种数据库：{url.get_backend_name()}")
    click.echo(f"备份完成：{target} ({target.stat().st_size:,} bytes)")
