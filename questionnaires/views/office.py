"""The office's questionnaires: the builder, versions, the phone preview and free-text answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from evaluation.campaign.services import require_campaign
from evaluation.core.auth import actor
from evaluation.core.errors import NotFound, Refused
from evaluation.core.extensions import db
from evaluation.core.forms import ConfirmForm, run_form
from evaluation.core.permissions import Capability, requires
from evaluation.core.security import framed_by_own_pages
from questionnaires import answering, services
from questionnaires.forms import (
    KIND_LABELS,
    QUESTION_KIND_LABELS,
    SOURCE_LABELS,
    STATE_LABELS,
    IntroForm,
    NewQuestionnaireForm,
    QuestionForm,
    SectionForm,
)
from questionnaires.models import (
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireState,
)
from questionnaires.presets import QuestionSpec
from questionnaires.views.blueprints import admin_bp
from questionnaires.views.public import form_page, numbers

TEXTS_PAGE_SIZE = 50


# ---------------------------------------------------------------- the office


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    return services.get_questionnaire(db.session, require_campaign(db.session), questionnaire_id)


def _done(questionnaire: Questionnaire, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for(".edit", questionnaire_id=questionnaire.id))


@admin_bp.route("/")
@requires(Capability.READ_QUESTIONNAIRES)
def index(form: NewQuestionnaireForm | None = None, status: int = 200) -> Any:
    campaign = require_campaign(db.session)
    questionnaires = services.questionnaires_of(db.session, campaign)
    return render_template(
        "questionnaires/office/index.html",
        questionnaires=questionnaires,
        counts={q.id: answering.response_counts(db.session, q) for q in questionnaires},
        form=form or NewQuestionnaireForm(formdata=None),
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
    ), status


@admin_bp.route("/new", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def new() -> Any:
    form = NewQuestionnaireForm()
    outcome = run_form(
        form,
        lambda: services.create_questionnaire(
            db.session,
            require_campaign(db.session),
            QuestionnaireKind(form.kind.data),
            form.title.data or "",
            actor(),
            use_preset=form.use_preset.data,
        ),
    )
    if outcome.done:
        return _done(outcome.value, _("问卷已创建。"))
    return index(form, outcome.status)


def _edit_page(questionnaire: Questionnaire, status: int = 200, **posted: FlaskForm) -> Any:
    """The builder. A form that was posted and refused comes back as it was sent, with its
    message (a button's refusal above the page); the others are filled afresh."""
    question_form = posted.get("question_form") or QuestionForm(formdata=None)
    question_form.section.choices = [(s.id, s.title) for s in questionnaire.sections]
    counts = answering.response_counts(db.session, questionnaire)
    return render_template(
        "questionnaires/office/edit.html",
        questionnaire=questionnaire,
        counts=counts,
        locked=bool(sum(counts.values())) or questionnaire.state == QuestionnaireState.CLOSED,
        intro_form=posted.get("intro_form") or IntroForm(formdata=None, obj=questionnaire),
        section_form=posted.get("section_form") or SectionForm(formdata=None),
        question_form=question_form,
        confirm=posted.get("confirm") or ConfirmForm(formdata=None),
        numbers=numbers(questionnaire),
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
        question_kind_labels=QUESTION_KIND_LABELS,
        source_labels=SOURCE_LABELS,
        online_url=url_for("questionnaires.online", questionnaire_id=questionnaire.id),
    ), status


def _builder_action(
    questionnaire: Questionnaire,
    name: str,
    form: FlaskForm,
    action: Callable[[], Any],
    done: Callable[[Any], str],
) -> Any:
    """Run one of the builder's forms: done, back to the builder (of the questionnaire the
    action returns, or this one) with `done(value)`; refused, the builder with that form."""
    outcome = run_form(form, action)
    if outcome.done:
        target = outcome.value if isinstance(outcome.value, Questionnaire) else questionnaire
        return _done(target, done(outcome.value))
    return _edit_page(questionnaire, outcome.status, **{name: form})


@admin_bp.route("/<int:questionnaire_id>")
@requires(Capability.READ_QUESTIONNAIRES)
def edit(questionnaire_id: int) -> Any:
    return _edit_page(_questionnaire(questionnaire_id))


@admin_bp.route("/<int:questionnaire_id>/intro", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def intro(questionnaire_id: int) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    form = IntroForm()
    return _builder_action(
        questionnaire,
        "intro_form",
        form,
        lambda: services.update_intro(
            db.session, questionnaire, form.title.data, form.intro.data, actor()
        ),
        lambda _value: _("已保存。"),
    )


@admin_bp.route("/<int:questionnaire_id>/sections", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def add_section(questionnaire_id: int) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    form = SectionForm()
    return _builder_action(
        questionnaire,
        "section_form",
        form,
        lambda: services.add_section(db.session, questionnaire, form.title.data, actor()),
        lambda _value: _("已添加新的部分。"),
    )


def _spec(form: QuestionForm) -> QuestionSpec:
    return QuestionSpec(
        kind=QuestionKind(form.kind.data),
        text=form.text.data,
        options=form.lines("options"),
        items=form.lines("items"),
        required=form.required.data,
        max_choices=form.max_choices.data,
    )


@admin_bp.route("/<int:questionnaire_id>/questions", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def add_question(questionnaire_id: int) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    form = QuestionForm()
    form.section.choices = [(s.id, s.title) for s in questionnaire.sections]

    def add() -> None:
        section = next((s for s in questionnaire.sections if s.id == form.section.data), None)
        if section is None:
            raise Refused(_("请先添加一个部分，再添加题目。"), field="section")
        services.add_question(db.session, section, _spec(form), actor())

    return _builder_action(
        questionnaire, "question_form", form, add, lambda _value: _("题目已添加。")
    )


def _question(questionnaire_id: int, question_id: int) -> tuple[Questionnaire, Question]:
    questionnaire = _questionnaire(questionnaire_id)
    return questionnaire, services.get_question(db.session, questionnaire, question_id)


@admin_bp.route("/<int:questionnaire_id>/questions/<int:question_id>", methods=["GET", "POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def edit_question(questionnaire_id: int, question_id: int) -> Any:
    questionnaire, question = _question(questionnaire_id, question_id)
    form = QuestionForm(
        data={
            "section": question.section_id,
            "kind": question.kind,
            "text": question.text,
            "required": question.required,
            "options": "\n".join(question.options),
            "items": "\n".join(question.items),
            "max_choices": question.max_choices,
        }
        if request.method == "GET"
        else None
    )
    form.section.choices = [(question.section_id, question.section.title)]
    outcome = run_form(
        form, lambda: services.update_question(db.session, question, _spec(form), actor())
    )
    if outcome.done:
        return _done(questionnaire, _("题目已修改。"))
    return render_template(
        "questionnaires/office/question.html",
        questionnaire=questionnaire,
        question=question,
        form=form,
    ), outcome.status


@admin_bp.route(
    "/<int:questionnaire_id>/questions/<int:question_id>/move/<direction>", methods=["POST"]
)
@requires(Capability.BUILD_QUESTIONNAIRES)
def move_question(questionnaire_id: int, question_id: int, direction: str) -> Any:
    questionnaire, question = _question(questionnaire_id, question_id)
    steps = {"up": -1, "down": 1}
    if direction not in steps:
        raise NotFound(_("找不到该页面，请检查网址是否正确。"))
    return _builder_action(
        questionnaire,
        "confirm",
        ConfirmForm(),
        lambda: services.move_question(db.session, question, steps[direction], actor()),
        lambda _value: _("题目顺序已调整。"),
    )


@admin_bp.route("/<int:questionnaire_id>/questions/<int:question_id>/delete", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def delete_question(questionnaire_id: int, question_id: int) -> Any:
    questionnaire, question = _question(questionnaire_id, question_id)
    return _builder_action(
        questionnaire,
        "confirm",
        ConfirmForm(),
        lambda: services.remove_question(db.session, question, actor()),
        lambda _value: _("题目已删除。"),
    )


@admin_bp.route("/<int:questionnaire_id>/state/<target>", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def move(questionnaire_id: int, target: str) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    moves = {"open": QuestionnaireState.OPEN, "close": QuestionnaireState.CLOSED}
    if target not in moves:
        raise NotFound(_("找不到该页面，请检查网址是否正确。"))
    return _builder_action(
        questionnaire,
        "confirm",
        ConfirmForm(),
        lambda: services.move_questionnaire(db.session, questionnaire, moves[target], actor()),
        lambda _value: str(STATE_LABELS[moves[target]]),
    )


@admin_bp.route("/<int:questionnaire_id>/online/<switch>", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def online_switch(questionnaire_id: int, switch: str) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    if switch not in ("on", "off"):
        raise NotFound(_("找不到该页面，请检查网址是否正确。"))
    message = _("已向公众开放网上填写。") if switch == "on" else _("已停止网上填写。")
    return _builder_action(
        questionnaire,
        "confirm",
        ConfirmForm(),
        lambda: services.set_online(db.session, questionnaire, switch == "on", actor()),
        lambda _value: message,
    )


@admin_bp.route("/<int:questionnaire_id>/version", methods=["POST"])
@requires(Capability.BUILD_QUESTIONNAIRES)
def version(questionnaire_id: int) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    return _builder_action(
        questionnaire,
        "confirm",
        ConfirmForm(),
        lambda: services.new_version(db.session, questionnaire, actor()),
        lambda copy: _("已新建第 %(n)s 版草稿，可以修改题目。", n=copy.version),
    )


@admin_bp.route("/<int:questionnaire_id>/preview")
@requires(Capability.READ_QUESTIONNAIRES)
def preview(questionnaire_id: int) -> Response:
    """The questionnaire as a phone shows it (the edit page frames it 360 px wide)."""
    return framed_by_own_pages(
        make_response(form_page(_questionnaire(questionnaire_id), submit=False))
    )


@admin_bp.route("/<int:questionnaire_id>/texts")
@requires(Capability.READ_QUESTIONNAIRES)
def texts(questionnaire_id: int, confirm: ConfirmForm | None = None, status: int = 200) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    search = request.args.get("q", "")[:100]
    answers = answering.readable_text_answers(db.session, questionnaire, search)
    pages = max(1, -(-len(answers) // TEXTS_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template(
        "questionnaires/office/texts.html",
        questionnaire=questionnaire,
        answers=answers[(page - 1) * TEXTS_PAGE_SIZE : page * TEXTS_PAGE_SIZE],
        page={"page": page, "pages": pages, "total": len(answers)},
        search=search,
        confirm=confirm or ConfirmForm(formdata=None),
    ), status


@admin_bp.route("/<int:questionnaire_id>/texts/<text_id>/route", methods=["POST"])
@requires(Capability.TRIAGE_SUGGESTIONS)
def route_text(questionnaire_id: int, text_id: str) -> Any:
    questionnaire = _questionnaire(questionnaire_id)
    form = ConfirmForm()
    outcome = run_form(
        form, lambda: answering.route_text_answer(db.session, questionnaire, text_id, actor())
    )
    if not outcome.done:
        return texts(questionnaire_id, form, outcome.status)
    flash(_("已转为意见建议（编号 %(n)s），请到意见建议分办页处理。", n=outcome.value), "success")
    return redirect(url_for(".texts", questionnaire_id=questionnaire.id))
