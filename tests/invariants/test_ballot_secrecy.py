"""Invariant 2: nothing stored links a ballot to a token, card, seat, person, address or time."""

import re

from sqlalchemy import inspect

from ballots.models import Ballot, BallotComment, BoxState, Receipt
from tests.conftest import seal

BALLOT_TABLES = (
    "ballot",
    "ballot_rating",
    "ballot_receipt",
    "ballot_comment",
    "box_tally",
    "ballot_pool",
)
FORBIDDEN_COLUMN = re.compile(
    r"token|card|short|seat|user|person|representative|ip|addr|agent|time|date|_at$|created",
    re.IGNORECASE,
)


def test_ballot_tables_have_no_column_that_could_identify_a_voter(app, db):
    inspector = inspect(db.engine)
    for table in BALLOT_TABLES:
        columns = [c["name"] for c in inspector.get_columns(table)]
        assert not [c for c in columns if FORBIDDEN_COLUMN.search(c)], table
        referenced = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert referenced <= {"ballot", "ballot_box", "department"}, table


def test_tokens_are_stored_only_as_hashes(app, election, db):
    tokens_and_codes = [c.token for c in election.cards] + [c.short_code for c in election.cards]
    with db.engine.connect() as connection:
        for table in inspect(db.engine).get_table_names():
            dump = repr(connection.exec_driver_sql(f'SELECT * FROM "{table}"').fetchall())
            assert not any(secret in dump for secret in tokens_and_codes), table


def test_ballot_ids_are_random_and_rows_come_back_in_key_order_not_casting_order(
    client, election, db
):
    for card in election.cards:
        client.post(f"/v/{card.token}", data=election.full_ballot())
    db.session.expire_all()
    election.box.state = BoxState.CLOSED.value
    db.session.commit()
    seal(db.session, election.box)
    db.session.commit()
    ids = [b.id for b in db.session.query(Ballot)]
    assert len(ids) == len(set(ids)) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    if db.engine.dialect.name == "sqlite":
        # Stored without a rowid, a plain scan returns the random key order.
        with db.engine.connect() as connection:
            scanned = [r[0] for r in connection.exec_driver_sql("SELECT id FROM ballot")]
            receipts = [r[0] for r in connection.exec_driver_sql("SELECT code FROM ballot_receipt")]
        assert scanned == sorted(scanned)
        assert receipts == sorted(receipts)
    # (tests/invariants/test_secret_ballot_against_the_database.py plays the attacker.)


def test_the_receipt_proves_inclusion_but_not_content(client, election, db):
    response = client.post(f"/v/{election.cards[0].token}", data=election.full_ballot())
    receipt = re.search(r'<p class="receipt">(\w+)</p>', response.get_data(as_text=True))[1]
    stored = db.session.get(Receipt, receipt)
    assert stored is not None and stored.box_id == election.box.id
    assert set(inspect(Receipt).columns.keys()) == {"code", "box_id"}
    assert set(inspect(BallotComment).columns.keys()) == {"id", "box_id", "department_id", "text"}


def test_access_logs_never_show_a_voting_token(app, election, caplog):
    import logging

    from evaluation.core.security import MaskVotingTokens

    token = election.cards[0].token
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", f"POST /v/{token} HTTP/1.1", "200"),
        None,
    )
    MaskVotingTokens().filter(record)
    assert token not in record.getMessage()
    assert "POST /v/*** HTTP/1.1" in record.getMessage()


def test_access_logs_never_show_what_a_check_in_desk_searched_for():
    import logging

    from evaluation.core.security import MaskVotingTokens

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /office/ballots/1/attendance?q=%E7%8E%8B%E8%8A%B3 HTTP/1.1", "200"),
        None,
    )
    MaskVotingTokens().filter(record)
    assert "GET /office/ballots/1/attendance?*** HTTP/1.1" in record.getMessage()
    assert "%E7%8E%8B" not in record.getMessage()
