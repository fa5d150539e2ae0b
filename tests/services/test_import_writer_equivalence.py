"""The equivalence test of the importer's hand-written SQL writer (`services.import_writer`,
driven by `services.import_batch`) and the ORM path that records one event at a time
(`services.employees.create_employee` and `services.events.record_event`, as the API does).

Random lines (every event type, fields that fit the type or not, positions that exist or
not, salaries, texts holding what COPY must escape, repeated keys, days in and out of order)
go into two organizations alike: imported into one, in batches of any size; recorded into
the other line by line, each in its own transaction as a request would be (a rejected or
duplicate line stores nothing). Both may already hold the same people, recorded the ORM way.
Then every stored row of both (people, events, position holdings) must be the same,
column by column: only generated ids and timestamps differ, and stand-ins replace the ids
(a person by external id, an event by its person and number, a position by code).
Runs on both stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from app.db import Database
from app.domain.history import EventType
from app.domain.values import shift_months
from app.errors import ApiError
from app.schemas.employees import EmployeeCreate
from app.schemas.events import EventCreate
from app.schemas.positions import PositionCreate
from app.services import employees, events, positions
from app.services.import_lines import content_key
from app.services.imports import Importer
from app.services.organizations import create_organization
from tests.api.importing import line

LEVELS = (2, 3, 2, 4)
CODES = [f"P{i}" for i in range(len(LEVELS))]
START = date(2020, 1, 1)
# What differs legitimately between the two paths: generated ids and the clock.
GENERATED = frozenset({"organization_id", "id", "recorded_at", "created_at", "updated_at"})
# Every table the import writes to.
TABLES = ("employee", "career_event", "position_holding")

# Texts that a line may carry, among them what COPY's text format escapes.
TEXTS = st.sampled_from(
    [
        "Wound care",
        "tab\there",
        "new\nline",
        "back\\slash \\N",
        '"quoted", comma',
        "\u00e9\u00f1 \U0001fa7a",
        "carriage\r return",
        "x" * 300,
    ]
)
# Display names (at most 200 characters).
NAMES = st.sampled_from(["Ana Ruiz", "tab\there \\N", "Jos\u00e9 \u00d1\u00fa\u00f1ez \U0001fa7a"])
days = st.integers(min_value=0, max_value=36).map(lambda m: shift_months(START, m).isoformat())
salaries = st.builds(
    lambda units, cents, currency: {"amount": f"{units}.{cents:02d}", "currency": currency},
    st.integers(30_000, 90_000),
    st.sampled_from([0, 50, 99]),
    st.sampled_from(["USD", "USD", "EUR"]),
)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "position_code": st.sampled_from([*CODES * 4, "NOPE"]),
    "salary": salaries,
    "rating": st.sampled_from([1, 2, 3, 4, 5, 7]),
    "name": TEXTS,
    "description": TEXTS,
    "level": st.integers(1, 5),
    "expires_on": days,
    "potential": st.integers(1, 3),
    "risk_of_loss": st.sampled_from(["low", "medium", "high"]),
    "impact_of_loss": st.sampled_from(["low", "medium", "high"]),
}
MOVES = ("hire", "position_change", "promotion", "lateral_move", "demotion")
# The fields a line of each type usually carries; any other turns up now and then, so
# lines are rejected for their fields too.
USUAL: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(MOVES, ("position_code", "salary")),
    "salary_change": ("salary",),
    "training_completed": ("name",),
    "certification_earned": ("name", "expires_on"),
    "skill_acquired": ("name", "level"),
    "leadership_activity": ("name", "description"),
    "initiative": ("description",),
    "performance_review": ("rating",),
    "exit": (),
    "talent_review": ("potential", "risk_of_loss", "impact_of_loss"),
}
assert set(USUAL) == {t.value for t in EventType}
# Every type, moves the likeliest; a move that names its kind (a promotion, ...) is often
# not what the levels make it, so most moves leave their kind to the levels.
KINDS = [*USUAL, *["position_change"] * 5, "salary_change"]


@st.composite
def one_line(draw: st.DrawFn) -> dict[str, Any]:
    """Return one import line as its JSON object."""
    kind = draw(st.sampled_from(KINDS))
    drawn = line(draw(st.sampled_from(["E-0", "E-1", "E-2"])), kind, draw(days))
    if draw(st.integers(0, 3)) == 0:
        drawn["employee_display_name"] = draw(NAMES)
    for name, values in VALUES.items():
        if draw(st.integers(0, 49)) < (45 if name in USUAL[kind] else 1):
            drawn[name] = draw(values)
    if draw(st.integers(0, 3)) == 0:
        drawn["event_key"] = draw(st.sampled_from(["k-1", "k-2", "hr/3 \\N"]))
    return drawn


@st.composite
def files(draw: st.DrawFn, *, min_size: int = 0) -> list[dict[str, Any]]:
    """Return the lines of a file: most often some people's hires first and every line in
    date order (so that most fit their histories), else as drawn."""
    drawn = draw(st.lists(one_line(), min_size=min_size, max_size=12))
    for person in ("E-0", "E-1", "E-2"):
        if draw(st.integers(0, 3)) > 0:
            code = draw(VALUES["position_code"])
            salary = draw(salaries)
            drawn.append(line(person, "hire", START.isoformat(), position_code=code, salary=salary))
    if draw(st.integers(0, 3)) > 0:
        drawn.sort(key=lambda drawn_line: drawn_line["occurred_on"])
    return drawn


def dedupe_key(sent: dict[str, Any]) -> str:
    """Return the key the importer stores for the line: its own, or its content's."""
    key = sent.get("event_key")
    return (
        key if key is not None else content_key({k: v for k, v in sent.items() if k != "event_key"})
    )


class Org:
    """One organization with the same four positions as every other."""

    def __init__(self, database: Database, name: str) -> None:
        self.database = database
        with database.transaction() as session:
            self.id = create_organization(session, name)[0].id
            self.positions = {
                code: positions.create_position(
                    session,
                    self.id,
                    PositionCreate.model_validate(
                        {"code": code, "title": code, "family": "F", "track": "individual"}
                        | {"level": level}
                    ),
                ).id
                for code, level in zip(CODES, LEVELS, strict=True)
            }

    def record(self, sent: dict[str, Any]) -> None:
        """Record the line the ORM way, as one request would: rejected or duplicate, it
        stores nothing."""
        try:
            with self.database.transaction() as session:
                self._record(session, sent)
        except (ApiError, ValidationError, IntegrityError):
            pass  # rolled back, the line's person too when the line would have made them

    def _record(self, session: Any, sent: dict[str, Any]) -> None:
        external_id = sent["employee_external_id"]
        person = employees.find_by_external_id(session, self.id, external_id)
        if person is None:
            who = {"external_id": external_id, "display_name": sent.get("employee_display_name")}
            person = employees.create_employee(session, self.id, EmployeeCreate.model_validate(who))
        body = {
            k: v
            for k, v in sent.items()
            if k not in ("employee_external_id", "employee_display_name", "event_key")
        }
        if "position_code" in body:
            body["position_id"] = self.positions.get(body.pop("position_code"), "no-such-position")
        event = EventCreate.model_validate(body)
        events.record_event(session, self.id, person.id, event, event_key=dedupe_key(sent))

    def stored(self) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
        """Return every stored row of the organization, table by table, ids replaced by
        stand-ins, generated columns left out, sorted."""
        with self.database.transaction(write=False) as session:
            conn = session.connection()
            rows: dict[str, list[dict[str, Any]]] = {}
            for name in TABLES:
                table = SQLModel.metadata.tables[name]
                query = select(table).where(table.c.organization_id == self.id)
                rows[name] = [dict(row._mapping) for row in conn.execute(query)]
        stand_in = _stand_ins(rows, self.positions)
        return {
            name: sorted(
                (
                    tuple(
                        (column, stand_in(column, value))
                        for column, value in row.items()
                        if column not in GENERATED
                    )
                    for row in table
                ),
                key=repr,
            )
            for name, table in rows.items()
        }


def _stand_ins(
    rows: dict[str, list[dict[str, Any]]], position_ids: dict[str, str]
) -> Callable[[str, Any], Any]:
    """Return what replaces an id column's value: a person's external id, an event's
    (person, number), a position's code."""
    people = {r["id"]: r["external_id"] for r in rows["employee"]}
    numbered = {r["id"]: (people[r["employee_id"]], r["seq"]) for r in rows["career_event"]}
    codes = {position_id: code for code, position_id in position_ids.items()}
    by_column = {
        "employee_id": people,
        "position_id": codes,
        "next_position_id": codes,
        "start_event_id": numbered,
        "end_event_id": numbered,
    }

    def stand_in(column: str, value: Any) -> Any:
        return by_column[column][value] if column in by_column and value is not None else value

    return stand_in


def _orgs(database: Database) -> Iterator[tuple[Org, Org]]:
    number = 0
    while True:
        number += 1
        yield Org(database, f"Imported {number}"), Org(database, f"Recorded {number}")


BACK_FILLED = [
    line("E-0", "hire", "2020-01-01", position_code="P0"),
    line("E-0", "position_change", "2021-01-01", position_code="P1"),
]


def test_the_import_writer_stores_what_recording_each_event_stores(database: Database) -> None:
    orgs = _orgs(database)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        before=st.one_of(st.just([]), files()),
        imported=files(min_size=1),
        batch_size=st.sampled_from([1, 3, 1000]),
    )
    # A move back-filled under a stored one (the stored promotion becomes a demotion), then
    # texts that COPY escapes, and a key seen twice.
    @example(
        before=BACK_FILLED,
        imported=[
            line("E-0", "position_change", "2020-06-01", position_code="P3"),
            line(
                "E-1",
                "hire",
                "2020-02-01",
                position_code="P2",
                employee_display_name="tab\there \\N",
            ),
            line("E-1", "initiative", "2020-03-01", description="new\nline, \\N", event_key="k-1"),
            line("E-1", "initiative", "2020-04-01", description="the same key", event_key="k-1"),
        ],
        batch_size=1000,
    )
    def program(
        before: list[dict[str, Any]], imported: list[dict[str, Any]], batch_size: int
    ) -> None:
        fast, orm = next(orgs)
        for sent in before:
            fast.record(sent)
            orm.record(sent)
        Importer(database, fast.id, batch_size=batch_size).feed_all(json.dumps(x) for x in imported)
        for sent in imported:
            orm.record(sent)
        mine, theirs = fast.stored(), orm.stored()
        for table in TABLES:
            assert mine[table] == theirs[table], table

    program()
