"""Form helpers every room uses (Flask-WTF, CSRF on every form) and the login form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from evaluation.core.errors import Refused
from evaluation.core.extensions import db
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
    Role.DISTRICT: _l("区市代表审核员"),
}


def require_valid(form: FlaskForm) -> None:
    """A back-office action form: invalid input is refused with its first message."""
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors] or [_("请求无法处理。")]
        raise Refused(str(errors[0]))


T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of a form: `done` with the action's `value`, or to be shown again with
    `status` (200 when it was not posted, 4xx with the messages in the form)."""

    done: bool
    status: int = 200
    value: T | None = None


def refuse_in_form(form: FlaskForm, refusal: Refused) -> None:
    """Put a refusal's message next to its field, or above the form."""
    field = form._fields.get(refusal.field) if refusal.field else None
    if field is not None:
        field.errors = [*field.errors, refusal.message]
    else:
        form.form_errors.append(refusal.message)


def run_form(form: FlaskForm, action: Callable[[], T]) -> Outcome[T]:
    """The one way a form is handled: when it was posted and is valid, run `action` (a
    service call). A refusal rolls back what the action did and puts its message next to its
    field; every input stays in the form, to be shown again with the refusal's 4xx status.
    The request commits when it has answered (`evaluation.core.unit_of_work`)."""
    if not form.is_submitted():
        return Outcome(False)
    if not form.validate():
        return Outcome(False, 400)
    try:
        value = action()
    except Refused as refusal:
        db.session.rollback()
        refuse_in_form(form, refusal)
        return Outcome(False, refusal.status)
    return Outcome(True, 200, value)


def choices_of(labels: dict) -> list[SelectChoice]:
    """Select choices from one of the label tables above, in their order."""
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=200)])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change something."""


class TypedConfirmForm(FlaskForm):
    """An irreversible step the user confirms by typing what it acts on (a box's number, the
    year of the results), so a slip of the finger cannot do it."""

    typed = StringField(_l("确认"), validators=[DataRequired(REQUIRED), Length(max=50)])

    def expect(self, expected: str, prompt: str) -> None:
        """What must be typed, and the field's label saying so."""
        self.expected = expected
        self.typed.label.text = prompt

    def check_typed(self) -> None:
        typed = (self.typed.data or "").strip()
        if typed != self.expected:
            raise Refused(
                _(
                    "输入的“%(typed)s”与“%(expected)s”不符，未执行。",
                    typed=typed,
                    expected=self.expected,
                ),
                field="typed",
            )


class StepForm(FlaskForm):
    """A form filled in on a working page whose first post shows its confirmation step
    (`evaluation.core.confirm`); the step posts it again with `confirmed`, and that does it."""

    # No id: a page may hold several step forms (合并 and 不予受理), and ids must be unique.
    confirmed = HiddenField(render_kw={"id": False})

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "1"

    def to_confirm(self) -> None:
        self.confirmed.data = "1"
