"""Running in production: gunicorn workers (`sanmin serve`), backups (`sanmin backup`) and
restoring one (`sanmin restore`)."""

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
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from evaluation.core import audit
from evaluation.core.extensions import db

DEFAULT_WORKERS = 4
DEFAULT_THREADS = 1
# gunicorn's own lines (workers booting, timeouts) as JSON too, tokens masked.
JSON_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "evaluation.core.security.MaskVotingTokens"}},
    "formatters": {"json": {"()": "evaluation.core.observe.JsonLines"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["mask"],
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


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
@click.option(
    "--metrics-bind",
    default=None,
    metavar="HOST:PORT",
    help="serve Prometheus metrics there (default: SANMIN_METRICS_BIND; none if unset)",
)
@with_appcontext
def serve_command(
    bind: str, workers: int, threads: int, timeout: int, access_log: bool, metrics_bind: str | None
) -> None:
    """Serve with gunicorn: several worker processes, each with its own database pool.

    Nothing lives in the processes: the database holds the data and, with
    SANMIN_RATELIMIT_STORAGE_URI=redis://…, Redis holds the rate limits of every worker.
    """
    app = current_app._get_current_object()
    metrics_bind = metrics_bind or app.config.get("METRICS_BIND")
    hooks: dict[str, Any] = {}
    if metrics_bind:
        from evaluation.shell import metrics

        metrics.prepare_folder()
        database = app.config["SQLALCHEMY_DATABASE_URI"]
        hooks["when_ready"] = lambda _server: metrics.serve_metrics(metrics_bind, database)
        hooks["child_exit"] = lambda _server, worker: metrics.forget_worker(worker.pid)
    if app.config.get("LOG_FORMAT") == "json":
        hooks["logconfig_dict"] = JSON_LOGGING
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory") and workers > 1:
        app.logger.warning(
            "注意：限流计数保存在各进程内存中，多进程时请设置 SANMIN_RATELIMIT_STORAGE_URI=redis://…"
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
            **hooks,
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
        _postgresql_tool(url, "pg_dump", "--format=custom", "--file", str(target))
    else:
        raise click.ClickException(f"不支持备份这种数据库：{url.get_backend_name()}")
    click.echo(f"备份完成：{target} ({target.stat().st_size:,} bytes)")


def _postgresql_tool(url: URL, name: str, *arguments: str) -> None:
    """Run pg_dump or pg_restore against the configured database (password via the env)."""
    tool = shutil.which(name)
    if tool is None:
        raise click.ClickException(f"找不到 {name}，请安装 PostgreSQL 客户端。")
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    command = [tool, *arguments, "--no-password"]
    command += ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    command += ["--username", url.username or "postgres"]
    command += ["--dbname" if name == "pg_restore" else "", url.database or "postgres"]
    done = subprocess.run([part for part in command if part], env=env, capture_output=True)
    if done.returncode != 0:
        raise click.ClickException(f"{name} 失败：{done.stderr.decode(errors='replace')[-800:]}")


# How each kind of backup file begins.
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


def rows_held() -> int:
    """Rows in the configured database's tables (the migration stamp aside): 0 when empty."""
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    with db.engine.connect() as connection:
        return sum(
            connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@with_appcontext
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup made by `sanmin backup` into the configured database.

    Stop every server first. An empty database (just created, or only migrated) is filled;
    one that holds data is replaced only with --force. The audit chain is checked after.
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    header = source.open("rb").read(16)
    backend = url.get_backend_name()
    expected = {"sqlite": SQLITE_HEADER, "postgresql": PG_DUMP_HEADER}.get(backend)
    if expected is None:
        raise click.ClickException(f"不支持恢复到这种数据库：{backend}")
    if not header.startswith(expected):
        kind = "SQLite 备份" if backend == "sqlite" else "pg_dump 自定义格式的备份"
        raise click.ClickException(f"{source} 不是 {kind}，数据库未改动。")
    held = rows_held()
    if held and not force:
        raise click.ClickException(
            f"数据库中已有数据（{held:,} 行），不会覆盖；确需替换请加 --force。数据库未改动。"
        )
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(url.database)
        with target:
            backup.backup(target)
        target.close()
        backup.close()
    else:
        arguments = ["--no-owner", "--exit-on-error", "--single-transaction"]
        if held or inspect(db.engine).get_table_names():
            arguments += ["--clean", "--if-exists"]
        _postgresql_tool(url, "pg_restore", *arguments, str(source))
        db.engine.dispose()
    report = audit.verify_chain(db.session)
    db.session.remove()
    click.echo(f"恢复完成：{source}")
    if not report.ok:
        raise click.ClickException(
            f"审计日志核验失败（{report.reason}）：备份与本机的 SANMIN_AUDIT_KEY 是否一致？"
        )
    click.echo(f"审计日志核验通过：{report.count} 条，链头 {report.head_hash}")
