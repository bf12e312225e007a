"""Forms and label tables for the questionnaire builder."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from evaluation.core.forms import REQUIRED, choices_of, database_id
from questionnaires.models import (
    MAX_OPTIONS,
    QuestionKind,
    QuestionnaireKind,
    QuestionnaireState,
    ResponseSource,
)
from questionnaires.presets import SATISFACTION_SCALE
from questionnaires.services import QUESTION_TEXT_MAX, TITLE_MAX

KIND_LABELS = {
    QuestionnaireKind.SOCIAL: _l("社情民意调查问卷"),
    QuestionnaireKind.CONDUCT: _l("政风行风问卷"),
    QuestionnaireKind.OTHER: _l("其他问卷"),
}
STATE_LABELS = {
    QuestionnaireState.DRAFT: _l("草稿"),
    QuestionnaireState.OPEN: _l("收集中"),
    QuestionnaireState.CLOSED: _l("已结束"),
}
QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: _l("单选题"),
    QuestionKind.MULTIPLE: _l("多选题"),
    QuestionKind.SCALE: _l("五级量表"),
    QuestionKind.MATRIX: _l("矩阵量表"),
    QuestionKind.TEXT: _l("简答题"),
}
SOURCE_LABELS = {ResponseSource.VENUE: _l("会场"), ResponseSource.ONLINE: _l("网上公开")}
TOO_LONG = _l("内容太长。")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class NewQuestionnaireForm(FlaskForm):
    kind = SelectField(_l("问卷类型"), choices=choices_of(KIND_LABELS))
    title = StringField(
        _l("标题（用模板时可不填）"),
        validators=[Optional(), Length(max=TITLE_MAX, message=TOO_LONG)],
    )
    use_preset = BooleanField(_l("使用现成模板（社情民意、政风行风两类）"), default=True)


class IntroForm(FlaskForm):
    title = StringField(
        _l("标题"), validators=[DataRequired(REQUIRED), Length(max=TITLE_MAX, message=TOO_LONG)]
    )
    intro = TextAreaField(_l("卷首语"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])


class SectionForm(FlaskForm):
    title = StringField(
        _l("部分标题"),
        validators=[DataRequired(REQUIRED), Length(max=TITLE_MAX, message=TOO_LONG)],
    )


class QuestionForm(FlaskForm):
    section = SelectField(_l("所在部分"), coerce=database_id, validate_choice=False)
    kind = SelectField(_l("题型"), choices=choices_of(QUESTION_KIND_LABELS))
    text = StringField(
        _l("题目"),
        validators=[DataRequired(REQUIRED), Length(max=QUESTION_TEXT_MAX, message=TOO_LONG)],
    )
    required = BooleanField(_l("必答"), default=True)
    options = TextAreaField(
        _l("选项（每行一个；量表题为从低到高的五个等级）"),
        default="\n".join(SATISFACTION_SCALE),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    items = TextAreaField(
        _l("矩阵题的小项（每行一个）"), validators=[Length(max=8000, message=TOO_LONG)]
    )
    max_choices = IntegerField(
        _l("多选题最多可选"),
        validators=[Optional(), NumberRange(1, MAX_OPTIONS, _l("请填写 1 到 20 之间的数字。"))],
    )

    def lines(self, field: str) -> list[str]:
        return _lines(getattr(self, field).data)
