"""Back-office forms for boxes and cards."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, EqualTo, InputRequired, Length, NumberRange

from ballots.boxes import MAX_REASON_LENGTH, MIN_REASON_LENGTH
from ballots.cards import MAX_CARDS_PER_BATCH
from ballots.keys import HOLDER_LABELS, PASSPHRASE_MIN_LENGTH
from ballots.models import KeyHolderRole
from evaluation.core.errors import Refused
from evaluation.core.forms import REQUIRED, TypedConfirmForm, choices_of

BOX_STATE_LABELS = {
    "not_open": _l("未开箱"),
    "open": _l("投票中"),
    "closed": _l("已关箱"),
    "sealed": _l("已封箱"),
    "withdrawn": _l("已撤销"),
}


def _card_count(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(
                1,
                MAX_CARDS_PER_BATCH,
                _l("每批发卡数量应在 1 到 %(n)s 张之间。", n=MAX_CARDS_PER_BATCH),
            ),
        ],
    )


def _reason(label: str) -> TextAreaField:
    """Why an exception to the rules is made: required, as the services require it."""
    return TextAreaField(
        label,
        validators=[
            DataRequired(REQUIRED),
            Length(
                MIN_REASON_LENGTH,
                MAX_REASON_LENGTH,
                _l("请写明原因（%(a)s 到 %(b)s 字）。", a=MIN_REASON_LENGTH, b=MAX_REASON_LENGTH),
            ),
        ],
    )


class IssueCardsForm(FlaskForm):
    count = _card_count(_l("发卡数量"))
    base_url = StringField(
        _l("投票网址前缀（印在二维码里）"),
        validators=[
            DataRequired(REQUIRED),
            URL(require_tld=False, message=_l("请填写以 http:// 或 https:// 开头的网址。")),
            Length(max=200),
        ],
    )


class ApproveCardsForm(FlaskForm):
    """Supervision's approval of cards beyond a box's seats and spares."""

    count = _card_count(_l("追加张数"))
    reason = _reason(_l("原因"))


class ScanForm(FlaskForm):
    """The scan of the paper closing minutes, signed at the venue."""

    file = FileField(
        _l("签字的封箱记录扫描件（PDF、JPEG 或 PNG）"),
        validators=[FileRequired(_l("请选择文件。"))],
    )


class WithdrawForm(FlaskForm):
    """The office's request to take an empty box out of the count, with the reason."""

    reason = _reason(_l("撤销原因"))


class VoidCardForm(FlaskForm):
    short_code = StringField(_l("评议卡短码"), validators=[DataRequired(REQUIRED), Length(max=20)])


class PaperEntryForm(FlaskForm):
    """The short code of a paper ballot; its ratings come as radio buttons per department."""

    short_code = StringField(_l("评议卡短码"), validators=[DataRequired(REQUIRED), Length(max=20)])


class SealForm(TypedConfirmForm):
    """Two key holders open the box's pool at sealing, each typing their own passphrase; the
    box's number is typed to confirm."""

    first_holder = SelectField(_l("第一位持钥人"), choices=choices_of(HOLDER_LABELS))
    first_passphrase = PasswordField(
        _l("第一位持钥人口令"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    second_holder = SelectField(
        _l("第二位持钥人"), choices=choices_of(HOLDER_LABELS), default=KeyHolderRole.STATISTICS
    )
    second_passphrase = PasswordField(
        _l("第二位持钥人口令"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )

    note = TextAreaField(
        _l("情况说明（选票多于签到人数时由监察局填写）"), validators=[Length(max=MAX_REASON_LENGTH)]
    )

    def passphrases(self) -> dict[KeyHolderRole, str]:
        if self.first_holder.data == self.second_holder.data:
            raise Refused(_("开启投票箱需要两位不同持钥人的口令。"))
        return {
            KeyHolderRole(self.first_holder.data): self.first_passphrase.data,
            KeyHolderRole(self.second_holder.data): self.second_passphrase.data,
        }


class PassphraseForm(FlaskForm):
    """A key holder sets (or changes) the passphrase that wraps their key for the campaign."""

    old_passphrase = PasswordField(_l("原口令（修改时填写）"), validators=[Length(max=200)])
    passphrase = PasswordField(
        _l("新口令"),
        validators=[
            DataRequired(REQUIRED),
            Length(
                PASSPHRASE_MIN_LENGTH,
                200,
                _l("口令至少需要 %(n)s 个字符。", n=PASSPHRASE_MIN_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("再次输入新口令"),
        validators=[DataRequired(REQUIRED), EqualTo("passphrase", _l("两次输入的口令不一致。"))],
    )
