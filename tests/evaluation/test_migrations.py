"""The schema built by the Alembic migrations is exactly the one the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from evaluation.core.extensions import db as _db


def test_migrations_and_models_agree(app, db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_upgrading_a_database_that_holds_a_campaign_keeps_every_row(make_app, tmp_path):
    """SQLite alters a table by copying it: with foreign keys on, dropping the old copy
    would cascade into the cards (or be refused). Every row must survive the upgrade."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.conftest import BASE_CONFIG, on_postgresql

    if on_postgresql():
        return  # PostgreSQL alters tables in place
    from evaluation.shell.app import create_app

    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path}/old.sqlite3"})
    with app.app_context():
        upgrade(revision="7ae36d7ab22f")  # the schema before ballots were sealed
        statements = [
            "INSERT INTO campaign (id, year, title, phase, slot_minutes) "
            "VALUES (1, 2025, 't', 'reporting', 10)",
            "INSERT INTO reporting_group (id, campaign_id, number, name) VALUES (1, 1, 1, 'g')",
            "INSERT INTO meeting (id, group_id, date, starts_at) "
            "VALUES (1, 1, '2025-11-24', '08:30:00')",
            "INSERT INTO venue (id, campaign_id, kind, name, district, address, capacity) "
            "VALUES (1, 1, 'main', 'v', '', '', 100)",
            "INSERT INTO ballot_box (id, campaign_id, meeting_id, venue_id, state) "
            "VALUES (1, 1, 1, 1, 'sealed')",
            "INSERT INTO department (id, campaign_id, code, name, short_name, evaluation_mode,"
            " group_id, order_in_group, duties, annual_goals) "
            "VALUES (1, 1, 'A', 'a', 'a', 'public', 1, 1, '', '')",
            "INSERT INTO voting_token (box_id, token_hash, short_code_hash, batch, state) "
            "VALUES (1, 'h', 's', 1, 'used')",
            "INSERT INTO ballot (id, box_id, channel) VALUES ('b1', 1, 'phone')",
            "INSERT INTO ballot_rating (ballot_id, department_id, rating) "
            "VALUES ('b1', 1, 'satisfied')",
            "INSERT INTO ballot_receipt (code, box_id) VALUES ('R1', 1)",
        ]
        with _db.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        upgrade()
        with _db.engine.connect() as connection:
            counts = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("voting_token", "ballot", "ballot_rating", "ballot_receipt")
            }
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert counts == dict.fromkeys(counts, 1)
        downgrade(revision="7ae36d7ab22f")  # and back, keeping them too
        with _db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM voting_token")).scalar() == 1
        _db.engine.dispose()


def test_every_enum_column_is_checked_by_the_database_and_refused_before_it(app, db, factory):
    """An enum column holds only its members: the ORM refuses an unknown value before any SQL,
    and a SQL account that writes one directly is stopped by the column's named CHECK."""
    import pytest
    from sqlalchemy import Enum, inspect, text
    from sqlalchemy.exc import IntegrityError, StatementError

    enum_columns = [
        (table.name, column.name)
        for table in _db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum)
    ]
    assert len(enum_columns) >= 25
    inspector = inspect(db.engine)
    for table, column in enum_columns:
        checks = {c["name"] for c in inspector.get_check_constraints(table)}
        assert f"ck_{table}_{column}_valid" in checks, (table, column)

    campaign = factory.campaign()
    db.session.commit()
    campaign.phase = "finished"
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("UPDATE campaign SET phase = 'finished'"))
    db.session.expire_all()
    assert db.session.get(type(campaign), campaign.id).phase == "preparation"


# The release before representatives and rectification: the schema the last outside recount
# ran on. Upgrading from it is the path a city that ran that release takes.
PREVIOUS_RELEASE = "a9d3e5b7c201"


def _schema(engine) -> dict[str, list[str]]:
    """Every table's columns (the migration stamp aside)."""
    from sqlalchemy import inspect

    inspector = inspect(engine)
    return {
        name: [c["name"] for c in inspector.get_columns(name)]
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }


def _snapshot(engine, tables: dict[str, list[str]]) -> dict[str, list]:
    """Every row of the tables and columns given, in a stable order."""
    from sqlalchemy import text

    rows = {}
    with engine.connect() as connection:
        for name, columns in tables.items():
            listed = ", ".join(f'"{c}"' for c in columns)
            found = connection.execute(text(f'SELECT {listed} FROM "{name}"')).all()
            rows[name] = sorted((tuple(row) for row in found), key=repr)
    return rows


def test_upgrading_the_previous_release_keeps_a_whole_campaign_and_its_audit_chain(
    fresh_database,
):
    """The demo campaign (every table of that release filled) downgraded to the previous
    release's schema, then upgraded to this one: every row is kept, the audit chain verifies
    and the site serves it."""
    from flask_migrate import downgrade, upgrade

    from evaluation.core import audit
    from evaluation.shell.app import create_app
    from tests.browser.test_foundation_pages import _build_demo
    from tests.conftest import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "DATABASE_URL": fresh_database})
    with app.app_context():
        upgrade()
        _build_demo(app)
        downgrade(revision=PREVIOUS_RELEASE)
        old = _schema(_db.engine)
        before = _snapshot(_db.engine, old)
        assert "rectification_task" not in old and len(before["ballot_rating"]) > 10_000
        upgrade()
        assert _snapshot(_db.engine, old) == before
        report = audit.verify_chain(_db.session)
        assert report.ok and report.count > 100
        _db.session.remove()
    client = app.test_client()
    for path in ("/", "/boxes/", "/suggestions/", "/rectification/"):
        assert client.get(path).status_code == 200, path
    with app.app_context():
        _db.engine.dispose()
