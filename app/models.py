"""SQLModel tables. Every row carries its organization, and every key and index leads with it,
so the schema can be distributed by tenant without a redesign.

Request and response shapes live in `app/schemas/`: a table model is never a request body.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every store (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(sa_type=String(200), unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # A fresh random token on every change to the organization's positions or scoring
    # policy, so a process can cache them and compare this one value per request
    # (app.services.catalog). Random, not a counter: two copies of a database (a restore,
    # a test template) can never reach the same value with different contents.
    catalog_version: str = Field(
        default="", sa_type=String(32), sa_column_kwargs={"server_default": ""}
    )


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        UniqueConstraint("organization_id", "key_hash"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    id: str = Field(primary_key=True, max_length=36)
    key_hash: str = Field(sa_type=String(64))
    scopes: str = Field(sa_type=String(100))
    created_at: datetime = Field(sa_type=UTCDateTime)
    name: str | None = Field(default=None, sa_type=String(200))
    # The first 8 characters of the key, to recognise it (in a secret scanner's find, say).
    prefix: str = Field(default="", sa_type=String(8), sa_column_kwargs={"server_default": ""})
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Kept to the minute: written at most once a minute per key and process (app.auth).
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Position(SQLModel, table=True):
    __tablename__ = "position"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        UniqueConstraint("organization_id", "code"),
        Index(None, "organization_id", "created_at", "id"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    id: str = Field(primary_key=True, max_length=36)
    code: str = Field(sa_type=String(100))
    title: str = Field(sa_type=String(200))
    family: str = Field(sa_type=String(100))
    track: str = Field(sa_type=String(20))
    level: int
    pay_currency: str | None = Field(default=None, sa_type=String(3))
    pay_min_cents: int | None = Field(default=None, sa_type=BigInteger)
    pay_max_cents: int | None = Field(default=None, sa_type=BigInteger)
    pay_midpoint_cents: int | None = Field(default=None, sa_type=BigInteger)
    requirements: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    min_months_in_role: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 1
    # A position the organization could not do without for long: succession coverage
    # reports on these (SPEC 12).
    critical: bool = Field(
        default=False, sa_type=Boolean, sa_column_kwargs={"server_default": false()}
    )


class Employee(SQLModel, table=True):
    __tablename__ = "employee"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        UniqueConstraint("organization_id", "external_id"),
        Index(None, "organization_id", "created_at", "id"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    id: str = Field(primary_key=True, max_length=36)
    external_id: str = Field(sa_type=String(200))
    display_name: str | None = Field(default=None, sa_type=String(200))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 1
    # Arrival counter for this person's events: the tie-break after `occurred_on`. A void
    # moves it too, so it is the person's history version: answers built from the history
    # and cached (readiness, comparisons) are keyed on it (app.services.catalog).
    event_seq: int = 0


# The condition of the talent-review index; a query must state it in these words for
# SQLite to use the index (a bound parameter does not count).
TALENT_REVIEW_ONLY = text("type = 'talent_review'")


class CareerEvent(SQLModel, table=True):
    __tablename__ = "career_event"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "employee_id"],
            ["employee.organization_id", "employee.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["organization_id", "position_id"],
            ["position.organization_id", "position.id"],
        ),
        UniqueConstraint("organization_id", "employee_id", "seq"),
        UniqueConstraint("organization_id", "employee_id", "event_key"),
        Index(None, "organization_id", "employee_id", "occurred_on", "seq"),
        # Readiness reads a person's events of some types in a date range, and proof of a
        # requirement by name: ranges of this index (app.services.readiness).
        Index(None, "organization_id", "employee_id", "type", "occurred_on", "name_key"),
        Index(None, "organization_id", "position_id"),
        # The grid and coverage read everyone's latest talent review on a day: a small
        # index of those events alone (SPEC 12), which the other events never enter.
        Index(
            "ix_career_event_talent_review",
            "organization_id",
            "occurred_on",
            sqlite_where=TALENT_REVIEW_ONLY,
            postgresql_where=TALENT_REVIEW_ONLY,
        ),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    id: str = Field(primary_key=True, max_length=36)
    employee_id: str = Field(max_length=36)
    seq: int
    type: str = Field(sa_type=String(40))
    occurred_on: date
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    position_id: str | None = Field(default=None, max_length=36)
    salary_cents: int | None = Field(default=None, sa_type=BigInteger)
    salary_currency: str | None = Field(default=None, sa_type=String(3))
    rating: int | None = None
    name: str | None = Field(default=None, sa_type=String(300))
    # `name` folded for matching requirements: case and surrounding space ignored.
    name_key: str | None = Field(default=None, sa_type=String(300))
    # `skill_acquired` only: the level 1..5 (NULL, as on skills recorded before levels, is 1).
    level: int | None = None
    # `certification_earned` only: the first day it no longer counts (NULL: never expires).
    expires_on: date | None = None
    description: str | None = Field(default=None, sa_type=Text)
    classification: str | None = Field(default=None, sa_type=String(20))
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, sa_type=Text)
    # The importer's dedupe key: the line's `event_key` or a hash of its content.
    event_key: str | None = Field(default=None, sa_type=String(200))
    # A talent review's judgements (SPEC 12): potential 1..3, risk and impact of loss.
    potential: int | None = None
    risk_of_loss: str | None = Field(default=None, sa_type=String(10))
    impact_of_loss: str | None = Field(default=None, sa_type=String(10))


class PositionHolding(SQLModel, table=True):
    """One spell of a person in a position (`app.domain.holding.Spell`), derived from their
    history and rewritten in the same transaction by every write that changes it, so that
    questions across people read spells instead of replaying every history."""

    __tablename__ = "position_holding"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "employee_id"],
            ["employee.organization_id", "employee.id"],
            ondelete="CASCADE",
        ),
        # Paths and routes start from everyone who held a position.
        Index(None, "organization_id", "position_id"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    employee_id: str = Field(primary_key=True, max_length=36)
    # The spell's place in the person's history, from 1.
    ordinal: int = Field(primary_key=True)
    position_id: str = Field(max_length=36)
    started_on: date
    start_event_id: str = Field(max_length=36)
    ended_on: date | None = None
    end_event_id: str | None = Field(default=None, max_length=36)
    # "move" or "exit"; null while the position is held.
    ended_by: str | None = Field(default=None, sa_type=String(10))
    next_position_id: str | None = Field(default=None, max_length=36)
    classification: str | None = Field(default=None, sa_type=String(20))
    # Around the move that ended the spell: the salary in force the day before it, and
    # once its day is applied (what a move's pay change compares).
    salary_before_cents: int | None = Field(default=None, sa_type=BigInteger)
    salary_before_currency: str | None = Field(default=None, sa_type=String(3))
    salary_after_cents: int | None = Field(default=None, sa_type=BigInteger)
    salary_after_currency: str | None = Field(default=None, sa_type=String(3))


class ScoringPolicy(SQLModel, table=True):
    __tablename__ = "scoring_policy"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    body: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        Index(None, "organization_id", "employee_id"),
        Index(None, "organization_id", "expires_at"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    method: str = Field(primary_key=True, sa_type=String(10))
    path: str = Field(primary_key=True, sa_type=String(500))
    key: str = Field(primary_key=True, sa_type=String(255))
    request_hash: str = Field(sa_type=String(64))
    # "in_flight" while the first request runs, then "done" with the stored response.
    state: str = Field(sa_type=String(10))
    status_code: int | None = None
    response_headers: dict[str, str] | None = Field(default=None, sa_type=JSON)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    # The person the request touched, so erasure can remove the record too.
    employee_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class Demographic(SQLModel, table=True):
    """A person's demographic categories (SPEC 10), kept apart from the person: read only by
    the demographics endpoints and the group reports, never by a score."""

    __tablename__ = "demographic"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "employee_id"],
            ["employee.organization_id", "employee.id"],
            ondelete="CASCADE",
        ),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    employee_id: str = Field(primary_key=True, max_length=36)
    # {"<dimension>": "<category>"}: the organization's own words.
    attributes: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Assessment(SQLModel, table=True):
    """A readiness score used in a decision, frozen as served, and its human review."""

    __tablename__ = "assessment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "employee_id"],
            ["employee.organization_id", "employee.id"],
            ondelete="CASCADE",
        ),
        Index(None, "organization_id", "created_at", "id"),
        Index(None, "organization_id", "employee_id", "created_at", "id"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    id: str = Field(primary_key=True, max_length=36)
    employee_id: str = Field(max_length=36)
    # No foreign key: the position may be deleted later; the record must stay as it was.
    target_position_id: str | None = Field(default=None, max_length=36)
    as_of: date
    purpose: str = Field(sa_type=String(40))
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=36)
    policy_version: int
    readiness: dict[str, Any] = Field(sa_type=JSON)
    explanation: list[str] = Field(sa_type=JSON)
    review_outcome: str | None = Field(default=None, sa_type=String(20))
    review_band: str | None = Field(default=None, sa_type=String(40))
    review_reason: str | None = Field(default=None, sa_type=Text)
    reviewer: str | None = Field(default=None, sa_type=String(200))
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Successor(SQLModel, table=True):
    """A person named as a successor for a position: a decision people make, kept beside
    the computed readiness (SPEC 12). Mutable, with every change in
    `successor_change`."""

    __tablename__ = "successor"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "position_id"],
            ["position.organization_id", "position.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["organization_id", "employee_id"],
            ["employee.organization_id", "employee.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("organization_id", "position_id", "employee_id"),
        Index(None, "organization_id", "employee_id"),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    id: str = Field(primary_key=True, max_length=36)
    position_id: str = Field(max_length=36)
    employee_id: str = Field(max_length=36)
    rank: int | None = None
    emergency: bool = Field(default=False, sa_type=Boolean)
    readiness_override: str | None = Field(default=None, sa_type=String(20))
    note: str | None = Field(default=None, sa_type=Text)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SuccessorChange(SQLModel, table=True):
    """One change to a nomination, creation included: which key made it, when, and each
    field's value before and after. Written in the transaction of the change itself."""

    __tablename__ = "successor_change"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "successor_id"],
            ["successor.organization_id", "successor.id"],
            ondelete="CASCADE",
        ),
    )

    organization_id: str = Field(primary_key=True, max_length=36)
    successor_id: str = Field(primary_key=True, max_length=36)
    # The nomination's version the change produced: 1 for the creation.
    version: int = Field(primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    key_id: str = Field(max_length=36)
    changes: dict[str, Any] = Field(sa_type=JSON)
