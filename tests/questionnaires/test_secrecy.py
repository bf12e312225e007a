"""Nothing stored joins a questionnaire response to a ballot, a card, a person or a time."""

from __future__ import annotations

import logging
import re

from sqlalchemy import inspect, select

from evaluation.core.security import MaskVotingTokens
from questionnaires.models import QuestionnaireResponse
from tests.invariants.test_ballot_secrecy import FORBIDDEN_COLUMN
from tests.questionnaires.conftest import full_answers, stored, vote_for_link

RESPONSE_TABLES = (
    "questionnaire_response",
    "questionnaire_answer",
    "questionnaire_text",
    "questionnaire_used_pass",
)
ALLOWED_REFERENCES = {
    "questionnaire",
    "questionnaire_question",
    "questionnaire_response",
    "ballot_box",  # the venue is kept
    "suggestion",  # a free-text answer the office routed on
}


def test_response_tables_reference_no_ballot_card_person_or_time(app, db):
    inspector = inspect(db.engine)
    for table in RESPONSE_TABLES:
        columns = [c["name"] for c in inspector.get_columns(table)]
        assert not [c for c in columns if FORBIDDEN_COLUMN.search(c)], table
        referenced = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert referenced <= ALLOWED_REFERENCES, table
    # A used link is remembered by its nonce's hash alone: not its box, not its response.
    assert {c["name"] for c in inspector.get_columns("questionnaire_used_pass")} == {
        "nonce_hash",
        "questionnaire_id",
    }


def test_casting_a_ballot_stores_nothing_for_the_questionnaires(client, db, survey):
    before = stored(db)
    vote_for_link(client, survey.election)
    assert stored(db) == before


def test_the_link_carries_no_ballot_id_receipt_or_token(client, db, survey):
    election = survey.election
    response = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    page = response.get_data(as_text=True)
    receipt = re.search(r'<p class="receipt">(\w+)</p>', page)[1]
    link = re.search(r'href="(/q/[^"]+)"', page)[1]
    from ballots.models import PendingBallot

    ballot_id = db.session.execute(select(PendingBallot.id)).scalar_one()
    for secret in (receipt, ballot_id, election.cards[0].token, election.cards[0].short_code):
        assert secret not in link


def test_response_ids_are_random_and_stored_in_key_order(client, db, survey):
    for card in range(6):
        link = vote_for_link(client, survey.election, card)
        client.post(f"{link}/{survey.social.id}", data=full_answers(survey.social))
    ids = db.session.execute(select(QuestionnaireResponse.id)).scalars().all()
    assert len(set(ids)) == 6 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            scanned = [
                r[0] for r in connection.exec_driver_sql("SELECT id FROM questionnaire_response")
            ]
        assert scanned == sorted(scanned)


def test_access_logs_never_show_an_answer_links_secret():
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s "%s" %s',
        ("127.0.0.1", "POST /q/WzEsImFiYyJd.sig/3 HTTP/1.1", "200"),
        None,
    )
    MaskVotingTokens().filter(record)
    assert "WzEsImFiYyJd" not in record.getMessage()
    assert "POST /q/***/3 HTTP/1.1" in record.getMessage()
