"""The builder: ready templates, every question type, bad questions, freezing, versions."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluation.campaign.models import Phase
from evaluation.core.models import AuditEvent, Role
from questionnaires.models import Question, QuestionKind, Questionnaire, QuestionnaireKind
from tests.questionnaires.conftest import full_answers, vote_for_link

OFFICE = "/office/questionnaires"


def test_the_two_ready_templates_hold_every_kind_of_question(survey):
    for questionnaire in (survey.social, survey.conduct):
        assert questionnaire.kind in (QuestionnaireKind.SOCIAL, QuestionnaireKind.CONDUCT)
        assert len(questionnaire.sections) >= 3
    kinds = {q.kind for q in survey.social.questions}
    assert kinds == {k.value for k in QuestionKind}
    conduct_matrix = survey.question(survey.conduct, QuestionKind.MATRIX)
    assert conduct_matrix.items == ["服务态度", "办事效率", "廉洁自律", "政务公开", "依法办事"]
    windows = survey.question(survey.conduct, QuestionKind.MATRIX, 1)
    assert windows.items == [d.short_name for d in survey.election.departments]


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_admin_builds_a_questionnaire_of_every_type_through_the_office(
    client, db, login_as, election
):
    login_as(Role.ADMIN)
    response = client.post(f"{OFFICE}/new", data={"kind": "other", "title": "市民出行调查"})
    assert response.status_code == 302
    questionnaire = db.session.execute(select(Questionnaire)).scalar_one()
    assert questionnaire.questions == []
    base = f"{OFFICE}/{questionnaire.id}"
    client.post(f"{base}/sections", data={"title": "一、出行"})
    db.session.expire_all()
    section = questionnaire.sections[0].id
    specs = [
        {"kind": "single", "text": "您主要怎么出行？", "options": "公交\n地铁\n自驾"},
        {
            "kind": "multiple",
            "text": "您希望改进哪些？",
            "options": "准点\n线路\n票价",
            "max_choices": "2",
        },
        {"kind": "scale", "text": "您对公交的满意度？", "options": "很差\n较差\n一般\n较好\n很好"},
        {
            "kind": "matrix",
            "text": "各方面评价",
            "options": "很差\n较差\n一般\n较好\n很好",
            "items": "准点\n舒适",
        },
        {"kind": "text", "text": "其他建议", "options": ""},
    ]
    for spec in specs:
        response = client.post(
            f"{base}/questions", data={"section": section, "required": "y", **spec}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    assert [q.kind for q in questionnaire.questions] == [s["kind"] for s in specs]
    multiple = questionnaire.questions[1]
    assert (multiple.options, multiple.max_choices) == (["准点", "线路", "票价"], 2)
    assert questionnaire.questions[4].options == []

    first, second = questionnaire.questions[0].id, questionnaire.questions[1].id
    client.post(f"{base}/questions/{second}/move/up")
    db.session.expire_all()
    assert [q.id for q in questionnaire.questions[:2]] == [second, first]
    edit = {
        "section": section,
        "kind": "single",
        "text": "您最常怎么出行？",
        "options": "公交\n地铁",
    }
    assert client.post(f"{base}/questions/{first}", data=edit).status_code == 302
    client.post(f"{base}/questions/{second}/delete")
    db.session.expire_all()
    assert [q.text for q in questionnaire.questions][0] == "您最常怎么出行？"
    assert len(questionnaire.questions) == 4

    preview = client.get(f"{base}/preview").get_data(as_text=True)
    assert "您最常怎么出行？" in preview and "提交问卷" not in preview
    assert 'iframe class="phone"' in client.get(base).get_data(as_text=True)
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "questionnaire.create" in actions and "questionnaire.question" in actions


def test_questions_that_could_not_be_answered_are_refused_and_change_nothing(
    client, db, login_as, election
):
    login_as(Role.ADMIN)
    client.post(f"{OFFICE}/new", data={"kind": "other", "title": "测试问卷"})
    questionnaire = db.session.execute(select(Questionnaire)).scalar_one()
    base = f"{OFFICE}/{questionnaire.id}"
    client.post(f"{base}/sections", data={"title": "一"})
    db.session.expire_all()
    section = questionnaire.sections[0].id
    bad = [
        ({"kind": "single", "text": "只有一个选项", "options": "是"}, "2 到 20 个选项"),
        ({"kind": "multiple", "text": "多选", "options": "甲\n乙", "max_choices": "3"}, "最多可选"),
        ({"kind": "single", "text": "重复", "options": "甲\n甲"}, "不能重复"),
        ({"kind": "scale", "text": "三级", "options": "差\n中\n好"}, "5 个等级"),
        ({"kind": "matrix", "text": "无小项", "options": "1\n2\n3\n4\n5", "items": ""}, "小项"),
        ({"kind": "single", "text": "", "options": "甲\n乙"}, "必填"),
        ({"kind": "nonsense", "text": "题", "options": "甲\n乙"}, "不是有效的选择"),
    ]
    for spec, words in bad:
        before = _count(db, Question)
        response = client.post(f"{base}/questions", data={"section": section, **spec})
        assert 400 <= response.status_code < 500, spec
        assert words in response.get_data(as_text=True), (spec, words)
        assert _count(db, Question) == before
    outside = client.post(f"{base}/questions", data={"section": 999, "kind": "text", "text": "题"})
    assert outside.status_code == 400 and "请先添加一个部分" in outside.get_data(as_text=True)


def test_an_answered_questionnaire_is_frozen_and_a_new_version_copies_it(
    client, db, login_as, survey
):
    link = vote_for_link(client, survey.election)
    client.post(f"{link}/{survey.social.id}", data=full_answers(survey.social))
    login_as(Role.ADMIN)
    base = f"{OFFICE}/{survey.social.id}"
    question = survey.social.questions[0]

    def reword(questionnaire_id: int, q) -> object:
        return client.post(
            f"{OFFICE}/{questionnaire_id}/questions/{q.id}",
            data={
                "section": q.section_id,
                "kind": "scale",
                "text": "改了",
                "options": "1\n2\n3\n4\n5",
            },
        )

    response = reword(survey.social.id, question)
    assert response.status_code == 409
    assert "新建一个版本" in response.get_data(as_text=True)
    assert client.post(f"{base}/questions/{question.id}/delete").status_code == 409
    assert client.post(f"{base}/sections", data={"title": "四"}).status_code == 409
    db.session.expire_all()
    assert question.text != "改了"

    assert client.post(f"{base}/version").status_code == 302
    copy = db.session.execute(select(Questionnaire).order_by(Questionnaire.id.desc())).scalar()
    assert (copy.title, copy.version, copy.state) == (survey.social.title, 2, "draft")
    assert [q.text for q in copy.questions] == [q.text for q in survey.social.questions]
    assert reword(copy.id, copy.questions[0]).status_code == 302


def test_state_moves_follow_their_order(client, db, login_as, election):
    login_as(Role.ADMIN)
    client.post(f"{OFFICE}/new", data={"kind": "other", "title": "空问卷"})
    questionnaire = db.session.execute(select(Questionnaire)).scalar_one()
    base = f"{OFFICE}/{questionnaire.id}"
    empty = client.post(f"{base}/state/open")
    assert empty.status_code == 409 and "还没有题目" in empty.get_data(as_text=True)
    assert client.post(f"{base}/online/on").status_code == 409  # only once open
    assert client.post(f"{base}/state/close").status_code == 409  # a draft cannot close
    assert client.post(f"{base}/state/reopen").status_code == 404


def test_questionnaires_cannot_be_made_once_the_reporting_is_over(client, db, login_as, factory):
    factory.campaign(phase=Phase.HANDLING)
    db.session.commit()
    login_as(Role.ADMIN)
    response = client.post(f"{OFFICE}/new", data={"kind": "social", "use_preset": "y"})
    assert response.status_code == 409
    assert _count(db, Questionnaire) == 0


def test_the_statistics_bureau_reads_but_does_not_build(client, db, login_as, survey):
    login_as(Role.STATISTICS)
    assert client.get(OFFICE + "/").status_code == 200
    assert client.get(f"{OFFICE}/{survey.social.id}").status_code == 200
    assert client.post(f"{OFFICE}/new", data={"kind": "social"}).status_code == 403


def test_moves_past_the_ends_and_questions_of_other_questionnaires_are_refused(
    client, db, login_as, survey
):
    login_as(Role.ADMIN)
    first = survey.social.sections[0].questions[0]
    base = f"{OFFICE}/{survey.social.id}"
    order = [q.id for q in survey.social.questions]
    response = client.post(f"{base}/questions/{first.id}/move/up")
    assert response.status_code == 400 and "已在最前或最后" in response.get_data(as_text=True)
    foreign = survey.conduct.questions[0]
    assert client.post(f"{base}/questions/{foreign.id}/delete").status_code == 404
    assert client.get(f"{base}/questions/{foreign.id}").status_code == 404
    db.session.expire_all()
    assert [q.id for q in survey.social.questions] == order
    assert len(survey.conduct.questions) == 6
