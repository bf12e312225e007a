"""Forms and label tables for suggestions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from evaluation.core.forms import MAX_ID, REQUIRED, StepForm, choices_of, database_id
from suggestions.board import WarningLevel
from suggestions.handling import MAX_EXTENSION_DAYS
from suggestions.models import (
    REPLY_MAX_CHARS,
    TEXT_MAX_CHARS,
    TEXT_MIN_CHARS,
    Channel,
    RejectReason,
    ReplyCategory,
    ReplyState,
    RequestKind,
    RequestState,
    Satisfaction,
    Status,
    Urgency,
)
from suggestions.selection_models import SelectionState
from suggestions.services import TRACKING_LENGTH

STATUS_LABELS = {
    Status.RECEIVED: _l("待分办"),
    Status.ASSIGNED: _l("办理中"),
    Status.ANSWERED: _l("已答复"),
    Status.REVIEWING: _l("回访复核"),
    Status.MERGED: _l("已合并"),
    Status.REJECTED: _l("不予受理"),
}
CHANNEL_LABELS = {
    Channel.ONLINE: _l("网上征集"),
    Channel.PAPER: _l("会场书面"),
    Channel.VISIT: _l("走访代表委员"),
    Channel.BALLOT: _l("评议票附言"),
    Channel.SURVEY: _l("问卷文字回答"),
}
URGENCY_LABELS = {
    Urgency.URGENT: _l("紧急（3 个工作日）"),
    Urgency.NORMAL: _l("一般（5 个工作日）"),
    Urgency.DIFFICULT: _l("疑难（10 个工作日）"),
}
REJECT_LABELS = {
    RejectReason.SPAM: _l("无效信息"),
    RejectReason.OUT_OF_SCOPE: _l("不属于征集范围"),
    RejectReason.OTHER: _l("其他原因"),
}
WARNING_LABELS = {
    WarningLevel.BLUE: _l("蓝色预警：2 个工作日内到期"),
    WarningLevel.YELLOW: _l("黄色预警：今日到期"),
    WarningLevel.RED: _l("红色预警：已超期"),
}
REPLY_CATEGORY_LABELS = {
    ReplyCategory.ADOPTED: _l("已采纳"),
    ReplyCategory.PLANNED: _l("列入计划"),
    ReplyCategory.REFERENCE: _l("留作参考"),
    ReplyCategory.DECLINED: _l("不予采纳"),
}
SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: _l("满意"),
    Satisfaction.BASICALLY_SATISFIED: _l("基本满意"),
    Satisfaction.DISSATISFIED: _l("不满意"),
}
REPLY_STATE_LABELS = {
    ReplyState.DRAFT: _l("草稿"),
    ReplyState.SUBMITTED: _l("待审核"),
    ReplyState.APPROVED: _l("已发布"),
    ReplyState.RETURNED: _l("已退回"),
}
REQUEST_KIND_LABELS = {RequestKind.EXTENSION: _l("申请延期"), RequestKind.REASSIGN: _l("申请改派")}
REQUEST_STATE_LABELS = {
    RequestState.PENDING: _l("待决定"),
    RequestState.GRANTED: _l("已同意"),
    RequestState.REFUSED: _l("不同意"),
}
SELECTION_STATE_LABELS = {
    SelectionState.SCORING: _l("评分中"),
    SelectionState.CLOSED: _l("评分已结束"),
    SelectionState.FINAL: _l("结果已确定"),
}
# Who was visited is shown publicly as a role only; the person's name stays private.
VISITED_LABELS = {"deputy": _l("市人大代表"), "cppcc": _l("市政协委员")}
TOO_LONG = _l("内容过长。")
MOBILE = Regexp(
    r"^\s*(\+86)?\s*1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}\s*$",
    message=_l("请填写正确的手机号码（11 位数字，以 1 开头）。"),
)


def optional_int(value: object) -> int | None:
    """Select values: '' means none; anything not a number is refused by the form."""
    if value in (None, "", "None"):
        return None
    return database_id(value)


def _text(label: str, maximum: int = TEXT_MAX_CHARS) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(REQUIRED),
            Length(
                min=TEXT_MIN_CHARS,
                max=maximum,
                message=_l("请写 %(min)d 到 %(max)d 个字。"),
            ),
        ],
    )


class SuggestionForm(FlaskForm):
    """The public form. `website` is a honeypot: people never see it, robots fill it in."""

    identity = RadioField(
        _l("提交方式"),
        choices=[
            SelectChoice("real", _l("实名（可参加优秀意见建议评选）")),
            SelectChoice("anonymous", _l("匿名")),
        ],
        default="real",
    )
    author_name = StringField(_l("姓名"), validators=[Optional(), Length(max=50, message=TOO_LONG)])
    author_phone = StringField(_l("手机号码"), validators=[Optional(), MOBILE])
    category = SelectField(_l("类别"), coerce=optional_int, validate_choice=False)
    target_unit = SelectField(
        _l("建议给哪个部门（可不选）"), coerce=optional_int, validate_choice=False
    )
    text = _text(_l("意见建议"))
    name_consent = BooleanField(_l("如被评为优秀意见建议，同意公布我的姓名"))
    website = StringField(_l("请勿填写此项"))

    def validate(self, extra_validators: object = None) -> bool:
        if self.identity.data == "anonymous":  # whatever was typed there is not kept
            for f in (self.author_name, self.author_phone):
                f.data, f.raw_data = "", []
        ok = super().validate(extra_validators)
        if self.identity.data == "real":
            for f in (self.author_name, self.author_phone):
                if not (f.data or "").strip():
                    f.errors = [*f.errors, REQUIRED]
                    ok = False
        return ok


class EntryForm(FlaskForm):
    """Venue staff enter a paper suggestion; a department enters what a deputy raised."""

    visited = SelectField(
        _l("走访对象"), choices=[SelectChoice(k, v) for k, v in VISITED_LABELS.items()]
    )
    category = SelectField(_l("类别"), coerce=optional_int, validate_choice=False)
    target_unit = SelectField(_l("涉及部门（可不选）"), coerce=optional_int, validate_choice=False)
    text = _text(_l("意见建议内容"))
    author_name = StringField(
        _l("提出人姓名（可不填，不公开）"),
        validators=[Optional(), Length(max=50, message=TOO_LONG)],
    )
    author_phone = StringField(_l("联系电话（可不填，不公开）"), validators=[Optional(), MOBILE])


class AssignForm(FlaskForm):
    lead_unit = SelectField(_l("主办单位"), coerce=optional_int, validate_choice=False)
    co_units = SelectMultipleField(
        _l("协办单位（可多选）"), coerce=database_id, validate_choice=False
    )
    urgency = SelectField(_l("紧急程度"), choices=choices_of(URGENCY_LABELS), default="normal")


class MergeForm(StepForm):
    survivor = IntegerField(
        _l("合并到编号"), validators=[InputRequired(REQUIRED), NumberRange(min=1, max=MAX_ID)]
    )


class RejectForm(StepForm):
    reason = SelectField(_l("不予受理的原因"), choices=choices_of(REJECT_LABELS))
    note = StringField(_l("说明"), validators=[Length(max=500, message=TOO_LONG)])


class ReplyForm(FlaskForm):
    category = SelectField(
        _l("答复类别"),
        choices=[SelectChoice("", _l("请选择"))] + choices_of(REPLY_CATEGORY_LABELS),
        default="",
    )
    text = _text(_l("答复内容"), REPLY_MAX_CHARS)
    reason = TextAreaField(_l("不予采纳的理由"), validators=[Length(max=1000, message=TOO_LONG)])
    attachment = FileField(
        _l("附件（选填：PDF、JPEG 或 PNG，不超过 5 MB，随答复公开）"),
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png"},
    )
    save = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交审核"))

    def chosen_category(self) -> ReplyCategory | None:
        return ReplyCategory(self.category.data) if self.category.data else None


class ReviewReplyForm(FlaskForm):
    comment = TextAreaField(_l("修改意见（退回时必填）"), validators=[Length(max=1000)])
    approve = SubmitField(_l("同意发布"))
    send_back = SubmitField(_l("退回修改"))


class RequestForm(FlaskForm):
    kind = SelectField(_l("申请事项"), choices=choices_of(REQUEST_KIND_LABELS))
    reason = TextAreaField(
        _l("理由"), validators=[DataRequired(REQUIRED), Length(max=1000, message=TOO_LONG)]
    )
    extra_days = IntegerField(
        _l("延期工作日数（申请延期时填写）"),
        validators=[Optional(), NumberRange(min=1, max=MAX_EXTENSION_DAYS)],
    )
    proposed_unit = SelectField(
        _l("建议改派给（申请改派时选择）"), coerce=optional_int, validate_choice=False
    )


class DecideForm(FlaskForm):
    note = StringField(_l("意见（不同意时必填）"), validators=[Length(max=500)])
    new_unit = SelectField(_l("改派给"), coerce=optional_int, validate_choice=False)
    grant = SubmitField(_l("同意"))
    refuse = SubmitField(_l("不同意"))


class TrackForm(FlaskForm):
    code = StringField(
        _l("跟踪码"),
        validators=[DataRequired(REQUIRED), Length(max=TRACKING_LENGTH + 4, message=TOO_LONG)],
    )
    phone = StringField(_l("手机号码（实名提交时填写）"), validators=[Length(max=20)])


class FeedbackForm(FlaskForm):
    code = HiddenField()
    phone = HiddenField()
    rating = RadioField(
        _l("您对答复的评价"),
        choices=choices_of(SATISFACTION_LABELS),
        validators=[InputRequired(_l("请选择一项评价。"))],
    )
    reason = TextAreaField(
        _l("不满意的原因（选“不满意”时必填）"), validators=[Length(max=1000, message=TOO_LONG)]
    )


class CategoryForm(FlaskForm):
    name = StringField(_l("类别名称"), validators=[DataRequired(REQUIRED), Length(max=50)])


class RuleForm(FlaskForm):
    category = SelectField(_l("类别（可不选）"), coerce=optional_int, validate_choice=False)
    keywords = StringField(_l("关键词（用空格分隔）"), validators=[Length(max=500)])
    unit = SelectField(_l("承办单位"), coerce=optional_int, validate_choice=False)


class DayOffForm(FlaskForm):
    day = DateField(_l("日期"), validators=[InputRequired(REQUIRED)])
    reason = StringField(_l("原因"), validators=[Length(max=100)])


class NominateUnitForm(FlaskForm):
    # A department's id, or district:<name> for a district government (organising units).
    unit = SelectField(_l("单位"), validate_choice=False)


class FinaliseForm(FlaskForm):
    top_n = IntegerField(
        _l("入选数量"), validators=[InputRequired(REQUIRED), NumberRange(min=1, max=1000)]
    )
