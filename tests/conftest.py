"""Shared fixtures: an app on a freshly migrated database per test, clients, roles, factories.

The database is SQLite unless SANMIN_TEST_DATABASE_URL names another (CI sets PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from ballots.cards import Card, issue_cards
from ballots.casting import cast_ballot
from ballots.keys import DEMO_PASSPHRASES, demo_ceremony, demo_holder_keys, prepare_box_key
from ballots.lifecycle import move_box
from ballots.models import BallotBox, BoxState, KeyHolderRole
from evaluation.campaign.models import (
    Campaign,
    Department,
    EvaluationMode,
    Group,
    Meeting,
    Phase,
    Venue,
    VenueKind,
)
from evaluation.core.extensions import db as _db
from evaluation.core.models import Role, User
from evaluation.shell.app import create_app

TEST_DATABASE_URL = os.environ.get("SANMIN_TEST_DATABASE_URL", "")
TEST_PASSWORD = "correct horse battery"
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,  # tests/evaluation/test_security.py turns it back on
    "RATELIMIT_STORAGE_URI": "memory://",
    "BALLOT_KEY_COST": "min",
    "AUDIT_KEY": "test-audit-key",  # Argon2id at its cheapest: tests unlock keys hundreds of times
}


def on_postgresql() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


def _migrate(url: str) -> None:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the migrations once: into an SQLite file to copy, or into the PostgreSQL database."""
    if on_postgresql():
        engine = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return str(path)


def _fresh_database_url(template: str, tmp_path: Path) -> str:
    if on_postgresql():
        engine = create_engine(template.replace("postgresql://", "postgresql+psycopg://"))
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.begin() as conn:
            quoted = ", ".join(f'"{t}"' for t in tables)
            # The audit log's triggers refuse TRUNCATE; a fresh test database is the one
            # place where emptying it is right.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template
    path = tmp_path / "sanmin.sqlite3"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """An empty database beside the test's own: a new file, or a new PostgreSQL database."""
    if not on_postgresql():
        yield f"sqlite:///{tmp_path}/restored.sqlite3"
        return
    name = f"sanmin_restore_{uuid.uuid4().hex[:8]}"
    server = create_engine(
        TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as on a real server.

    Without this, requests would share the test's app context: its `g` (and Flask-Login's
    cached user) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(migrated_template: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's fresh database, with extra configuration."""
    url = _fresh_database_url(migrated_template, tmp_path)
    apps: list[Flask] = []

    def build(**config: Any) -> Flask:
        app = create_app({**BASE_CONFIG, "DATABASE_URL": url, **config})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class Factory:
    """Builds campaign rows directly, for setting up a test."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def campaign(self, year: int = 2026, phase: Phase = Phase.PREPARATION) -> Campaign:
        campaign = Campaign(
            year=year,
            title=f"{year}年度三民活动",
            phase=phase.value,
            preparation_starts=dt.date(year, 11, 2),
            reporting_starts=dt.date(year, 11, 23),
            handling_starts=dt.date(year, 12, 14),
            closes_on=dt.date(year, 12, 31),
        )
        self.session.add(campaign)
        self.session.flush()
        # The key ceremony, with the demo's public passphrases (ballots.keys).
        demo_ceremony(self.session, campaign, "admin", "min")
        return campaign

    def group(self, campaign: Campaign, number: int = 1) -> Group:
        group = Group(campaign=campaign, number=number, name=f"第{number}组")
        self.session.add(group)
        self.session.flush()
        return group

    def department(
        self, campaign: Campaign, code: str, group: Group | None = None, order: int | None = None
    ) -> Department:
        if group is not None and order is None:
            order = len(group.departments) + 1
        department = Department(
            campaign=campaign,
            code=code,
            name=f"市{code}局",
            short_name=f"{code}局",
            evaluation_mode=(EvaluationMode.PUBLIC if group else EvaluationMode.INTERNAL).value,
            group=group,
            order_in_group=order,
        )
        self.session.add(department)
        self.session.flush()
        return department

    def venue(
        self,
        campaign: Campaign,
        name: str = "市级主会场",
        kind: VenueKind = VenueKind.MAIN,
        capacity: int = 100,
    ) -> Venue:
        venue = Venue(campaign=campaign, name=name, kind=kind.value, capacity=capacity)
        self.session.add(venue)
        self.session.flush()
        return venue

    def meeting(self, group: Group, date: dt.date = dt.date(2026, 11, 24)) -> Meeting:
        meeting = Meeting(group=group, date=date, starts_at=dt.time(8, 30))
        self.session.add(meeting)
        self.session.flush()
        return meeting

    def sealed_box(
        self, meeting: Meeting, venue_name: str, ballots: list[list[str | None]]
    ) -> BallotBox:
        """A box of the meeting at a new venue, voted through its cards (each ballot: one
        rating per department of the group, in order) then closed and sealed."""
        box = BallotBox(
            campaign=meeting.group.campaign,
            meeting=meeting,
            venue=self.venue(meeting.group.campaign, venue_name),
        )
        self.session.add(box)
        self.session.flush()
        move_box(self.session, box, BoxState.OPEN, None)
        codes = [d.id for d in meeting.group.departments]
        for card, ratings in zip(
            issue_cards(self.session, box, len(ballots), "t"), ballots, strict=True
        ):
            chosen = {d: r for d, r in zip(codes, ratings, strict=True) if r is not None}
            cast_ballot(self.session, card.token, chosen)
        self.session.commit()
        move_box(self.session, box, BoxState.CLOSED, None)
        seal(self.session, box)
        self.session.commit()
        return box

    def user(self, role: Role, username: str | None = None, **units: Any) -> User:
        campaign = self.session.query(Campaign).order_by(Campaign.year.desc()).first()
        if role == Role.DEPARTMENT and "department" not in units:
            campaign = campaign or self.campaign()
            units["department"] = (
                campaign.departments[0]
                if campaign.departments
                else (
                    self.department(campaign, f"U{uuid.uuid4().hex[:6]}", self.group(campaign, 9))
                )
            )
        if role in (Role.VENUE_STAFF, Role.DISTRICT) and "venue" not in units:
            campaign = campaign or self.campaign()
            units["venue"] = campaign.venues[0] if campaign.venues else self.venue(campaign)
        user = User(
            username=username or f"{role.value}-{uuid.uuid4().hex[:6]}", role=role.value, **units
        )
        user.set_password(TEST_PASSWORD)
        self.session.add(user)
        self.session.flush()
        return user


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory(_db.session)


@pytest.fixture
def login_as(client: FlaskClient, factory: Factory) -> Callable[..., User]:
    """Log the test client in as a new user of a role (skipping the rate-limited form)."""

    def login(role: Role, **units: Any) -> User:
        user = factory.user(role, **units)
        _db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session["sv"] = user.session_version
        return user

    return login


@dataclass
class Election:
    box: BallotBox
    departments: list[Department]
    cards: list[Card]

    def full_ballot(self, rating: str = "satisfied") -> dict[str, str]:
        return {f"r{d.id}": rating for d in self.departments}


@pytest.fixture
def election(factory: Factory, db: Any) -> Election:
    """A reporting campaign: one group of three departments, one venue, an open box, 20 cards."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    departments = [factory.department(campaign, code, group) for code in ("A", "B", "C")]
    venue = factory.venue(campaign)
    meeting = factory.meeting(group)
    box = BallotBox(campaign=campaign, meeting=meeting, venue=venue, state=BoxState.OPEN.value)
    db.session.add(box)
    db.session.flush()
    prepare_box_key(db.session, box)
    cards = issue_cards(db.session, box, 20, "admin")
    db.session.commit()
    return Election(box, departments, cards)


# The office's sealing form, filled in by two holders of the test campaigns' keys.
def seal_form(box_id: int, **more: str) -> dict[str, str]:
    """The sealing step's form as two key holders fill it in, confirmed with the box's number."""
    return SEAL_FORM | {"typed": str(box_id)} | more


SEAL_FORM = {
    "first_holder": "supervision",
    "first_passphrase": DEMO_PASSPHRASES[KeyHolderRole.SUPERVISION],
    "second_holder": "statistics",
    "second_passphrase": DEMO_PASSPHRASES[KeyHolderRole.STATISTICS],
}


def seal(session: Any, box: BallotBox) -> None:
    """Seal a closed box as two key holders would (the test campaigns' demo passphrases)."""
    move_box(session, box, BoxState.SEALED, None, demo_holder_keys(session, box.campaign))


def assert_form_reshown(
    response: Any, message: str, kept: tuple[str, ...] = (), status: int | None = None
) -> None:
    """A refusal in the office: the same form comes back (4xx, never a dead-end page) with
    the message in it and everything the user typed kept."""
    page = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500 and (status is None or response.status_code == status)
    assert "<form" in page, "a refusal must show the form again"
    assert 'class="error' in page and message in page
    for value in kept:
        assert value in page, f"what was typed is lost: {value}"


def assert_api_keeps_its_promise(client: FlaskClient, path: str, body: Any) -> None:
    """The body matches the 200 schema /api/v1/openapi.json promises for `path` (a route
    template such as /api/v1/questionnaires/{questionnaire_id}), its $refs resolved."""
    from jsonschema_rs import Draft202012Validator  # comes with schemathesis

    document = client.get("/api/v1/openapi.json").get_json()
    promised = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    schema = {**promised["schema"], "components": document["components"]}
    Draft202012Validator(schema).validate(body)
