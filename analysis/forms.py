"""The scoring scheme form of the joint office."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from analysis.models import AppealFigure, AppealState, RunState, VenueWeighting
from evaluation.core.forms import choices_of
from evaluation.core.permissions import Capability

WEIGHTING_LABELS = {
    VenueWeighting.POOLED: _l("各会场合并（每张有效票计一次）"),
    VenueWeighting.EQUAL: _l("各会场等权"),
}
TIE_BREAK_LABELS = {
    "satisfaction_rate": _l("满意率"),
    "satisfied_share": _l("“满意”占比"),
    "dissatisfied_share": _l("“不满意”占比（低者在前）"),
    "awareness": _l("了解率"),
}
RUN_STATE_LABELS = {
    RunState.DRAFT: _l("待签发"),
    RunState.SIGNED: _l("统计局已签发，待监察局会签"),
    RunState.COUNTERSIGNED: _l("监察局已会签，待发布"),
    RunState.RELEASED: _l("已发布"),
    RunState.CORRECTED: _l("已被更正结果取代"),
    RunState.SUPERSEDED: _l("已被新的计票取代"),
}

# The signature a run waits for: its confirmation step, who gives it, and the button.
NEXT_SIGNATURE = {
    RunState.DRAFT: ("results_office.sign", Capability.SIGN_RESULTS, _l("签发")),
    RunState.SIGNED: ("results_office.countersign_run", Capability.COUNTERSIGN_RESULTS, _l("会签")),
    RunState.COUNTERSIGNED: (
        "results_office.release_run",
        Capability.RELEASE_RESULTS,
        _l("发布结果"),
    ),
}

# The scheme's settings as the office's form and the workbook's 审计 sheet name them.
SCHEME_LABELS = {
    "w_satisfied": _l("“满意”的分值"),
    "w_basic": _l("“基本满意”的分值"),
    "w_dissatisfied": _l("“不满意”的分值"),
    "venue_weighting": _l("会场"),
    "min_valid": _l("参与排名的最少有效票"),
    "min_awareness": _l("参与排名的最低了解率（0–1）"),
    "tie_breaks": _l("得分相同时依次比较"),
    "resamples": _l("重抽样次数（自助法）"),
    "seed": _l("随机种子"),
    "confidence": _l("得分区间的置信水平"),
    "rank_confidence": _l("排名区间的置信水平"),
}
# Where a department stands against its group's average (分档).
BAND_LABELS = {
    "above": _l("明显高于本组平均"),
    "within": _l("与本组平均无明显差别"),
    "below": _l("明显低于本组平均"),
}
FLAG_LABELS = {
    "too_few_valid": _l("有效票不足，不排名"),
    "low_awareness": _l("了解率过低，不排名"),
}
VENUE_FLAG_LABELS = {
    "score": _l("平均得分与同组其他会场差别显著"),
    "unknown": _l("“不了解”比例与同组其他会场差别显著"),
    "straight": _l("整张票同一选项的比例偏高"),
    "returned_over_issued": _l("回收票数多于发出票数"),
}
NUMBER = _l("请填写数字。")
REQUIRED = _l("此项为必填项。")


def _weight(label: str) -> FloatField:
    return FloatField(
        label,
        validators=[
            InputRequired(NUMBER),
            NumberRange(0, 100, _l("权重应在 0 到 100 之间。")),
        ],
    )


class SchemeForm(FlaskForm):
    w_satisfied = _weight(SCHEME_LABELS["w_satisfied"])
    w_basic = _weight(SCHEME_LABELS["w_basic"])
    w_dissatisfied = _weight(SCHEME_LABELS["w_dissatisfied"])
    venue_weighting = SelectField(
        SCHEME_LABELS["venue_weighting"], choices=choices_of(WEIGHTING_LABELS)
    )
    min_valid = IntegerField(
        SCHEME_LABELS["min_valid"],
        validators=[InputRequired(NUMBER), NumberRange(0, 100000, _l("应在 0 到 100000 之间。"))],
    )
    min_awareness = FloatField(
        SCHEME_LABELS["min_awareness"],
        validators=[InputRequired(NUMBER), NumberRange(0, 1, _l("应在 0 到 1 之间。"))],
    )
    tie_breaks = SelectMultipleField(
        SCHEME_LABELS["tie_breaks"],
        choices=[SelectChoice(key, label) for key, label in TIE_BREAK_LABELS.items()],
    )
    resamples = IntegerField(
        SCHEME_LABELS["resamples"],
        validators=[InputRequired(NUMBER), NumberRange(200, 20000, _l("应在 200 到 20000 之间。"))],
    )
    seed = IntegerField(
        SCHEME_LABELS["seed"],
        validators=[InputRequired(NUMBER), NumberRange(0, 2**31 - 1, _l("随机种子无效。"))],
    )


class TallyForm(FlaskForm):
    """计票: carries the newest run the page showed, so a second press counts nothing."""

    seen = HiddenField()

    def seen_run(self) -> int | None:
        return int(self.seen.data) if (self.seen.data or "").isdigit() else None


class ArchiveForm(FlaskForm):
    """A past year's released results, with the score settings it was computed under."""

    year = IntegerField(
        _l("年度"),
        validators=[InputRequired(NUMBER), NumberRange(2000, 2100, _l("年度应为四位数字。"))],
    )
    title = StringField(_l("名称"), validators=[Length(max=200)])
    file = FileField(_l("结果文件（CSV）"), validators=[FileRequired(_l("请选择文件。"))])
    w_satisfied = _weight(SCHEME_LABELS["w_satisfied"])
    w_basic = _weight(SCHEME_LABELS["w_basic"])
    w_dissatisfied = _weight(SCHEME_LABELS["w_dissatisfied"])
    venue_weighting = SelectField(
        SCHEME_LABELS["venue_weighting"], choices=choices_of(WEIGHTING_LABELS)
    )
    replace = BooleanField(_l("替换已导入的同一年度"))


class CodeChangeForm(FlaskForm):
    effective_year = IntegerField(
        _l("自哪一年起"),
        validators=[InputRequired(NUMBER), NumberRange(2000, 2100, _l("年度应为四位数字。"))],
    )
    old_code = StringField(_l("原部门代码"), validators=[InputRequired(REQUIRED), Length(max=20)])
    new_code = StringField(_l("新部门代码"), validators=[InputRequired(REQUIRED), Length(max=20)])
    note = StringField(_l("说明（如：更名、合并、分设）"), validators=[Length(max=200)])


APPEAL_FIGURE_LABELS = {
    AppealFigure.SCORE: _l("得分"),
    AppealFigure.RANK: _l("名次区间"),
    AppealFigure.BAND: _l("分档"),
    AppealFigure.COUNTS: _l("票数"),
    AppealFigure.OTHER: _l("其他"),
}
APPEAL_STATE_LABELS = {
    AppealState.FILED: _l("待统计局复核"),
    AppealState.PROPOSED: _l("统计局已提出意见，待监察局确认"),
    AppealState.UPHELD: _l("申诉成立，待发布更正结果"),
    AppealState.REJECTED: _l("申诉不成立"),
    AppealState.CORRECTED: _l("申诉成立，已发布更正结果"),
}


class AppealForm(FlaskForm):
    figure = SelectField(_l("对哪项数据有异议"), choices=choices_of(APPEAL_FIGURE_LABELS))
    reasons = TextAreaField(_l("申诉理由"), validators=[InputRequired(REQUIRED), Length(max=5000)])
    files = MultipleFileField(_l("证明材料（PDF、JPEG、PNG，最多 5 个）"))


class ProposalForm(FlaskForm):
    proposal = RadioField(
        _l("复核意见"),
        choices=[
            SelectChoice("uphold", _l("申诉成立，更正结果")),
            SelectChoice("reject", _l("申诉不成立")),
        ],
        validators=[InputRequired(REQUIRED)],
    )
    reasons = TextAreaField(
        _l("理由（将告知申诉部门；成立的将公开）"), validators=[Length(max=5000)]
    )


class DecisionForm(FlaskForm):
    agree = RadioField(
        _l("监察局意见"),
        choices=[
            SelectChoice("yes", _l("同意统计局意见")),
            SelectChoice("no", _l("不同意，退回重新复核")),
        ],
        validators=[InputRequired(REQUIRED)],
    )
    note = TextAreaField(_l("退回说明（不同意时填写）"), validators=[Length(max=5000)])
