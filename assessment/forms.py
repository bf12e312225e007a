"""The office's form for a new version of the assessment plan, and the labels of its parts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from evaluation.core.forms import REQUIRED

COMPONENT_LABELS = {
    "evaluation": _l("评议结果（组内位置）"),
    "on_time": _l("意见建议按时办结率"),
    "reply_satisfaction": _l("答复满意率"),
    "rectification": _l("整改节点按时完成率"),
}
BAND_LABELS = {
    "above": _l("明显高于本组平均"),
    "within": _l("与本组平均无明显差别"),
    "below": _l("明显低于本组平均"),
    "unranked": _l("未排名（有效票或知晓率不足）"),
}
STATE_LABELS = {
    "draft": _l("草稿"),
    "signed": _l("统计局已签发"),
    "final": _l("已会签定稿"),
    "superseded": _l("已作废"),
}


def _weight(label: object) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(REQUIRED), NumberRange(0, 100)])


def _fraction(label: object) -> DecimalField:
    return DecimalField(label, places=2, validators=[InputRequired(REQUIRED), NumberRange(0, 1)])


class PlanForm(FlaskForm):
    full_points = DecimalField(
        _l("本项满分"), places=1, validators=[InputRequired(REQUIRED), NumberRange(0.1, 1000)]
    )
    w_evaluation = _weight(COMPONENT_LABELS["evaluation"])
    w_on_time = _weight(COMPONENT_LABELS["on_time"])
    w_reply_satisfaction = _weight(COMPONENT_LABELS["reply_satisfaction"])
    w_rectification = _weight(COMPONENT_LABELS["rectification"])
    f_above = _fraction(BAND_LABELS["above"])
    f_within = _fraction(BAND_LABELS["within"])
    f_below = _fraction(BAND_LABELS["below"])
    f_unranked = _fraction(BAND_LABELS["unranked"])
    note = TextAreaField(_l("说明（公开）"), validators=[Length(max=2000)])
    submit = SubmitField(_l("保存为新版本"))
