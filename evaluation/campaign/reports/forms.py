"""Forms for editing, submitting and reviewing reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from evaluation.campaign.reports.models import SECTION_MAX_CHARS, GoalStatus
from evaluation.core.forms import choices_of

GOAL_STATUS_LABELS = {
    GoalStatus.DONE: _l("已完成"),
    GoalStatus.PARTLY: _l("部分完成"),
    GoalStatus.NOT_DONE: _l("未完成"),
}
BLANK_GOAL_ROWS = 3
TOO_LONG = _l("内容过长。")


class GoalForm(Form):
    """One row of the annual goals (no CSRF of its own: it lives inside ReportForm)."""

    goal = StringField(_l("目标"), validators=[Length(max=1000, message=TOO_LONG)])
    target = StringField(_l("量化指标"), validators=[Length(max=1000, message=TOO_LONG)])
    status = SelectField(
        _l("完成情况"), choices=choices_of(GOAL_STATUS_LABELS), default=GoalStatus.NOT_DONE.value
    )
    explanation = StringField(_l("说明"), validators=[Length(max=1000, message=TOO_LONG)])


def _section(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Length(max=SECTION_MAX_CHARS, message=TOO_LONG)],
        render_kw={"rows": 14},
    )


class ReportForm(FlaskForm):
    """A draft may be saved half-written; completeness is checked when it is submitted."""

    duties = _section(_l("工作职责"))
    goals = FieldList(FormField(GoalForm), min_entries=0, max_entries=40)
    work = _section(_l("本年度工作及成效"))
    suggestions_handled = _section(_l("上年度市民意见建议办理情况"))
    problems = _section(_l("存在的主要问题"))
    measures = _section(_l("改进措施"))
    correction_note = TextAreaField(
        _l("更正说明（报告已发布后再次提交时必填）"), validators=[Length(max=1000)]
    )
    preview = SubmitField(_l("预览"))  # shows what is on the screen as published; saves nothing
    save = SubmitField(_l("保存草稿"))
    send = SubmitField(_l("保存并提交审核"))  # submits what is on the screen, saved first


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("审核意见（退回时必填）"), validators=[Length(max=5000)])


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("附件（PDF、JPEG 或 PNG）"), validators=[FileRequired(_l("请选择要上传的文件。"))]
    )
