"""Back-office forms for boxes and cards."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange

from ballots.services import MAX_CARDS_PER_BATCH
from evaluation.forms import REQUIRED


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
