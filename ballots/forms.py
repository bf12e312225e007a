"""Back-office forms for boxes and cards."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import URL, DataRequired, EqualTo, InputRequired, Length, NumberRange

from ballots.keys import HOLDER_LABELS, PASSPHRASE_MIN_LENGTH
from ballots.models import KeyHolderRole
from ballots.services import MAX_CARDS_PER_BATCH
from evaluation.errors import Refused
from evaluation.forms import REQUIRED, choices_of


class IssueCardsForm(FlaskForm):
    count = IntegerField(
        _l("发卡数量"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(
                1,
                MAX_CARDS_PER_BATCH,
                _l("每批发卡数量应在 1 到 %(n)s 张之间。", n=MAX_CARDS_PER_BATCH),
            ),
        ],
    )
    base_url = StringField(
        _l("投票网址前缀（印在二维码里）"),
        validators=[
            DataRequired(REQUIRED),
            URL(require_tld=False, message=_l("请填写以 http:// 或 https:// 开头的网址。")),
            Length(max=200),
        ],
    )


class VoidCardForm(FlaskForm):
    short_code = StringField(_l("评议卡短码"), validators=[DataRequired(REQUIRED), Length(max=20)])


class PaperEntryForm(FlaskForm):
    """The short code of a paper ballot; its ratings come as radio buttons per department."""

    short_code = StringField(_l("评议卡短码"), validators=[DataRequired(REQUIRED), Length(max=20)])


class SealForm(FlaskForm):
    """Two key holders open the box's pool at sealing, each typing their own passphrase."""

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
