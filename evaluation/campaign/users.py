"""Back-office accounts (账号): creating and changing them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.campaign.models import (
    Campaign,
    Department,
    Venue,
)

# ---------------------------------------------------------------- campaign and phases
from evaluation.campaign.services import (
    get_in_campaign,
)
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.models import Role, User

MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5
# Passwords that guessing tries first, and the demo's (printed for everyone to read).
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "password123",
        "passw0rd123",
        "administrator",
        "abcdefghij",
        "sanmin-demo",
        "iloveyou123",
        "woaini1314",
    }
)


def check_password(password: str, username: str) -> None:
    """Refuse a password that is short, repetitive, common or built on the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(_("密码至少 %(n)s 个字符。", n=MIN_PASSWORD_LENGTH), field="password")
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        raise Refused(
            _("密码太简单：至少要有 %(n)s 个不同的字符。", n=MIN_DISTINCT_CHARACTERS),
            field="password",
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (username and username.lower() in lowered):
        raise Refused(_("密码太常见或包含用户名，请换一个。"), field="password")


def find_user(session: Session, username: str) -> User:
    user = session.execute(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).scalar()
    if user is None:
        raise NotFound(_("没有用户名为 %(name)s 的账号。", name=username))
    return user


def reset_password(session: Session, user: User, password: str, actor: str) -> None:
    """A new password; every session of the account ends."""
    check_password(password, user.username)
    user.set_password(password)
    user.end_sessions()
    session.flush()
    audit.record(session, actor, "user.update", f"user:{user.username}", password_changed=True)


def deactivate(session: Session, user: User, actor: str) -> None:
    """The account can no longer sign in, and is signed out everywhere at once."""
    if not user.active:
        raise Conflict(_("账号 %(name)s 已经停用。", name=user.username))
    user.active = False
    user.end_sessions()
    session.flush()
    audit.record(session, actor, "user.update", f"user:{user.username}", active=False)


def save_user(
    session: Session,
    campaign: Campaign | None,
    actor: str,
    values: dict[str, Any],
    user: User | None = None,
) -> User:
    """Create or edit a back-office account; a department or venue role needs its unit."""
    username = values["username"].strip()
    clash = session.execute(
        select(User).where(func.lower(User.username) == username.lower())
    ).scalar()
    if clash is not None and clash is not user:
        raise Conflict(_("用户名 %(name)s 已被使用。", name=username))
    role = Role(values["role"])
    department = venue = None
    if role == Role.DEPARTMENT:
        if campaign is None or not values.get("department_id"):
            raise Refused(_("部门联络员必须选择所属部门。"))
        department = get_in_campaign(session, Department, campaign, values["department_id"])
    if role in (Role.VENUE_STAFF, Role.DISTRICT):
        if campaign is None or not values.get("venue_id"):
            raise Refused(_("会场工作人员和区市代表审核员必须选择所属会场。"))
        venue = get_in_campaign(session, Venue, campaign, values["venue_id"])
    created = user is None
    if user is None:
        if not values.get("password"):
            raise Refused(_("新建账号必须设置密码。"))
        user = User()
        session.add(user)
    if user.username == actor and (role != Role(user.role) or not values.get("active", True)):
        raise Refused(_("不能停用自己的账号或修改自己的角色。"))
    user.username = username
    user.display_name = (values.get("display_name") or "").strip()
    user.role = role.value
    user.department = department
    user.venue = venue
    if user.active and not values.get("active", True):
        user.end_sessions()  # a deactivated account is signed out everywhere at once
    user.active = bool(values.get("active", True))
    if values.get("password"):
        check_password(values["password"], username)
        user.set_password(values["password"])
    session.flush()
    audit.record(
        session,
        actor,
        "user.create" if created else "user.update",
        f"user:{username}",
        role=role.value,
        active=user.active,
        password_changed=bool(values.get("password")),
    )
    return user
