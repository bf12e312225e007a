"""The campaign room's back-office forms: campaign, phases, groups, departments, venues,
meetings, users and imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from evaluation.campaign.models import STREAM_URL_LENGTH, EvaluationMode, Phase, VenueKind
from evaluation.campaign.users import MIN_PASSWORD_LENGTH
from evaluation.core.forms import REQUIRED, ROLE_LABELS, choices_of
from evaluation.core.models import Role


def phase_label(phase: str) -> str:
    return str(PHASE_LABELS.get(phase, phase))


PHASE_LABELS = {
    Phase.PREPARATION: _l("准备阶段"),
    Phase.REPORTING: _l("述职评议阶段"),
    Phase.HANDLING: _l("整改落实与总结阶段"),
    Phase.CLOSED: _l("已结束"),
}
MODE_LABELS = {
    EvaluationMode.PUBLIC: _l("公开述职评议"),
    EvaluationMode.INTERNAL: _l("内部述职评议"),
}

REPORT_STATE_LABELS = {
    "draft": _l("草稿"),
    "submitted": _l("待审核"),
    "returned": _l("已退回"),
    "approved": _l("审核通过"),
    "published": _l("已发布"),
}
VENUE_KIND_LABELS = {
    VenueKind.MAIN: _l("市级主会场"),
    VenueKind.DISTRICT: _l("区市分会场"),
}


class CampaignForm(FlaskForm):
    year = IntegerField(
        _l("年度"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(2000, 2100, _l("年度应在 2000 到 2100 之间。")),
        ],
    )
    title = StringField(_l("活动名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    preparation_starts = DateField(_l("准备阶段开始"), validators=[Optional()])
    reporting_starts = DateField(_l("述职评议阶段开始"), validators=[Optional()])
    handling_starts = DateField(_l("整改落实阶段开始"), validators=[Optional()])
    closes_on = DateField(_l("活动结束"), validators=[Optional()])
    slot_minutes = IntegerField(
        _l("每个部门述职时长（分钟）"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 120, _l("时长应在 1 到 120 分钟之间。")),
        ],
    )
    progress_report_day = IntegerField(
        _l("整改进展每月报送截止日"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 28, _l("应为每月 1 日到 28 日之间。")),
        ],
    )
    appeal_working_days = IntegerField(
        _l("结果发布后可申诉的工作日数"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 30, _l("应在 1 到 30 个工作日之间。")),
        ],
    )


class PhaseForm(FlaskForm):
    target = SelectField(
        _l("目标阶段"),
        choices=choices_of(PHASE_LABELS),
        validate_choice=False,
        validators=[AnyOf([p.value for p in Phase], _l("请选择有效的阶段。"))],
    )
    reason = TextAreaField(_l("退回原因（仅退回到之前的阶段时填写）"), validators=[Length(max=500)])


class GroupForm(FlaskForm):
    number = IntegerField(
        _l("组号"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 99, _l("组号应在 1 到 99 之间。"))],
    )
    name = StringField(_l("组名"), validators=[DataRequired(REQUIRED), Length(max=100)])


class DepartmentForm(FlaskForm):
    code = StringField(_l("部门代码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    name = StringField(_l("部门全称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    short_name = StringField(_l("简称"), validators=[DataRequired(REQUIRED), Length(max=50)])
    evaluation_mode = SelectField(_l("评议方式"), choices=choices_of(MODE_LABELS))
    group_id = SelectField(_l("述职组"), coerce=int, validate_choice=False)
    order_in_group = IntegerField(
        _l("组内顺序（留空则排在最后）"),
        validators=[Optional(), NumberRange(1, 99, _l("顺序应在 1 到 99 之间。"))],
    )
    duties = TextAreaField(_l("工作职责"), validators=[Length(max=20000)])
    annual_goals = TextAreaField(_l("年度目标"), validators=[Length(max=20000)])


class VenueForm(FlaskForm):
    kind = SelectField(_l("会场类型"), choices=choices_of(VENUE_KIND_LABELS))
    name = StringField(_l("会场名称"), validators=[DataRequired(REQUIRED), Length(max=100)])
    district = StringField(_l("所在区市"), validators=[Length(max=50)])
    address = StringField(_l("地址"), validators=[Length(max=200)])
    capacity = IntegerField(
        _l("座位数"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 5000, _l("座位数应在 1 到 5000 之间。")),
        ],
    )


class MeetingForm(FlaskForm):
    group_id = SelectField(_l("述职组"), coerce=int, validate_choice=False)
    date = DateField(_l("日期"), validators=[InputRequired(REQUIRED)])
    starts_at = TimeField(_l("开始时间"), validators=[InputRequired(REQUIRED)])
    stream_url = StringField(
        _l("直播地址（可选）"),
        description=_l(
            "会场大屏在述职部门旁播放的直播流，须是大屏浏览器能直接播放的地址（MP4、WebM，"
            "或浏览器原生支持时的 HLS）。"
        ),
        validators=[Optional(), Length(max=STREAM_URL_LENGTH)],
        filters=[lambda value: value.strip() if value else value],
    )


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(3, 64)])
    display_name = StringField(_l("姓名"), validators=[Length(max=100)])
    # A new account holds the least power until someone chooses more.
    role = SelectField(_l("角色"), choices=choices_of(ROLE_LABELS), default=Role.REVIEWER.value)
    department_id = SelectField(_l("所属部门（部门联络员）"), coerce=int, validate_choice=False)
    venue_id = SelectField(
        _l("所属会场（会场工作人员、区市代表审核员）"), coerce=int, validate_choice=False
    )
    password = PasswordField(
        _l("密码（新建时必填；修改时留空表示不变）"),
        validators=[Optional(), Length(MIN_PASSWORD_LENGTH, 200, _l("密码至少 10 个字符。"))],
    )
    active = BooleanField(_l("启用"), default=True)


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV 或 XLSX 文件"),
        validators=[
            FileRequired(_l("请选择要导入的文件。")),
            FileAllowed(["csv", "xlsx"], _l("只能导入 CSV 或 XLSX 文件。")),
        ],
    )
