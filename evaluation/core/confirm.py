"""The confirmation step of an irreversible action (关箱, 封箱, 签发, 会签, 发布, 不予受理, 合并).

The button on the working page leads (GET) to this step, which says what will happen, shows
the figures it acts on and that it cannot be undone; the step's form posts to the same URL,
where the action runs. Refused, the step comes back with its message and everything typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import render_template
from flask_wtf import FlaskForm


@dataclass(frozen=True)
class Confirmation:
    title: str  # the action, as the button said it: 关箱（结束投票）
    consequence: str  # what will happen
    figures: Sequence[tuple[str, object]]  # what it acts on: label, value
    submit: str  # the button that does it
    back: str  # where 取消 leads
    possible: bool = True  # False: the step says why not (in `blocked`) and offers no button
    blocked: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


def confirm_page(step: Confirmation, form: FlaskForm, status: int = 200) -> tuple[str, int]:
    return render_template("confirm.html", step=step, form=form), status
