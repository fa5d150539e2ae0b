"""The importer's hand-written SQL: the rows of new people and events, and how they reach
each store past SQLAlchemy's statement compilation and the ORM.

This is a fast twin of the ORM path that records one event at a time
(`services.employees.create_employee` and `services.events.record_event`): at import sizes
the compiled insert costs too much per row (see bench/profile_notes.md, "Import").
`tests/services/test_import_writer_equivalence.py` proves both store the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, inspect
from uuid_utils import uuid7

from app.models import CareerEvent

_EVENTS = cast(Table, inspect(CareerEvent).local_table)
# SQLite: rows a multi-row INSERT carries (2,100 bound values, within SQLite's limit).
ROWS_PER_INSERT = 100
# SQLite: dedupe keys asked for in one SELECT (SQLite binds at most 32,766 values).
KEYS_PER_SELECT = 10_000


class EventRow(NamedTuple):
    """One `career_event` row as the importer writes it; `voided_at` and `void_reason`
    stay NULL. Dates and timestamps are already in the store's bound form."""

    organization_id: str
    id: str
    employee_id: str
    seq: int
    type: str
    occurred_on: Any
    recorded_at: Any
    position_id: str | None
    salary_cents: int | None
    salary_currency: str | None
    rating: int | None
    name: str | None
    name_key: str | None
    description: str | None
    level: int | None
    expires_on: Any
    classification: str | None
    event_key: str
    potential: int | None
    risk_of_loss: str | None
    impact_of_loss: str | None


class PersonRow(NamedTuple):
    """One `employee` row for a person an import creates."""

    organization_id: str
    id: str
    external_id: str
    display_name: str | None
    created_at: Any
    updated_at: Any
    version: int
    event_seq: int


EVENT_COLUMNS = EventRow._fields
EMPLOYEE_COLUMNS = PersonRow._fields


@dataclass
class SqlWriter:
    """How the importer writes on one store: the SQL, and the values bound as SQLAlchemy
    would bind them (SQLite keeps dates and timestamps as text in its own format)."""

    postgres: bool
    insert_people_sql: str
    update_seq_sql: str
    day: Callable[[Any], Any]
    timestamp: Callable[[Any], Any]

    @classmethod
    def for_connection(cls, conn: Connection) -> SqlWriter:
        """Return the writer for the connection's store."""
        dialect = conn.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"

        def processor(column: Any) -> Callable[[Any], Any]:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            return process if process is not None else _same

        events = _EVENTS.c
        day = processor(events.occurred_on)
        if day(date(1901, 2, 3)) == "1901-02-03":
            day = date.isoformat  # the same text, without a Python call in between
        return cls(
            postgres=dialect.name == "postgresql",
            insert_people_sql=_insert("employee", EMPLOYEE_COLUMNS, mark),
            update_seq_sql=f"UPDATE employee SET event_seq = {mark} "
            f"WHERE organization_id = {mark} AND id = {mark}",
            day=day,
            timestamp=processor(events.recorded_at),
        )

    def seen_keys(
        self, conn: Connection, organization_id: str, employee_ids: list[str], keys: list[str]
    ) -> set[tuple[str, str]]:
        """Return which of these people already hold which of these dedupe keys (SQL written
        here: rendering a thousand-item IN costs SQLAlchemy longer than the store takes to
        answer it)."""
        if not employee_ids:
            return set()
        select_keys = (
            "SELECT employee_id, event_key FROM career_event WHERE organization_id = {mark} "
            "AND employee_id {people} AND event_key {keys}"
        )
        if self.postgres:
            statement = select_keys.format(mark="%s", people="= ANY(%s)", keys="= ANY(%s)")
            rows = conn.exec_driver_sql(statement, (organization_id, employee_ids, keys))
            return {(person, key) for person, key in rows}
        found: set[tuple[str, str]] = set()
        for start in range(0, len(keys), KEYS_PER_SELECT):
            chunk = keys[start : start + KEYS_PER_SELECT]
            statement = select_keys.format(
                mark="?", people=_in(len(employee_ids)), keys=_in(len(chunk))
            )
            found.update(conn.exec_driver_sql(statement, (organization_id, *employee_ids, *chunk)))
        return found

    def insert_people(self, conn: Connection, rows: list[PersonRow]) -> None:
        """Insert the rows of new people."""
        conn.exec_driver_sql(self.insert_people_sql, rows)

    def update_seqs(
        self, conn: Connection, organization_id: str, seqs: list[tuple[str, int]]
    ) -> None:
        """Store each stored person's new event counter: (employee id, seq) pairs."""
        conn.exec_driver_sql(
            self.update_seq_sql, [(seq, organization_id, person) for person, seq in seqs]
        )

    def insert_events(self, conn: Connection, rows: Sequence[EventRow]) -> None:
        """Insert event rows: by COPY on PostgreSQL, by multi-row INSERTs on SQLite (each
        the store's quickest way in; see bench/profile_notes.md, "Import")."""
        if self.postgres:
            driver = conn.connection.driver_connection
            assert driver is not None
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY career_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        full = len(rows) - len(rows) % ROWS_PER_INSERT
        if full:
            statement = _insert("career_event", EVENT_COLUMNS, "?", ROWS_PER_INSERT)
            for start in range(0, full, ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                conn.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))
        if full < len(rows):
            conn.exec_driver_sql(
                _insert("career_event", EVENT_COLUMNS, "?"), [tuple(row) for row in rows[full:]]
            )


@lru_cache(maxsize=8)
def _insert(table: str, columns: tuple[str, ...], mark: str, rows: int = 1) -> str:
    """Return an INSERT of `rows` rows of the columns."""
    one = "(" + ", ".join(mark for _ in columns) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows)


def _in(count: int) -> str:
    return "IN (" + ", ".join("?" for _ in range(count)) + ")"


def _same(value: Any) -> Any:
    return value


def ordered_ids(count: int) -> list[str]:
    """Return `count` new UUIDs of version 7 (RFC 9562: a millisecond timestamp first), each
    greater than any this process made before. An import's ids ascend, so its rows land at
    the end of the primary-key index instead of at random places in it, where random keys
    would dirty a page of the index almost every row (see bench/profile_notes.md,
    "Import")."""
    return [str(uuid7()) for _ in range(count)]
