"""Simulated questionnaire answers for the demo, given through the same code as real ones.

After each simulated ballot, some voters follow the receipt's link and answer; their answers
lean the way real ones do (most people fairly satisfied, concerns spread unevenly), and a few
free-text answers are routed to the suggestions office.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.models import BallotBox
from evaluation.campaign.models import Campaign
from questionnaires import answering, services
from questionnaires.models import Question, QuestionKind, Questionnaire, QuestionnaireKind
from questionnaires.models import QuestionnaireState as State
from suggestions.models import Channel, Suggestion

ANSWER_SHARE = 0.4  # of the voters who answer each questionnaire
TEXT_SHARE = 0.15  # of those who write something in an optional text question
ROUTED_TEXTS = 12
DEMO_PASS_KEY = "sanmin-demo-questionnaires"  # links made and used inside the simulation
TEXTS = [
    "建议增加早晚高峰的公交班次，缩短等车时间。",
    "希望多建几处社区养老服务中心，方便老人就近养老。",
    "老旧小区加装电梯的审批能否再简化一些？",
    "建议学校周边上下学时段增派交警疏导交通。",
    "希望看病挂号更方便，减少排队时间。",
    "部门之间数据要打通，别让群众反复提交同样的材料。",
    "窗口工作人员态度很好，希望继续保持。",
    "夜间施工噪音扰民，希望加强管理。",
    "建议增加城市公园的健身设施和公共厕所。",
    "网上办事系统经常卡顿，希望优化。",
]


def build_demo_questionnaires(session: Session, campaign: Campaign, actor: str) -> None:
    """Both ready questionnaires, open, unless the demo made them already."""
    if services.questionnaires_of(session, campaign):
        return
    for kind in (QuestionnaireKind.SOCIAL, QuestionnaireKind.CONDUCT):
        questionnaire = services.create_questionnaire(
            session, campaign, kind, "", actor, use_preset=True
        )
        services.move_questionnaire(session, questionnaire, State.OPEN, actor)


def demo_respondents(session: Session, campaign: Campaign) -> Callable[[BallotBox], None]:
    """What a simulated voter does after casting: perhaps answer the open questionnaires."""
    rng = random.Random(campaign.year)
    questionnaires = answering.open_questionnaires(session, campaign.id)
    # Each question and matrix item gets its own leaning, the same for every run.
    leanings = {
        (q.id, i): [rng.uniform(0.2, 1.0) for _ in range(max(len(q.options), 5))]
        for questionnaire in questionnaires
        for q in questionnaire.questions
        for i in range(max(len(q.items), 1))
    }
    scale_lean = [0.04, 0.08, 0.25, 0.4, 0.23]

    def answers(q: Question) -> dict[str, str | list[str]]:
        name = f"q{q.id}"
        kind = q.current_kind
        if kind == QuestionKind.SINGLE:
            weights = leanings[q.id, 0][: len(q.options)]
            return {name: str(rng.choices(range(len(q.options)), weights)[0])}
        if kind == QuestionKind.MULTIPLE:
            weights = leanings[q.id, 0][: len(q.options)]
            picked = {rng.choices(range(len(q.options)), weights)[0] for _ in range(q.max_choices)}
            return {name: [str(i) for i in sorted(picked)]}
        if kind == QuestionKind.SCALE:
            return {name: str(rng.choices(range(1, 6), scale_lean)[0])}
        if kind == QuestionKind.MATRIX:
            form: dict[str, str | list[str]] = {}
            for i in range(len(q.items)):
                if q.required or rng.random() < 0.6:
                    lean = [w * s for w, s in zip(leanings[q.id, i], scale_lean, strict=False)]
                    form[f"{name}_{i}"] = str(rng.choices(range(1, 6), lean)[0])
            return form
        return {name: rng.choice(TEXTS)} if rng.random() < TEXT_SHARE else {}

    def respond(box: BallotBox) -> None:
        link = answering.read_pass(DEMO_PASS_KEY, answering.make_pass(DEMO_PASS_KEY, box.id))
        for questionnaire in questionnaires:
            if rng.random() >= ANSWER_SHARE:
                continue
            form: dict[str, str | list[str]] = {}
            for q in questionnaire.questions:
                form.update(answers(q))
            answering.submit_response(session, questionnaire, form, link)

    return respond


def route_demo_texts(session: Session, campaign: Campaign, actor: str) -> None:
    """Route a few free-text answers of sealed boxes to the suggestions office, once."""
    routed = select(Suggestion.id).where(
        Suggestion.campaign_id == campaign.id, Suggestion.channel == Channel.SURVEY.value
    )
    if session.execute(routed).first():
        return
    questionnaire: Questionnaire
    for questionnaire in services.questionnaires_of(session, campaign):
        texts = answering.readable_text_answers(session, questionnaire)
        for text, _question, _venue in texts[: ROUTED_TEXTS // 2]:
            answering.route_text_answer(session, questionnaire, text.id, actor)
