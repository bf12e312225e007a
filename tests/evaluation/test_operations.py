"""Operations from the command line and the readiness probe: accounts created, reset and
deactivated without a shell, weak passwords refused, /readyz telling the proxy the truth."""

import pytest
from sqlalchemy import select

from evaluation.core.models import AuditEvent, Role, User


def test_the_first_administrator_is_created_from_the_command_line_with_a_strong_password(
    runner, db
):
    weak_then_strong = "\n".join(
        ["sanmin-demo", "sanmin-demo", "Qiang-Mima-2026", "Qiang-Mima-2026"]
    )
    result = runner.invoke(
        args=["users", "create", "--role", "admin", "chief"], input=weak_then_strong + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "密码太常见" in result.output  # the weak one was refused and asked again
    user = db.session.execute(select(User).where(User.username == "chief")).scalar_one()
    assert user.role == Role.ADMIN and user.check_password("Qiang-Mima-2026")
    created = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.create")
    ).scalar_one()
    assert created.actor.startswith("命令行")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "至少 10 个字符"),
        ("aaaaabbbbb", "不同的字符"),
        ("chief-chief-2026", "包含用户名"),
    ],
)
def test_weak_passwords_are_refused_in_the_office_too(client, login_as, db, password, message):
    login_as(Role.ADMIN)
    response = client.post(
        "/office/users/new",
        data={"username": "chief", "role": "statistics", "password": password, "active": "y"},
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.execute(select(User).where(User.username == "chief")).first() is None


def test_reset_password_ends_sessions_and_deactivate_signs_out_everywhere(
    runner, client, factory, db
):
    user = factory.user(Role.STATISTICS, username="tongji")
    db.session.commit()
    version = user.session_version
    result = runner.invoke(
        args=["users", "reset-password", "TONGJI"], input="Xin-Mima-2026\nXin-Mima-2026\n"
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.check_password("Xin-Mima-2026") and user.session_version > version
    assert runner.invoke(args=["users", "deactivate", "tongji"]).exit_code == 0
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    again = runner.invoke(args=["users", "deactivate", "tongji"])
    assert again.exit_code == 1 and "已经停用" in again.output
    missing = runner.invoke(args=["users", "deactivate", "nobody"])
    assert missing.exit_code == 1 and "没有用户名为 nobody" in missing.output


def test_readyz_checks_the_database_and_the_limiter_storage(make_app):
    ready = make_app().test_client().get("/readyz")
    assert ready.status_code == 200 and ready.data == b"ready\n"
    unreachable = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503 and b"rate limit storage" in response.data


GOOD_KEYS = {
    "SECRET_KEY": "s-" + "0123456789abcdefghij" * 2,
    "AUDIT_KEY": "a-" + "klmnopqrstuvwxyz0123" * 2,
}


def _findings(make_app, today=None, **config):
    from evaluation.shell.doctor import diagnose

    found = diagnose(lambda overrides: make_app(**{**config, **overrides}), today)
    return {finding.topic: finding for finding in found}


def test_doctor_passes_a_production_configuration_and_names_what_to_fix(make_app):
    import datetime as dt

    from evaluation.shell.doctor import Verdict
    from tests.invariants.test_across_workers import LIMITER

    if not LIMITER.startswith("redis"):
        pytest.skip("a production configuration needs the Redis limiter storage")
    production = {
        **GOOD_KEYS,
        "ENV_NAME": "production",
        "RATELIMIT_STORAGE_URI": LIMITER,
        "PUBLIC_BASE_URL": "https://sanmin.example.gov.cn",
        "PROXY_HOPS": 1,
    }
    found = _findings(make_app, dt.date(2025, 6, 1), **production)  # 2026 is known
    assert {t: f.verdict for t, f in found.items()} == dict.fromkeys(found, Verdict.OK)
    assert set(found) >= {"environment", "keys", "database", "migrations", "rate limits"}

    worse = {**production, "AUDIT_KEY": production["SECRET_KEY"], "PROXY_HOPS": 0}
    worse |= {"PUBLIC_BASE_URL": "http://10.0.0.5", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1"}
    found = _findings(make_app, dt.date(2026, 12, 6), **worse)
    assert found["keys"].verdict is Verdict.FAIL and "SANMIN_AUDIT_KEY" in found["keys"].message
    assert found["rate limits"].verdict is Verdict.FAIL and "Redis" in found["rate limits"].message
    assert found["proxy"].verdict is Verdict.WARN and "设为 1" in found["proxy"].message
    assert found["public address"].verdict is Verdict.WARN
    # chinesecalendar 1.11 knows 2026 only: in December the next year's holidays are missing.
    assert found["calendar"].verdict is Verdict.WARN and "2027" in found["calendar"].message


def test_doctor_reports_a_refused_configuration_and_an_unmigrated_database(
    make_app, tmp_path, monkeypatch
):
    from evaluation.shell.doctor import Verdict, diagnose

    # What an operator's environment says; production refuses at its first problem, the
    # doctor names them all.
    monkeypatch.setenv("SANMIN_ENV", "production")
    monkeypatch.setenv("SANMIN_SECRET_KEY", "dev")
    monkeypatch.setenv("SANMIN_AUDIT_KEY", "abababababababababababababababab")
    empty = f"sqlite:///{tmp_path}/empty.sqlite3"
    findings = diagnose(lambda overrides: make_app(DATABASE_URL=empty, **overrides))
    by_topic = {}
    for finding in findings:
        by_topic.setdefault(finding.topic, []).append(finding)
    (refused,) = by_topic["configuration"]
    assert refused.verdict is Verdict.FAIL and "SANMIN_" in refused.message
    messages = " ".join(f.message for f in findings if f.verdict is Verdict.FAIL)
    assert "SANMIN_SECRET_KEY" in messages and "SANMIN_AUDIT_KEY" in messages
    assert by_topic["database"][0].verdict is Verdict.OK  # checked all the same
    assert by_topic["migrations"][0].verdict is Verdict.FAIL
    assert "sanmin db upgrade" in by_topic["migrations"][0].message
    # Judged as production would be: memory rate limits and no public address are failures.
    assert by_topic["rate limits"][0].verdict is Verdict.FAIL
    assert by_topic["public address"][0].verdict is Verdict.FAIL


def test_db_upgrade_refuses_a_database_newer_than_the_code_and_changes_nothing(app, runner, db):
    from sqlalchemy import inspect, text

    from evaluation.shell.doctor import Verdict

    with db.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(text("UPDATE alembic_version SET version_num = 'f0f0f0f0f0f0'"))
    try:
        tables = set(inspect(db.engine).get_table_names())
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code != 0
        assert "比这个程序新" in result.output and "f0f0f0f0f0f0" in result.output
        with db.engine.connect() as connection:
            stamp = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert stamp == "f0f0f0f0f0f0" and set(inspect(db.engine).get_table_names()) == tables
        assert runner.invoke(args=["db", "downgrade"]).exit_code != 0

        found = _findings(lambda **config: app)
        assert found["migrations"].verdict is Verdict.FAIL
        assert "比程序新" in found["migrations"].message
    finally:  # on PostgreSQL the next test reuses this database
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
