"""Configuration: defaults, then SANMIN_* environment variables, then create_app(config)."""

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

# Values an operator might leave in place by mistake; production refuses them.
UNSAFE_SECRET_KEYS = {"", "dev", "change-me", "secret", "sanmin"}
MIN_SECRET_KEY_LENGTH = 32
MIN_DISTINCT_KEY_CHARACTERS = 12  # a random 32-character key has about 25
ENVIRONMENTS = ("development", "production")

DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "development",
    "DATABASE_URL": None,  # None: an SQLite file in the instance folder
    "RATELIMIT_STORAGE_URI": "memory://",
    # No X-RateLimit-* headers: on Redis they cost two more round trips on every limited
    # request (9% of the ballots/s under load). A refusal still says when to come back.
    "RATELIMIT_HEADERS_ENABLED": False,
    "LOGIN_LIMIT_PER_IP": "20 per minute",
    "LOGIN_LIMIT_PER_USERNAME": "5 per minute;20 per hour",
    # Only failed card look-ups count: a whole venue may share one address on its Wi-Fi.
    "VOTE_GUESS_LIMIT": "30 per minute",
    "SUGGESTION_LIMIT": "10 per hour;30 per day",  # the public form, per address
    "TRACK_GUESS_LIMIT": "20 per minute",  # only wrong tracking codes or phones count
    "QUESTIONNAIRE_ONLINE_LIMIT": "10 per hour;30 per day",  # the public online form, per address
    "PUBLIC_BASE_URL": None,  # printed in the cards' QR codes; default: the request's host
    # How many proxies in front of the app set X-Forwarded-For (0: trust none). Behind one
    # nginx, 1: rate limits then see the citizen's address, not the proxy's.
    "PROXY_HOPS": 0,
    "LOG_FORMAT": "text",  # "json": one JSON object a line, one line a request
    "METRICS_BIND": None,  # HOST:PORT where `sanmin serve` serves Prometheus metrics
    "ATTACHMENT_DIR": None,  # report attachments; default: <instance>/files
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # a back-office form may stay open for a working day
    # A back-office session ends after a working day without a request.
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=8),
    "SQLITE_BUSY_TIMEOUT_MS": 10_000,
    # Argon2id cost of the key holders' passphrases (ballots.keys.KDF_COSTS).
    "BALLOT_KEY_COST": "interactive",
}


class ConfigError(RuntimeError):
    """The configuration is not safe or not complete enough to start."""


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from the defaults, SANMIN_* variables and explicit overrides."""
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("SANMIN")
    if "ENV" in app.config and "ENV_NAME" not in (overrides or {}):
        app.config["ENV_NAME"] = app.config["ENV"]
    if overrides:
        app.config.update(overrides)

    if app.config["ENV_NAME"] not in ENVIRONMENTS:
        raise ConfigError(
            f"SANMIN_ENV 只能是 {' 或 '.join(ENVIRONMENTS)}（小写），现在是 "
            f"{app.config['ENV_NAME']!r}。 SANMIN_ENV must be one of {', '.join(ENVIRONMENTS)}."
        )
    production = app.config["ENV_NAME"] == "production"
    app.config["PRODUCTION"] = production
    _choose_secret_key(app, production)
    _choose_audit_key(app, production)
    if production and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory"):
        raise ConfigError(
            "生产模式需要共享的限流存储（SANMIN_RATELIMIT_STORAGE_URI=redis://…），否则多个进程"
            "各自计数。 Production needs a shared rate-limit storage (redis://…)."
        )
    _choose_database(app)
    app.config["SESSION_COOKIE_SECURE"] = production
    app.config["REMEMBER_COOKIE_SECURE"] = production


def _choose_secret_key(app: Flask, production: bool) -> None:
    _choose_key(app, production, "SECRET_KEY", "secret_key")


def _choose_audit_key(app: Flask, production: bool) -> None:
    """The audit log's HMAC key: outside the database, so its owner cannot re-hash a chain."""
    _choose_key(app, production, "AUDIT_KEY", "audit_key")


def key_refusal(name: str, key: str) -> str | None:
    """Why production refuses this key (SECRET_KEY, AUDIT_KEY), or None when it is fit."""
    weak = len(set(key)) < MIN_DISTINCT_KEY_CHARACTERS  # "aaaa…", "abab…"
    if key in UNSAFE_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH or weak:
        return (
            f"生产模式需要真实的 SANMIN_{name}（至少 32 个字符的随机值）。"
            f" Production mode needs a real SANMIN_{name} (32+ random characters)."
        )
    return None


def _choose_key(app: Flask, production: bool, name: str, filename: str) -> None:
    key = str(app.config.get(name) or "")
    if production:
        refusal = key_refusal(name, key)
        if refusal:
            raise ConfigError(refusal)
        return
    if key:
        return
    # Development: a random key kept in the instance folder, so it survives restarts and
    # every local process agrees on it.
    path = Path(app.instance_path) / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by this user alone, from the first byte on.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    app.config[name] = path.read_text().strip()


def _choose_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(app.instance_path) / "sanmin.sqlite3")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        engine_options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
