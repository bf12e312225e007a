"""Form helpers every room uses (Flask-WTF, CSRF on every form) and the login form."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from evaluation.core.errors import Refused
from evaluation.core.models import Role

REQUIRED = _l("此项为必填项。")
# Row ids are 32-bit on PostgreSQL: a larger number can name no row, so it is refused early.
MAX_ID = 2**31 - 1


def database_id(value: object) -> int:
    """A number that can be a row id; ValueError otherwise."""
    number = int(str(value).strip())
    if not 0 < number <= MAX_ID:
        raise ValueError("not a row id")
    return number


ROLE_LABELS = {
    Role.ADMIN: _l("联席会议办公室（管理员）"),
    Role.DEPARTMENT: _l("部门联络员"),
    Role.VENUE_STAFF: _l("会场工作人员"),
    Role.SUPERVISION: _l("监察局"),
    Role.STATISTICS: _l("统计局"),
    Role.REVIEWER: _l("评审专家"),
}


def require_valid(form: FlaskForm) -> None:
    """A back-office action form: invalid input is refused with its first message."""
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors] or [_("请求无法处理。")]
        raise Refused(str(errors[0]))


def choices_of(labels: dict) -> list[SelectChoice]:
    """Select choices from one of the label tables above, in their order."""
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=200)])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change something."""
