"""`sanmin doctor`: what a production start needs, checked one by one, each with how to fix it.

It runs without a working configuration (that is when it is needed most): when production
refuses to start, the refusal is the first finding and the rest is checked as far as it can be.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import Enum
from typing import Any

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from evaluation.core.clock import beijing_today
from evaluation.core.config import ConfigError, key_refusal
from suggestions.workdays import WorkCalendar


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """One check: what was looked at, how it stands, and what to do."""

    topic: str
    verdict: Verdict
    message: str


# Stand-ins so that the other checks can run when the configuration is refused; never served.
_STAND_IN = {
    "ENV_NAME": "development",
    "SECRET_KEY": "doctor-stand-in-key-never-served",
    "AUDIT_KEY": "doctor-stand-in-key-never-served",
}


def diagnose(build: Any, today: dt.date | None = None) -> list[Finding]:
    """Every check, in the order an operator fixes things. `build(overrides)` makes the app."""
    findings: list[Finding] = []
    try:
        app = build({})
    except ConfigError as refusal:
        # Production refused at the first problem; name every key that would be refused.
        findings.append(Finding("configuration", Verdict.FAIL, str(refusal)))
        for name in ("SECRET_KEY", "AUDIT_KEY"):
            problem = key_refusal(name, os.environ.get(f"SANMIN_{name}", ""))
            if problem and problem != str(refusal):
                findings.append(Finding("keys", Verdict.FAIL, problem))
        app = build(_STAND_IN)
        # The remaining checks judge what production would need, not the stand-in's mode.
        app.config["PRODUCTION"] = os.environ.get("SANMIN_ENV") == "production"
    else:
        findings.append(_environment(app))
        findings.append(_keys(app))
    findings.extend(_database(app))
    findings.append(_limiter(app))
    findings.append(_public_address(app))
    findings.append(_proxy(app))
    findings.append(_calendar(today or beijing_today()))
    return findings


def _environment(app: Flask) -> Finding:
    if app.config["PRODUCTION"]:
        return Finding("environment", Verdict.OK, "SANMIN_ENV=production")
    return Finding(
        "environment",
        Verdict.WARN,
        "开发模式：密钥取自实例目录，Cookie 不带 Secure。生产环境请设置 SANMIN_ENV=production。",
    )


def _keys(app: Flask) -> Finding:
    if not app.config["PRODUCTION"]:
        return Finding("keys", Verdict.WARN, "开发模式的密钥保存在实例目录中，不能用于生产。")
    if app.config["SECRET_KEY"] == app.config["AUDIT_KEY"]:
        return Finding(
            "keys",
            Verdict.FAIL,
            "SANMIN_SECRET_KEY 与 SANMIN_AUDIT_KEY 相同：请为审计日志另设一个随机密钥。",
        )
    return Finding("keys", Verdict.OK, "SANMIN_SECRET_KEY 与 SANMIN_AUDIT_KEY 已设置且互不相同。")


def _database(app: Flask) -> list[Finding]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        return [
            Finding(
                "database", Verdict.FAIL, f"数据库连不上（{reason}）：检查 SANMIN_DATABASE_URL。"
            )
        ]
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    found = [Finding("database", Verdict.OK, f"数据库可以连接：{shown}")]
    with app.app_context():
        directory = current_app.extensions["migrate"].directory
    scripts = ScriptDirectory(directory)
    heads, known = set(scripts.get_heads()), {s.revision for s in scripts.walk_revisions()}
    if current == heads:
        found.append(
            Finding("migrations", Verdict.OK, f"数据库结构是最新的（{', '.join(heads)}）。")
        )
    elif current - known:
        found.append(
            Finding(
                "migrations",
                Verdict.FAIL,
                f"数据库结构（{', '.join(sorted(current))}）比程序新：请安装更新的 sanmin 版本。",
            )
        )
    else:
        state = ", ".join(sorted(current)) or "空库"
        found.append(
            Finding(
                "migrations",
                Verdict.FAIL,
                f"数据库结构未升级（{state}，最新为 {', '.join(heads)}）：运行 sanmin db upgrade。",
            )
        )
    return found


def _limiter(app: Flask) -> Finding:
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    if uri.startswith("memory"):
        verdict = Verdict.FAIL if app.config["PRODUCTION"] else Verdict.WARN
        return Finding(
            "rate limits",
            verdict,
            "限流计数保存在各进程内存中：设置 SANMIN_RATELIMIT_STORAGE_URI=redis://…",
        )
    from limits.storage import storage_from_string

    try:
        reachable = storage_from_string(uri).check()
    except Exception:  # a storage that cannot even be built is not reachable
        reachable = False
    if not reachable:
        return Finding(
            "rate limits", Verdict.FAIL, f"限流存储连不上（{uri}）：检查 Redis 是否运行。"
        )
    return Finding("rate limits", Verdict.OK, f"限流存储可以连接：{uri}")


def _public_address(app: Flask) -> Finding:
    base = str(app.config.get("PUBLIC_BASE_URL") or "")
    if not base:
        return Finding(
            "public address",
            Verdict.WARN if not app.config["PRODUCTION"] else Verdict.FAIL,
            "未设置 SANMIN_PUBLIC_BASE_URL：评议卡二维码会印上请求所用的地址。",
        )
    if not base.startswith("https://"):
        return Finding(
            "public address",
            Verdict.WARN,
            f"SANMIN_PUBLIC_BASE_URL={base} 不是 https：二维码会把代表带到未加密的地址。",
        )
    return Finding("public address", Verdict.OK, f"二维码地址：{base}")


def _proxy(app: Flask) -> Finding:
    hops = int(app.config["PROXY_HOPS"])
    if hops == 0 and app.config["PRODUCTION"]:
        return Finding(
            "proxy",
            Verdict.WARN,
            "SANMIN_PROXY_HOPS=0：在 nginx 后面时所有市民共用一个限流地址，请设为 1。",
        )
    return Finding("proxy", Verdict.OK, f"SANMIN_PROXY_HOPS={hops}")


def _calendar(today: dt.date) -> Finding:
    next_year = dt.date(today.year + 1, 1, 1)
    unknown = WorkCalendar.unknown_years(today, next_year)
    if unknown:
        years = "、".join(str(year) for year in unknown)
        return Finding(
            "calendar",
            Verdict.WARN,
            f"chinesecalendar 还不知道 {years} 年的法定节假日（办理期限只跳过周末）："
            "国务院公布后运行 pip install --upgrade chinesecalendar。",
        )
    return Finding("calendar", Verdict.OK, f"法定节假日日历已含 {next_year.year} 年。")


MARKS = {Verdict.OK: "✓", Verdict.WARN: "!", Verdict.FAIL: "✗"}


@click.command("doctor")
def doctor_command() -> None:
    """Check what a production start needs and say what to fix (exit 1 on any failure)."""
    from evaluation.shell.app import create_app

    findings = diagnose(lambda overrides: create_app(overrides or None))
    for finding in findings:
        click.echo(f"{MARKS[finding.verdict]} {finding.topic:<15} {finding.message}")
    failed = [f for f in findings if f.verdict is Verdict.FAIL]
    if failed:
        raise click.ClickException(f"{len(failed)} 项需要修正。")
    click.echo("可以启动。")
