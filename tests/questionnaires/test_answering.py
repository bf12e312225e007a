"""Answering: the receipt's one-time link, each question type's checks, and every refusal."""

from __future__ import annotations

from sqlalchemy import select

from ballots.cards import issue_cards
from ballots.lifecycle import move_box
from ballots.models import BallotBox, BoxState
from evaluation.campaign.models import Phase
from questionnaires import answering, services
from questionnaires.models import (
    TEXT_MAX_LENGTH,
    Answer,
    QuestionKind,
    QuestionnaireResponse,
    QuestionnaireState,
    ResponseSource,
    TextAnswer,
)
from tests.questionnaires.conftest import full_answers, stored, vote_for_link


def test_the_receipt_offers_no_link_while_no_questionnaire_is_open(client, election):
    response = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    assert response.status_code == 200
    assert "/q/" not in response.get_data(as_text=True)


def test_a_voter_answers_both_questionnaires_once_through_the_receipts_link(client, db, survey):
    link = vote_for_link(client, survey.election)
    start = client.get(link).get_data(as_text=True)
    assert "社情民意调查问卷" in start and "政风行风问卷" in start
    for questionnaire in (survey.social, survey.conduct):
        page = client.get(f"{link}/{questionnaire.id}")
        assert page.status_code == 200
        done = client.post(f"{link}/{questionnaire.id}", data=full_answers(questionnaire))
        assert done.status_code == 200
        assert "问卷已提交" in done.get_data(as_text=True)
    assert client.get(link).get_data(as_text=True).count("已填写") == 2
    responses = db.session.execute(select(QuestionnaireResponse)).scalars().all()
    assert len(responses) == 2
    assert {r.box_id for r in responses} == {survey.election.box.id}
    assert {r.source for r in responses} == {ResponseSource.VENUE}
    matrix = survey.question(survey.social, QuestionKind.MATRIX)
    rows = db.session.execute(select(Answer).where(Answer.question_id == matrix.id)).scalars()
    assert sorted(a.item for a in rows) == list(range(len(matrix.items)))
    assert (
        db.session.execute(select(TextAnswer.text)).scalars().all()
        == ["希望公交线路再多一些。"] * 2
    )


def test_a_used_link_is_refused_and_stores_nothing(client, db, survey):
    link = vote_for_link(client, survey.election)
    client.post(f"{link}/{survey.social.id}", data=full_answers(survey.social))
    before = stored(db)
    again = client.post(f"{link}/{survey.social.id}", data=full_answers(survey.social))
    assert again.status_code == 409
    assert "已经填写过" in again.get_data(as_text=True)
    assert client.get(f"{link}/{survey.social.id}").status_code == 409
    assert stored(db) == before


def test_two_voters_get_different_links(client, survey):
    assert vote_for_link(client, survey.election, 0) != vote_for_link(client, survey.election, 1)


def _refused(client, db, link, questionnaire, form, status, words):
    before = stored(db)
    response = client.post(f"{link}/{questionnaire.id}", data=form)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert words in response.get_data(as_text=True)
    assert stored(db) == before
    return response.get_data(as_text=True)


def test_a_missing_required_answer_reshows_the_form_with_the_other_answers_kept(client, db, survey):
    link = vote_for_link(client, survey.election)
    single = survey.question(survey.social, QuestionKind.SINGLE)
    scale = survey.question(survey.social, QuestionKind.SCALE)
    form = full_answers(survey.social)
    del form[f"q{single.id}"]
    page = _refused(client, db, link, survey.social, form, 400, "这是必答题")
    assert f'href="#q{single.id}"' in page  # the banner points at the missing question
    assert f'name="q{scale.id}" value="4" checked' in page  # what was answered is kept
    # The link is not spent by a refusal: the corrected form goes through.
    assert (
        client.post(f"{link}/{survey.social.id}", data=full_answers(survey.social)).status_code
        == 200
    )


def test_a_required_matrix_needs_every_item(client, db, survey):
    link = vote_for_link(client, survey.election)
    matrix = survey.question(survey.social, QuestionKind.MATRIX)
    form = full_answers(survey.social)
    del form[f"q{matrix.id}_1"]
    _refused(client, db, link, survey.social, form, 400, "请为每一小项选择一个等级")


def test_an_optional_matrix_may_be_left_partly_blank(client, db, survey):
    link = vote_for_link(client, survey.election)
    optional = survey.question(survey.conduct, QuestionKind.MATRIX, 1)
    assert not optional.required
    form = full_answers(survey.conduct)
    for i in range(1, len(optional.items)):
        del form[f"q{optional.id}_{i}"]
    assert client.post(f"{link}/{survey.conduct.id}", data=form).status_code == 200
    items = db.session.execute(
        select(Answer.item).where(Answer.question_id == optional.id)
    ).scalars()
    assert list(items) == [0]


def test_too_many_choices_are_refused(client, db, survey):
    link = vote_for_link(client, survey.election)
    multiple = survey.question(survey.social, QuestionKind.MULTIPLE)
    form = full_answers(survey.social)
    form[f"q{multiple.id}"] = ["0", "1", "2", "3"]
    _refused(client, db, link, survey.social, form, 400, "最多选择 3 项")


def test_values_outside_a_questions_options_are_refused(client, db, survey):
    link = vote_for_link(client, survey.election)
    social = survey.social
    single = survey.question(social, QuestionKind.SINGLE)
    multiple = survey.question(social, QuestionKind.MULTIPLE)
    scale = survey.question(social, QuestionKind.SCALE)
    matrix = survey.question(social, QuestionKind.MATRIX)
    for field, value in [
        (f"q{single.id}", str(len(single.options))),
        (f"q{single.id}", "-1"),
        (f"q{single.id}", "１"),  # a full-width digit is not an option either
        (f"q{multiple.id}", ["0", "x"]),
        (f"q{scale.id}", "6"),
        (f"q{scale.id}", "0"),
        (f"q{matrix.id}_0", "9"),
    ]:
        form = full_answers(social)
        form[field] = value
        _refused(client, db, link, social, form, 400, "答案不在该题的选项之内")


def test_a_too_long_text_answer_is_refused(client, db, survey):
    link = vote_for_link(client, survey.election)
    text = survey.question(survey.social, QuestionKind.TEXT)
    form = full_answers(survey.social)
    form[f"q{text.id}"] = "长" * (TEXT_MAX_LENGTH + 1)
    _refused(client, db, link, survey.social, form, 400, "不能超过 500 字")


def test_a_blank_questionnaire_is_refused(client, db, survey):
    link = vote_for_link(client, survey.election)
    for q in survey.social.questions:
        q.required = False
    db.session.commit()
    _refused(client, db, link, survey.social, {}, 400, "问卷是空白的")


def test_a_forged_or_altered_link_is_refused(client, db, survey):
    link = vote_for_link(client, survey.election)
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 404
    made_elsewhere = answering.make_pass("another-secret", survey.election.box.id)
    response = client.get(f"/q/{made_elsewhere}")
    assert response.status_code == 404
    assert "问卷链接无效" in response.get_data(as_text=True)
    _refused(
        client,
        db,
        f"/q/{made_elsewhere}",
        survey.social,
        full_answers(survey.social),
        404,
        "问卷链接无效",
    )


def test_a_link_cannot_answer_another_campaigns_questionnaire(client, db, survey, factory, app):
    other = factory.campaign(year=2025, phase=Phase.REPORTING)
    group = factory.group(other)
    factory.department(other, "X", group)
    box = BallotBox(
        campaign=other,
        meeting=factory.meeting(group),
        venue=factory.venue(other),
        state=BoxState.OPEN.value,
    )
    db.session.add(box)
    db.session.commit()
    foreign = f"/q/{answering.make_pass(app.config['SECRET_KEY'], box.id)}"
    _refused(
        client, db, foreign, survey.social, full_answers(survey.social), 404, "此链接不能填写该问卷"
    )


def test_answering_after_the_box_closed_is_refused(client, db, survey):
    link = vote_for_link(client, survey.election)
    move_box(db.session, survey.election.box, BoxState.CLOSED, None)
    db.session.commit()
    assert client.get(link).status_code == 409
    _refused(client, db, link, survey.social, full_answers(survey.social), 409, "投票箱已关闭")


def test_a_closed_or_draft_questionnaire_takes_no_answers(client, db, survey):
    link = vote_for_link(client, survey.election)
    services.move_questionnaire(db.session, survey.social, QuestionnaireState.CLOSED, "admin")
    db.session.commit()
    _refused(client, db, link, survey.social, full_answers(survey.social), 409, "目前不接受填写")
    assert survey.social.title not in client.get(link).get_data(as_text=True)


def test_the_online_form_is_only_there_when_the_office_opens_it(client, db, survey):
    url = f"/questionnaires/{survey.social.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data=full_answers(survey.social)).status_code == 404
    services.set_online(db.session, survey.social, True, "admin")
    db.session.commit()
    assert client.get(url).status_code == 200
    assert client.post(url, data=full_answers(survey.social)).status_code == 200
    response = db.session.execute(select(QuestionnaireResponse)).scalar_one()
    assert (response.source, response.box_id) == (ResponseSource.ONLINE, None)


def test_the_online_form_is_rate_limited_per_address(make_app, survey, db):
    limited = make_app(QUESTIONNAIRE_ONLINE_LIMIT="2 per hour")
    with limited.app_context():
        services.set_online(db.session, db.session.merge(survey.social), True, "admin")
        db.session.commit()
        client = limited.test_client()
        url = f"/questionnaires/{survey.social.id}"
        codes = [client.post(url, data=full_answers(survey.social)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_cards_of_a_new_batch_get_links_too(client, db, survey):
    cards = issue_cards(db.session, survey.election.box, 1, "admin")
    db.session.commit()
    response = client.post(f"/v/{cards[0].token}", data=survey.election.full_ballot())
    assert "/q/" in response.get_data(as_text=True)
