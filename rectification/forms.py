"""The rectification room's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from evaluation.core.forms import REQUIRED, SelectChoice
from rectification.models import CheckKind, InviteeKind, TaskSource, TaskState

BLANK_MILESTONE_ROWS = 6

SOURCE_LABELS = {
    TaskSource.RESULT: _l("评议结果"),
    TaskSource.COMMENT: _l("不满意意见、问卷发现"),
    TaskSource.SUGGESTION: _l("列入计划的意见建议"),
    TaskSource.SUPERVISION: _l("督查发现"),
    TaskSource.DISCUSSION: _l("恳谈会跟进事项"),
    TaskSource.MANUAL: _l("其他"),
}
STATE_LABELS = {
    TaskState.PLAN_PENDING: _l("待报整改方案"),
    TaskState.PLAN_SUBMITTED: _l("方案待审核"),
    TaskState.IN_PROGRESS: _l("整改中"),
    TaskState.REPORTED: _l("已报完成，待核查"),
    TaskState.CLOSED: _l("已销号"),
}
CHECK_LABELS = {
    CheckKind.SPOT: _l("抽查"),
    CheckKind.RECHECK: _l("复查"),
    CheckKind.OPEN_VISIT: _l("明查"),
    CheckKind.UNANNOUNCED: _l("暗访"),
    CheckKind.LOOK_BACK: _l("回头看"),
}


class TaskForm(FlaskForm):
    department_id = SelectField(_l("牵头部门"), coerce=int, validate_choice=False)
    co_units = StringField(_l("配合单位（可选）"), validators=[Length(max=300)])
    official = StringField(_l("责任人"), validators=[DataRequired(REQUIRED), Length(max=50)])
    leader = StringField(_l("分管市领导"), validators=[DataRequired(REQUIRED), Length(max=50)])
    source = SelectField(
        _l("来源"), choices=[SelectChoice(s.value, label) for s, label in SOURCE_LABELS.items()]
    )
    source_note = StringField(_l("来源说明（可选）"), validators=[Length(max=200)])
    problem = TextAreaField(_l("存在的问题"), validators=[DataRequired(REQUIRED)])
    commitment = TextAreaField(_l("整改承诺"), validators=[DataRequired(REQUIRED)])
    listed = BooleanField(_l("公开挂牌督办（在公开督办栏列出）"), default=True)


class MilestoneRow(Form):
    title = StringField(_l("节点"), validators=[Length(max=200)])
    due_on = DateField(_l("完成日期"), validators=[Optional()])
    weight = IntegerField(_l("权重"), default=1, validators=[Optional(), NumberRange(1, 100)])


class PlanForm(FlaskForm):
    plan = TextAreaField(_l("整改方案"), validators=[DataRequired(REQUIRED)])
    milestones = FieldList(FormField(MilestoneRow), min_entries=BLANK_MILESTONE_ROWS)


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("退回理由"), validators=[DataRequired(REQUIRED)])


class ProgressForm(FlaskForm):
    milestone_id = SelectField(_l("节点"), coerce=int, validate_choice=False)
    progress = IntegerField(
        _l("完成进度（%）"), validators=[InputRequired(REQUIRED), NumberRange(0, 100)]
    )
    text = TextAreaField(_l("进展情况"), validators=[DataRequired(REQUIRED)])
    delay_reason = TextAreaField(_l("逾期原因（节点逾期时必填）"))
    evidence = FileField(_l("佐证材料（可选，PDF、JPEG 或 PNG，不超过 5 MB）"))


class CompletionForm(FlaskForm):
    evidence = TextAreaField(_l("整改完成情况和佐证材料说明"), validators=[DataRequired(REQUIRED)])


class CheckForm(FlaskForm):
    kind = SelectField(
        _l("核查方式"), choices=[SelectChoice(k.value, label) for k, label in CHECK_LABELS.items()]
    )
    finding = TextAreaField(_l("核查发现"), validators=[DataRequired(REQUIRED)])
    passed = SelectField(
        _l("结论"),
        choices=[SelectChoice("yes", _l("通过")), SelectChoice("no", _l("未通过，退回整改"))],
    )
    again_title = StringField(_l("未通过时：新的整改节点"), validators=[Length(max=200)])
    again_due = DateField(_l("未通过时：完成日期"), validators=[Optional()])


class LookBackForm(FlaskForm):
    due_on = DateField(_l("回头看日期"), validators=[InputRequired(REQUIRED)])


class NoticeForm(FlaskForm):
    title = StringField(_l("通报标题"), validators=[DataRequired(REQUIRED), Length(max=100)])
    praised = SelectMultipleField(
        _l("通报表扬的部门"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    criticised = SelectMultipleField(
        _l("通报批评的部门"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    remarks = TextAreaField(_l("督查意见"), validators=[DataRequired(REQUIRED)])


class TalkForm(FlaskForm):
    department_id = SelectField(_l("被约谈部门"), coerce=int, validate_choice=False)
    held_on = DateField(_l("约谈日期"), validators=[InputRequired(REQUIRED)])
    participants = TextAreaField(_l("参加人员"), validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(_l("约谈事由"), validators=[DataRequired(REQUIRED)])
    outcome = TextAreaField(_l("约谈结果和整改要求"), validators=[DataRequired(REQUIRED)])


INVITEE_LABELS = {
    InviteeKind.DEPARTMENT: _l("部门"),
    InviteeKind.EXPERT: _l("专家学者"),
    InviteeKind.REPRESENTATIVE: _l("市民代表"),
}


class DiscussionForm(FlaskForm):
    title = StringField(_l("名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    held_on = DateField(_l("日期"), validators=[InputRequired(REQUIRED)])
    place = StringField(_l("地点"), validators=[DataRequired(REQUIRED), Length(max=200)])
    agenda = TextAreaField(_l("议程"), validators=[DataRequired(REQUIRED)])


class InviteeForm(FlaskForm):
    kind = SelectField(
        _l("类别"), choices=[SelectChoice(k.value, v) for k, v in INVITEE_LABELS.items()]
    )
    department_id = SelectField(_l("部门"), coerce=int, validate_choice=False)
    name = StringField(_l("姓名（专家学者）"), validators=[Length(max=100)])
    code = StringField(_l("邀请码（市民代表，见邀请函）"), validators=[Length(max=16)])
    note = StringField(_l("单位、职务或说明"), validators=[Length(max=100)])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("会议纪要"), validators=[DataRequired(REQUIRED)])


class FollowUpForm(FlaskForm):
    department_id = SelectField(_l("责任部门"), coerce=int, validate_choice=False)
    text = TextAreaField(_l("跟进事项"), validators=[DataRequired(REQUIRED)])
    raised_by = StringField(_l("提出人"), validators=[Length(max=100)])
