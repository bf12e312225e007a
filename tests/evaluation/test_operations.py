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
