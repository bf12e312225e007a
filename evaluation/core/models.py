"""Core tables: back-office users and the append-only audit log."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from evaluation.core.extensions import db

if TYPE_CHECKING:  # the campaign room's tables, named by string so the core imports no room
    from evaluation.campaign.models import Department, Venue


class Role(StrEnum):
    ADMIN = "admin"
    DEPARTMENT = "department"
    VENUE_STAFF = "venue_staff"
    SUPERVISION = "supervision"
    STATISTICS = "statistics"
    REVIEWER = "reviewer"
    DISTRICT = "district"  # a district's organiser (区市): reviews its venue's drawn people


def enum_type(enum: type[StrEnum], column: str, length: int) -> Enum:
    """The type of a column holding one of `enum`'s values: read back as the member, refused
    before the database when unknown, and checked by the database too (CHECK `<column>_valid`)."""
    return Enum(
        enum,
        name=f"{column}_valid",
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class User(UserMixin, db.Model):
    """A back-office account. The public and representatives never log in."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role != 'department' OR department_id IS NOT NULL", name="department_needed"
        ),
        CheckConstraint("role != 'venue_staff' OR venue_id IS NOT NULL", name="venue_needed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role", 20))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT")
    )
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)
    # Every signed-in session carries this number; bumping it ends them all (a logout, a
    # new password, a deactivation), copied cookies included.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    department: Mapped[Department | None] = relationship()
    venue: Mapped[Venue | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active


class AuditEvent(db.Model):
    """One entry of the append-only audit log (审计日志), hash-chained to the one before."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # position in chain
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    # Unique: two events can never claim the same predecessor, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(db.Model):
    """The newest link of the chain and the number of events; its row is the append lock."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    # Events from this position on are keyed (HMAC); earlier ones predate the audit key.
    keyed_from: Mapped[int] = mapped_column(default=1, server_default="1")
