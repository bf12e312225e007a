"""A representative votes with a card: the ballot page, the receipt, every refusal."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_limiter.util import get_remote_address
from flask_login import current_user
from markupsafe import Markup

from ballots.boxes import load_box
from ballots.casting import (
    IncompleteBallot,
    VoteRefused,
    ballot_shape,
    card_box_id,
    cast_ballot,
    repeat_receipt,
)
from ballots.models import Rating
from ballots.signals import receipt_offer
from ballots.views.blueprints import public_bp, rating_labels
from evaluation.campaign.reports.services import published_codes
from evaluation.core.errors import Refused
from evaluation.core.extensions import csrf, db
from evaluation.core.observe import count_refusal
from evaluation.core.signals import first_answer
from evaluation.core.throttle import count_failure


@public_bp.route("/v/<token>", methods=["GET", "POST"])
# The card's token is the secret that authorises the post, so a CSRF token adds nothing;
# leaving it out keeps voting pages free of cookies.
@csrf.exempt
def vote(token: str) -> Any:
    if request.method == "GET":
        try:
            box_id = card_box_id(db.session, token)
        except VoteRefused as refusal:
            return _vote_refused(refusal)
        return _shared_page(
            ("page", box_id, str(get_locale())),
            token,
            lambda: render_template(
                "ballots/vote.html", form=_ballot_form(load_box(db.session, box_id), NONCE_MARK)
            ),
            {NONCE_MARK: secrets.token_urlsafe(NONCE_BYTES)},
        )
    chosen = _numbered_fields("r")
    comments = _numbered_fields("c")
    nonce = request.form.get("n", "")[: 2 * NONCE_BYTES]
    try:
        cast = cast_ballot(
            db.session,
            token,
            chosen,
            comments,
            shape_of=lambda b: _cached(("shape", b), lambda: ballot_shape(db.session, b)),
            nonce=nonce,
        )  # committed when the receipt is ready, before it leaves: acknowledged once durable
    except VoteRefused as refusal:
        db.session.rollback()
        again = refusal.reason == "used" and repeat_receipt(db.session, token, nonce, time.time())
        if again:  # a double tap of 提交: the same receipt, nothing counted twice
            return render_template("ballots/receipt.html", receipt=again, again=True), 409
        return _vote_refused(refusal)
    except Refused as refusal:
        db.session.rollback()
        missing = refusal.missing if isinstance(refusal, IncompleteBallot) else set()
        box = load_box(db.session, card_box_id(db.session, token))  # rare: only on a refusal
        form = _ballot_form(box, nonce, chosen, comments, missing, refusal.message)
        return render_template("ballots/vote.html", form=form), refusal.status
    link = _receipt_offer(cast.box_id)
    return _shared_page(
        ("receipt", str(get_locale()), link is not None),
        token,
        lambda: render_template(
            "ballots/receipt.html", receipt=RECEIPT_MARK, questionnaires=link and LINK_MARK
        ),
        {RECEIPT_MARK: cast.receipt, LINK_MARK: link or ""},
    )


# Every phone at a venue gets the same pages but for its card's token (in the language
# link), and after voting its receipt code and questionnaire link. They are rendered once
# per box and language with marks in those places, filled in for each phone. A visitor with
# a session (a member of staff signed in, a message waiting) gets the page rendered afresh.
TOKEN_MARK, RECEIPT_MARK, LINK_MARK = "zqTOKENqz", "zqRECEIPTqz", "zqLINKqz"
# Each ballot page carries a fresh one-time value: a repeat post of that very page (a double
# tap) may see its receipt again, a card opened on another phone may not.
NONCE_MARK, NONCE_BYTES = "zqNONCEqz", 16


def _shared_page(
    key: tuple, token: str, render: Callable[[], str], fills: dict[str, str] | None = None
) -> str:
    personal = current_user.is_authenticated or session
    page = render() if personal else _cached(key, lambda: render().replace(token, TOKEN_MARK))
    for mark, value in {TOKEN_MARK: token, **(fills or {})}.items():
        page = page.replace(mark, value)
    return page


def _receipt_offer(box_id: int) -> str | None:
    """A link a higher room offers on the receipt (a fresh questionnaire link), or None."""
    campaign_id = _cached(("campaign", box_id), lambda: load_box(db.session, box_id).campaign_id)
    return first_answer(
        receipt_offer, current_app, box_id=box_id, campaign_id=campaign_id, cached=_cached
    )


def _numbered_fields(prefix: str) -> dict[int, str]:
    """Form fields named like r12 / c12 (department 12), as {12: value}."""
    return {
        int(name[1:]): value
        for name, value in request.form.items()
        if name.startswith(prefix) and name[1:].isascii() and name[1:].isdigit()
    }


def _ballot_form(
    box: Any,
    nonce: str,
    chosen: dict[int, str] | None = None,
    comments: dict[int, str] | None = None,
    missing: set[int] | None = None,
    message: str | None = None,
) -> Markup:
    return Markup(
        render_template(
            "ballots/_ballot_form.html",
            box=box,
            nonce=nonce,
            chosen=chosen or {},
            comments=comments or {},
            missing=missing or set(),
            message=message,
            ratings=list(Rating),
            labels=rating_labels(),
            # Departments whose report is published get a 看报告 link beside their name.
            published=_cached(
                ("published", box.campaign_id),
                lambda: published_codes(db.session, box.campaign),
            ),
        )
    )


# Box pages and department lists change only when the office edits a group; a minute of
# staleness is the price of not rendering the same page for every phone. One cache per app.
BOX_CACHE_SECONDS = 60


def _cached(key: tuple, compute: Callable[[], Any]) -> Any:
    cache, lock = current_app.extensions.setdefault(
        "ballot_page_cache", (TTLCache(maxsize=1024, ttl=BOX_CACHE_SECONDS), threading.Lock())
    )
    with lock:
        value = cache.get(key)
    if value is None:
        value = compute()
        with lock:
            cache[key] = value
    return value


def _vote_refused(refusal: VoteRefused) -> tuple[str, int]:
    count_refusal(f"card-{refusal.reason}")
    if refusal.reason == "unknown":
        # Only a card that does not exist counts against the address: a real card is never
        # refused, so one phone guessing cannot stop the venue that shares its address.
        count_failure("card-guess", get_remote_address(), current_app.config["VOTE_GUESS_LIMIT"])
    return render_template("ballots/refused.html", reason=refusal.reason), refusal.status
