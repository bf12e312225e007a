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
from evaluation.core.errors import Conflict, Refused
from evaluation.core.models import Role, User


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
