"""Security baseline: CSRF, login limits, production secret key, headers and cookies."""

import os
import re
import uuid

import pytest

from evaluation.campaign.models import Campaign, Phase
from evaluation.core.config import ConfigError
from evaluation.core.models import Role
from evaluation.shell.app import create_app
from tests.conftest import TEST_PASSWORD

# CI sets this to Redis so the limits are also proven on the production storage.
LIMITER_STORAGE = os.environ.get("SANMIN_TEST_RATELIMIT_STORAGE_URI", "memory://")


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_form_posted_without_its_csrf_token_is_rejected_and_changes_nothing(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from evaluation.core.extensions import db

        factory.session = db.session
        factory.campaign(phase=Phase.PREPARATION)
        admin = factory.user(Role.ADMIN)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(admin.id)
            session["sv"] = admin.session_version
        response = client.post("/office/campaign/phase", data={"target": "reporting"})
        assert response.status_code == 400
        assert "表单已过期或来源无法验证" in response.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.query(Campaign).one().phase == "preparation"
        # The same post with the page's token goes through.
        token = _csrf_token(client.get("/office/admin").get_data(as_text=True))
        ok = client.post(
            "/office/campaign/phase", data={"target": "reporting", "csrf_token": token}
        )
        assert ok.status_code == 302


def test_login_with_a_csrf_token_lands_each_role_on_its_page(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    homes = {
        Role.ADMIN: "/office/admin",
        Role.DEPARTMENT: "/office/department",
        Role.VENUE_STAFF: "/office/venue",
        Role.SUPERVISION: "/office/supervision",
        Role.STATISTICS: "/office/statistics",
        Role.REVIEWER: "/office/reviews",
    }
    with app.app_context():
        from evaluation.core.extensions import db

        factory.session = db.session
        for role, home in homes.items():
            user = factory.user(role)
            db.session.commit()
            client = app.test_client()
            token = _csrf_token(client.get("/login").get_data(as_text=True))
            response = client.post(
                "/login",
                data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
            )
            assert response.status_code == 302, role
            assert response.headers["Location"] == home
            assert client.get(home).status_code == 200


def test_a_wrong_password_is_refused_with_a_chinese_message(client, factory, db):
    user = factory.user(Role.ADMIN)
    db.session.commit()
    response = client.post("/login", data={"username": user.username, "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in(client, factory, db):
    user = factory.user(Role.ADMIN)
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 401


def test_login_attempts_are_limited_per_username(make_app, factory):
    app = make_app(
        RATELIMIT_STORAGE_URI=LIMITER_STORAGE,
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
        LOGIN_LIMIT_PER_USERNAME="3 per minute",
        LOGIN_LIMIT_PER_IP="100 per minute",
    )
    with app.app_context():
        client = app.test_client()
        for _ in range(3):
            response = client.post("/login", data={"username": "admin", "password": "guess"})
            assert response.status_code == 401
        blocked = client.post("/login", data={"username": "Admin", "password": "guess"})
        assert blocked.status_code == 429
        assert "操作过于频繁" in blocked.get_data(as_text=True)
        # Another username from the same address is still let through.
        other = client.post("/login", data={"username": "someone", "password": "guess"})
        assert other.status_code == 401


def test_login_attempts_are_limited_per_address(make_app):
    app = make_app(
        RATELIMIT_STORAGE_URI=LIMITER_STORAGE,
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
        LOGIN_LIMIT_PER_IP="4 per minute",
        LOGIN_LIMIT_PER_USERNAME="100 per minute",
    )
    with app.app_context():
        client = app.test_client()
        for i in range(4):
            assert (
                client.post("/login", data={"username": f"u{i}", "password": "x"}).status_code
                == 401
            )
        blocked = client.post("/login", data={"username": "u9", "password": "x"})
        assert blocked.status_code == 429
        assert "秒后再试" in blocked.get_data(as_text=True)  # how long to wait
        # Another address is not affected.
        elsewhere = client.post(
            "/login",
            data={"username": "u9", "password": "x"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        assert elsewhere.status_code == 401


STRONG_KEY = "Vq3x9KpL2mZt7RwB4nYc8HdF6gJs1TaE"  # 32 characters, 32 distinct


@pytest.mark.parametrize("key", [None, "", "dev", "too-short-for-production", "a" * 40, "ab" * 20])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, key):
    config = {"ENV_NAME": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    if key is not None:
        config["SECRET_KEY"] = key
    with pytest.raises(ConfigError, match="SANMIN_SECRET_KEY"):
        create_app(config)


@pytest.mark.parametrize("key", [None, "", "too-short-for-production"])
def test_production_refuses_to_start_without_a_real_audit_key(tmp_path, key):
    config = {
        "ENV_NAME": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "SECRET_KEY": STRONG_KEY,
    }
    if key is not None:
        config["AUDIT_KEY"] = key
    with pytest.raises(ConfigError, match="SANMIN_AUDIT_KEY"):
        create_app(config)


def test_production_reads_its_settings_from_sanmin_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("SANMIN_ENV", "production")
    monkeypatch.setenv("SANMIN_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SANMIN_AUDIT_KEY", STRONG_KEY + "a")
    monkeypatch.setenv("SANMIN_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SANMIN_DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite3")
    app = create_app()
    assert app.config["PRODUCTION"]
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.sqlite3")


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client, factory, db):
    user = factory.user(Role.ADMIN)
    db.session.commit()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("name", ["Production", "prod", "staging"])
def test_an_unknown_environment_name_is_refused_not_run_as_development(tmp_path, name):
    with pytest.raises(ConfigError, match="SANMIN_ENV"):
        create_app({"ENV_NAME": name, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_production_refuses_rate_limits_kept_in_each_process(tmp_path):
    config = {
        "ENV_NAME": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "SECRET_KEY": STRONG_KEY,
        "AUDIT_KEY": STRONG_KEY + "b",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app(config)


def test_development_keys_are_created_readable_by_their_owner_only(tmp_path, monkeypatch):
    import stat

    monkeypatch.setenv("SANMIN_INSTANCE_PATH", str(tmp_path / "instance"))
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": None})
    for name in ("secret_key", "audit_key"):
        path = tmp_path / "instance" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_the_demo_refuses_to_run_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("SANMIN_ENV", "production")
    monkeypatch.setenv("SANMIN_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SANMIN_AUDIT_KEY", STRONG_KEY + "c")
    monkeypatch.setenv("SANMIN_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SANMIN_DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite3")
    app = create_app()
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code != 0 and "生产模式下不能运行" in result.output
    database = tmp_path / "prod.sqlite3"
    assert not database.exists() or database.stat().st_size == 0  # not even migrated
