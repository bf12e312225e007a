"""Back-office login (Flask-Login), role gates and the login rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from evaluation.core import audit
from evaluation.core.extensions import db, login_manager
from evaluation.core.forms import LoginForm
from evaluation.core.models import Role, User
from evaluation.core.throttle import count_failure, refuse_if_exhausted

auth_bp = Blueprint("auth", __name__)

# Where each role lands after logging in.
ROLE_HOME = {
    Role.ADMIN: "desk.admin_home",
    Role.DEPARTMENT: "desk.department_home",
    Role.VENUE_STAFF: "desk.venue_home",
    Role.SUPERVISION: "desk.supervision_home",
    Role.STATISTICS: "desk.statistics_home",
    Role.REVIEWER: "desk.reviewer_home",
    Role.DISTRICT: "desk.district_home",
}

F = TypeVar("F", bound=Callable[..., Any])


SESSION_VERSION_KEY = "sv"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, unless the session was ended since (logout, new password,
    deactivation) or the account is inactive."""
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if session.get(SESSION_VERSION_KEY) != user.session_version:
        return None
    return user


def start_session(user: User) -> None:
    """Sign the user in for a working day of activity at most."""
    login_user(user)
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without a request
    session[SESSION_VERSION_KEY] = user.session_version


def actor() -> str:
    """How the current web user is named in the audit log."""
    return current_user.username if current_user.is_authenticated else "anonymous"


def person(username: str | None) -> str:
    """Who did something, as people know them: the account's display name (and its login), or
    the actor as recorded (the command line, a deleted account)."""
    if not username:
        return ""
    name = db.session.execute(select(User.display_name).where(User.username == username)).scalar()
    return f"{name}（{username}）" if name and name != username else username


def safe_next(target: str | None) -> str | None:
    """A path on this site to go back to, or None: never a way to another host.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
    `/%09/evil.com` (a tab) would become `//evil.com`: any such character refuses the target.
    """
    if not target or any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@auth_bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Sign in. Only failures are throttled: per username at an address (after its own
    failures that username waits, from that address only: nobody elsewhere can lock an
    official out) and per address (beyond it a wrong password is answered 429, but the
    right one still signs in: others' mistakes at a shared address refuse nobody)."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = get_remote_address()
        per_ip = current_app.config["LOGIN_LIMIT_PER_IP"]
        per_user = current_app.config["LOGIN_LIMIT_PER_USERNAME"]
        own_key = f"{username.lower()}@{address}"
        refuse_if_exhausted("login-user", own_key, per_user)
        user = db.session.execute(
            select(User).where(func.lower(User.username) == username.lower())
        ).scalar_one_or_none()
        if user is None or not user.check_password(form.password.data) or not user.active:
            count_failure("login-user", own_key, per_user)
            count_failure("login-ip", address, per_ip)
            form.password.errors.append(_("用户名或密码不正确。"))
            return render_template("evaluation/login.html", form=form), 401
        start_session(user)
        audit.record(db.session, user.username, "auth.login")
        target = safe_next(request.args.get("next"))
        return redirect(target or url_for(ROLE_HOME[Role(user.role)]))
    status = 400 if form.errors else 200
    return render_template("evaluation/login.html", form=form), status


@auth_bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out here and everywhere: a copy of this session's cookie opens nothing after."""
    current_user.end_sessions()
    audit.record(db.session, current_user.username, "auth.logout")
    logout_user()
    flash(_("您已退出登录。"))
    return redirect(url_for("public.home"))
