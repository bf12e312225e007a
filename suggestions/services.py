"""The rules of suggestions: intake from every channel and the personal data they carry.

Routing is in `suggestions.routing`, handling in `suggestions.handling`."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.models import BallotBox, BallotComment, BoxState
from evaluation.campaign.models import Campaign, Phase
from evaluation.core import audit
from evaluation.core.clock import utcnow
from evaluation.core.errors import Conflict, Refused
from suggestions.models import (
    TEXT_MAX_CHARS,
    TEXT_MIN_CHARS,
    Channel,
    Status,
    Suggestion,
    Urgency,
)
from suggestions.routing import campaign_category, campaign_unit, propose_unit

# Suggestions are taken from the start of preparation until handling ends.
INTAKE_PHASES = (Phase.PREPARATION, Phase.REPORTING, Phase.HANDLING)
MOBILE_PHONE = re.compile(r"^1[3-9]\d{9}$")
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
TRACKING_LENGTH = 10
NAME_MAX_CHARS = 50


# ---------------------------------------------------------------- personal data


def normalise_phone(raw: str) -> str:
    """An 11-digit mainland mobile number, or a refusal (spaces, dashes and +86 are allowed)."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not MOBILE_PHONE.match(digits):
        raise Refused(_("请填写正确的手机号码（11 位数字，以 1 开头）。"))
    return digits


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""


# Digits and separators as a citizen may type them, full-width or not: each character maps
# to one character, so a match in the normalised text is the same span in the original.
_NORMALISE = str.maketrans("０１２３４５６７８９Ｘｘ　－—–‐‑＠．", "0123456789Xx -----@.")
_SEP = r"[ \-]?"
PERSONAL_PATTERNS = [
    # 身份证: 18 characters (the last may be X) or the old 15 digits.
    re.compile(r"(?<![0-9Xx])(?:\d{17}[0-9Xx]|\d{15})(?![0-9Xx])"),
    # Bank cards: 16 to 19 digits, often in groups of four.
    re.compile(r"(?<!\d)\d(?:" + _SEP + r"\d){15,18}(?!\d)"),
    # Mainland mobiles, with spaces or dashes anywhere and an optional +86.
    re.compile(r"(?<!\d)(?:\+?86" + _SEP + r")?1" + _SEP + r"[3-9](?:" + _SEP + r"\d){9}(?!\d)"),
    # Landlines with their area code: 0532-8888 8888.
    re.compile(r"(?<!\d)0\d{2,3}" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}(?!\d)"),
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"),
]


def _masked(found: str) -> str:
    if "@" in found:
        name, domain = found.split("@", 1)
        return f"{name[:1]}***@{domain}"
    digits = re.sub(r"[^0-9Xx]", "", found)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 and a mobile number
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_personal_data(text: str | None) -> str:
    """The text as anyone but its author and the office may see it: phone, ID card and
    bank card numbers and e-mail addresses masked, however they were typed."""
    text = text or ""
    normal = text.translate(_NORMALISE)
    spans: list[tuple[int, int, str]] = []
    for pattern in PERSONAL_PATTERNS:
        for match in pattern.finditer(normal):
            start, end = match.span()
            if not any(start < e and s < end for s, e, _m in spans):
                spans.append((start, end, _masked(match.group())))
    for start, end, masked in sorted(spans, reverse=True):
        text = text[:start] + masked + text[end:]
    return text


def mask_name(name: str | None) -> str:
    return name[0] + "*" * max(1, len(name) - 1) if name else ""


# ---------------------------------------------------------------- intake


@dataclass
class Intake:
    """What arrives on one channel; the service checks it whatever the form did."""

    channel: Channel
    text: str
    category_id: int | None = None
    target_unit_id: int | None = None
    author_name: str | None = None
    author_phone: str | None = None
    name_consent: bool = False
    venue_id: int | None = None
    visited: str = ""
    ballot_comment_id: str | None = None


def clean_text(text: str, minimum: int, maximum: int, field: str = "text") -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise Refused(_("内容太短，请至少写 %(n)s 个字。", n=minimum), field=field)
    if len(text) > maximum:
        raise Refused(_("内容太长，请不要超过 %(n)s 个字。", n=maximum), field=field)
    return text


def _new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def receive(session: Session, campaign: Campaign, intake: Intake, actor: str) -> Suggestion:
    """Accept a suggestion from any channel; it waits for triage with a proposed unit."""
    if campaign.current_phase not in INTAKE_PHASES:
        raise Conflict(_("本年度活动已结束，暂不接收意见建议。"))
    text = clean_text(intake.text, TEXT_MIN_CHARS, TEXT_MAX_CHARS)
    category = campaign_category(session, campaign, intake.category_id)
    target = campaign_unit(session, campaign, intake.target_unit_id)
    name = (intake.author_name or "").strip() or None
    phone = normalise_phone(intake.author_phone) if (intake.author_phone or "").strip() else None
    if intake.channel in (Channel.BALLOT, Channel.SURVEY) and (name or phone):
        raise Refused(_("选票附言不能带有个人信息。"))
    if intake.channel == Channel.ONLINE and bool(name) != bool(phone):
        raise Refused(_("实名提交请同时填写姓名和手机号码；匿名提交请两项都不填。"))
    if name and len(name) > NAME_MAX_CHARS:
        raise Refused(_("姓名太长。"))
    if intake.channel == Channel.VISIT and not intake.visited.strip():
        raise Refused(_("请填写走访的对象（如市人大代表、市政协委员）。"))
    suggestion = Suggestion(
        campaign=campaign,
        tracking_code=_new_tracking_code(),
        channel=intake.channel.value,
        category=category,
        target_unit=target,
        text=text,
        author_name=name,
        author_phone=phone,
        name_consent=bool(intake.name_consent and name and phone),
        venue_id=intake.venue_id,
        visited=intake.visited.strip()[:100],
        ballot_comment_id=intake.ballot_comment_id,
        entered_by="" if intake.channel == Channel.ONLINE else actor,
        created_at=utcnow(),
        status=Status.RECEIVED.value,
        urgency=Urgency.NORMAL.value,
        proposed_unit=propose_unit(session, campaign, category, text, target),
    )
    session.add(suggestion)
    session.flush()
    audit.record(
        session, actor, "suggestion.receive", f"suggestion:{suggestion.id}", channel=intake.channel
    )
    return suggestion


def import_ballot_comments(session: Session, campaign: Campaign, actor: str) -> int:
    """Turn the comments written on ballots of sealed boxes into suggestions (channel 'ballot').

    Only sealed boxes: importing while a box is open would stamp each comment with the moment
    its ballot was cast. Comments are taken in the order of their random ids.
    """
    imported = select(Suggestion.ballot_comment_id).where(Suggestion.ballot_comment_id.is_not(None))
    comments = session.execute(
        select(BallotComment, BallotBox.venue_id)
        .join(BallotBox, BallotBox.id == BallotComment.box_id)
        .where(
            BallotBox.campaign_id == campaign.id,
            BallotBox.state == BoxState.SEALED.value,
            BallotComment.id.not_in(imported),
        )
        .order_by(BallotComment.id)
    ).all()
    count = 0
    for comment, venue_id in comments:
        text = comment.text.strip()
        if len(text) < 2:  # a stray character is not a suggestion
            continue
        session.add(
            Suggestion(
                campaign=campaign,
                tracking_code=_new_tracking_code(),
                channel=Channel.BALLOT.value,
                target_unit_id=comment.department_id,
                proposed_unit_id=comment.department_id,
                text=text[:TEXT_MAX_CHARS],
                venue_id=venue_id,
                ballot_comment_id=comment.id,
                entered_by=actor,
                created_at=utcnow(),
            )
        )
        count += 1
    session.flush()
    audit.record(session, actor, "suggestion.import_ballot_comments", "", count=count)
    return count


# ---------------------------------------------------------------- triage


# ---------------------------------------------------------------- handling by the unit


# ---------------------------------------------------------------- the citizen


# ---------------------------------------------------------------- settings
