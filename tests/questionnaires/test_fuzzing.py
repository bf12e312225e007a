"""Generated answer forms never give a 5xx, and a refused one stores nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import answering
from tests.invariants.test_fuzzing import NASTY, _fingerprint


def test_random_answer_forms_never_fail_and_refusals_store_nothing(client, db, survey, app):
    box_id = survey.election.box.id
    names = []
    for questionnaire in (survey.social, survey.conduct):
        for q in questionnaire.questions:
            names.append(f"q{q.id}")
            names += [f"q{q.id}_{i}" for i in range(len(q.items) + 1)]
    values = st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(["0", "1", "3", "5", "6"]),
        st.text(max_size=20),
        st.lists(st.sampled_from(["0", "1", "2", "3", "x"]), max_size=5),
    )
    forms = st.dictionaries(st.sampled_from(names), values, max_size=25)

    @given(data=forms, which=st.sampled_from([survey.social.id, survey.conduct.id]))
    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def post(data, which):
        link = answering.make_pass(app.config["SECRET_KEY"], box_id)  # a fresh voter each time
        before = _fingerprint(db)
        response = client.post(f"/q/{link}/{which}", data=data)
        assert response.status_code < 500, (data, response.status_code)
        if response.status_code >= 400:
            db.session.rollback()
            assert _fingerprint(db) == before, data

    post()
