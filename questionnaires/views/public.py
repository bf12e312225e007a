"""Answering a questionnaire: through the receipt's one-time link, or online when opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from evaluation.campaign.services import require_campaign
from evaluation.core.errors import NotFound
from evaluation.core.extensions import csrf, db, limiter
from questionnaires import answering, services
from questionnaires.models import (
    Questionnaire,
)
from questionnaires.views.blueprints import public_bp

# ---------------------------------------------------------------- answering (public)


def numbers(questionnaire: Questionnaire) -> dict[int, int]:
    return {q.id: n for n, q in enumerate(questionnaire.questions, start=1)}


def form_page(
    questionnaire: Questionnaire,
    parsed: answering.ParsedAnswers | None = None,
    message: str | None = None,
    csrf_field: bool = False,
    submit: bool = True,
) -> str:
    parsed = parsed or answering.ParsedAnswers()
    return render_template(
        "questionnaires/answer.html",
        questionnaire=questionnaire,
        kept=parsed.kept,
        errors=parsed.errors,
        numbers=numbers(questionnaire),
        message=message,
        csrf=csrf_field,
        submit=submit,
        framed=not submit,  # the office's phone preview shows the page as a citizen sees it
    )


def _submit(
    questionnaire: Questionnaire, answer_pass: answering.AnswerPass | None, back: str | None
) -> Any:
    try:
        answering.submit_response(db.session, questionnaire, request.form, answer_pass)

    except answering.IncompleteResponse as refusal:
        db.session.rollback()
        page = form_page(questionnaire, refusal.parsed, refusal.message, answer_pass is None)
        return page, refusal.status
    return render_template("questionnaires/thanks.html", back=back)


def _read_pass(pass_token: str) -> tuple[answering.AnswerPass, int]:
    answer_pass = answering.read_pass(current_app.config["SECRET_KEY"], pass_token)
    box = answering.pass_box(db.session, answer_pass)
    return answer_pass, box.campaign_id


def receipt_link(
    sender: Any, box_id: int, campaign_id: int, cached: Callable[..., Any]
) -> str | None:
    """Answers `ballots.signals.receipt_offer`: a fresh answer link for the voter when the
    campaign has questionnaires open. Made here and stored nowhere: nothing joins the
    answers to the ballot."""
    open_ids = cached(
        ("questionnaires", campaign_id),
        lambda: [q.id for q in answering.open_questionnaires(db.session, campaign_id)],
    )
    if not open_ids:
        return None
    return url_for(
        "questionnaires.start",
        pass_token=answering.make_pass(current_app.config["SECRET_KEY"], box_id),
    )


@public_bp.route("/q/<pass_token>")
def start(pass_token: str) -> str:
    answer_pass, campaign_id = _read_pass(pass_token)
    return render_template(
        "questionnaires/start.html",
        pass_token=pass_token,
        questionnaires=answering.open_questionnaires(db.session, campaign_id),
        answered=answering.answered_with(db.session, answer_pass),
    )


@public_bp.route("/q/<pass_token>/<int:questionnaire_id>", methods=["GET", "POST"])
# The signed link is the secret that authorises the post, as a voting card is.
@csrf.exempt
def answer(pass_token: str, questionnaire_id: int) -> Any:
    answer_pass, campaign_id = _read_pass(pass_token)
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None or questionnaire.campaign_id != campaign_id:
        raise NotFound(_("此链接不能填写该问卷。"))
    if request.method == "POST":
        return _submit(questionnaire, answer_pass, url_for(".start", pass_token=pass_token))
    answering.check_answerable(db.session, questionnaire, answer_pass)
    return form_page(questionnaire)


@public_bp.route("/questionnaires/<int:questionnaire_id>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["QUESTIONNAIRE_ONLINE_LIMIT"], methods=["POST"])
def online(questionnaire_id: int) -> Any:
    """The public online form, when the office has opened one to everybody."""
    questionnaire = services.get_questionnaire(
        db.session, require_campaign(db.session), questionnaire_id
    )
    if request.method == "POST":
        return _submit(questionnaire, None, None)
    answering.check_answerable(db.session, questionnaire, None)
    return form_page(questionnaire, csrf_field=True)
