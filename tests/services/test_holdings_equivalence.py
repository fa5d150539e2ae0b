"""The holding twin's equivalence test: `app/domain/holding.py` (spells, stored in
`position_holding`) beside `app.domain.history.replay`, the rule it speeds up.

The stored position holdings equal a full replay of every history, whatever the writes.
Random programs of writes go through the service functions the routes and the importer
call, each in its own transaction as a request would be (a rejected write rolls back):
hires, moves of every kind, salary changes and exits recorded in and out of date order
(back-fills), voids, imports, position level changes and erasures. After the program,
each person's stored spells must be what `spells` derives from their non-voided history
now, and observed paths read from them must be what the replay's move records give.
Runs on both stores. The pure halves of the twin (`role_held`, `pay_held` and `spells`
against the replay, on generated histories) are in tests/domain/test_holding.py.
"""

from __future__ import annotations

import json
import random
import threading
from datetime import date
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database
from app.domain.history import move_records
from app.domain.holding import spells
from app.domain.mobility import ObservedMove, observed_paths
from app.domain.values import shift_months
from app.errors import ApiError
from app.migrate import downgrade, migrations_dir, upgrade
from app.models import CareerEvent, Employee
from app.schemas.employees import EmployeeCreate
from app.schemas.events import EventCreate
from app.schemas.positions import PositionCreate, PositionUpdate
from app.services import employees, events, history, holdings, paths, positions
from app.services.imports import Importer
from app.services.organizations import create_organization

LEVELS = (2, 3, 2, 4)
PEOPLE = 3
START = date(2020, 1, 1)
HOLDINGS_REVISION = "0003_position_holding"
STATE_KINDS = ("hire", "position_change", "promotion", "lateral_move", "demotion")

days = st.integers(min_value=0, max_value=30).map(lambda m: shift_months(START, m))
salaries = st.one_of(st.none(), st.integers(min_value=50, max_value=90).map(lambda k: k * 1000))

record = st.tuples(
    st.just("record"),
    st.integers(0, PEOPLE - 1),
    st.sampled_from([*STATE_KINDS, "salary_change", "exit"]),
    days,
    st.integers(0, len(LEVELS) - 1),
    salaries,
)
void = st.tuples(st.just("void"), st.integers(0, PEOPLE - 1), st.integers(0, 30))
imported = st.tuples(
    st.just("import"),
    st.lists(
        st.tuples(
            st.integers(0, PEOPLE),  # PEOPLE: someone the import creates
            st.sampled_from([*STATE_KINDS, "salary_change", "exit"]),
            days,
            st.integers(0, len(LEVELS) - 1),
            salaries,
        ),
        min_size=1,
        max_size=6,
    ),
)
relevel = st.tuples(st.just("level"), st.integers(0, len(LEVELS) - 1), st.integers(1, 5))
erase = st.tuples(st.just("erase"), st.integers(0, PEOPLE - 1))
operations = st.lists(
    st.one_of(record, record, record, void, imported, relevel, erase), min_size=1, max_size=25
)


def _body(kind: str, day: date, position_id: str, salary: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "occurred_on": day.isoformat()}
    if kind in STATE_KINDS:
        body["position_id"] = position_id
    if kind == "salary_change":
        salary = salary or 60_000
    if salary is not None and kind != "exit":
        body["salary"] = {"amount": str(salary), "currency": "USD"}
    return body


class World:
    """One organization with four positions and three people, written to through services."""

    def __init__(self, database: Database, name: str) -> None:
        self.database = database
        with database.transaction() as session:
            org, _key = create_organization(session, name)
            self.org = org.id
            self.positions = [
                positions.create_position(
                    session,
                    org.id,
                    PositionCreate.model_validate(
                        {
                            "code": f"P{i}",
                            "title": f"P{i}",
                            "family": "F",
                            "track": "individual",
                            "level": level,
                        }
                    ),
                ).id
                for i, level in enumerate(LEVELS)
            ]
            self.people: list[str | None] = [
                employees.create_employee(
                    session, org.id, EmployeeCreate.model_validate({"external_id": f"E{i}"})
                ).id
                for i in range(PEOPLE)
            ]

    def run(self, op: tuple[Any, ...]) -> None:
        try:
            with self.database.transaction() as session:
                self._apply(session, op)
        except ApiError:
            pass  # rejected, as the API would reject it; the transaction rolled back

    def _apply(self, session: Any, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "record":
            _, who, type_, day, where, salary = op
            person = self.people[who]
            if person is None:
                return
            body = _body(type_, day, self.positions[where], salary)
            events.record_event(session, self.org, person, EventCreate.model_validate(body))
        elif kind == "void":
            _, who, pick = op
            person = self.people[who]
            if person is None:
                return
            ids = list(
                session.execute(
                    select(CareerEvent.id)
                    .where(CareerEvent.organization_id == self.org)
                    .where(CareerEvent.employee_id == person)
                    .order_by(CareerEvent.seq)
                ).scalars()
            )
            if ids:
                events.void_event(session, self.org, person, ids[pick % len(ids)], reason="test")
        elif kind == "level":
            _, where, level = op
            positions.update_position(
                session,
                self.org,
                self.positions[where],
                PositionUpdate.model_validate({"level": level}),
                if_match=None,
            )
        elif kind == "erase":
            _, who = op
            person = self.people[who]
            if person is not None:
                employees.erase_employee(session, self.org, person)
                self.people[who] = None
        elif kind == "import":
            raise AssertionError("imports run outside a request transaction")

    def run_import(self, lines: list[tuple[Any, ...]]) -> None:
        texts = []
        for who, type_, day, where, salary in lines:
            body = _body(type_, day, "", salary)
            body.pop("position_id", None)
            if type_ in STATE_KINDS:
                body["position_code"] = f"P{where}"
            texts.append({"employee_external_id": f"E{who}", **body})
        Importer(self.database, self.org, batch_size=4).feed_all(json.dumps(t) for t in texts)


def _check(world: World) -> None:
    with world.database.transaction() as session:
        people = list(
            session.execute(
                select(Employee.id).where(Employee.organization_id == world.org)
            ).scalars()
        )
        stored = holdings.stored_spells(session, world.org)
        by_person = history.state_events_by_person(session, world.org)
        level_of = history.levels(session, world.org, world.positions)
        assert set(stored) <= set(people)
        for person in people:
            expected = spells(events=by_person.get(person, []), level_of=level_of)
            assert stored.get(person, []) == expected, person
        for position in world.positions:
            for since in (None, shift_months(START, 12)):
                got = paths.paths_from(session, world.org, position, since=since).paths
                replayed = [
                    ObservedMove(
                        to_position_id=r.to_position_id,
                        months_before_move=r.months_in_from_role,
                        pay_change_percent=r.pay_change_percent,
                        classification=r.classification,
                    )
                    for facts in by_person.values()
                    for r in move_records(events=facts, level_of=level_of)
                    if r.from_position_id == position and (since is None or r.occurred_on >= since)
                ]
                assert got == observed_paths(moves=replayed)


@pytest.mark.parametrize("examples", [30])
def test_holding_twin_stored_spells_equal_a_full_replay_after_any_writes(
    database: Database, examples: int
) -> None:
    counter = iter(range(10_000))

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(operations)
    def program(ops: list[tuple[Any, ...]]) -> None:
        world = World(database, f"Org {next(counter)}")
        for op in ops:
            if op[0] == "import":
                world.run_import(op[1])
            else:
                world.run(op)
        _check(world)

    program()


def test_the_migration_backfills_the_holdings_the_writes_kept(database: Database) -> None:
    """Downgrading past the holdings and upgrading again rebuilds, from the events alone,
    exactly the rows the writes kept (voids, back-fills, imports and level changes
    included), in every organization."""
    worlds: list[World] = []

    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(operations)
    def program(ops: list[tuple[Any, ...]]) -> None:
        world = World(database, f"Org {len(worlds)}")
        worlds.append(world)
        for op in ops:
            if op[0] == "import":
                world.run_import(op[1])
            else:
                world.run(op)

    program()

    def everything() -> dict[str, dict[str, list[Any]]]:
        with database.transaction() as session:
            return {w.org: holdings.stored_spells(session, w.org) for w in worlds}

    kept = everything()
    assert any(kept.values())
    database.dispose()
    before = ScriptDirectory(str(migrations_dir())).get_revision(HOLDINGS_REVISION).down_revision
    assert isinstance(before, str)
    downgrade(database.url, before)
    upgrade(database.url)
    assert everything() == kept


def test_holding_twin_stays_equal_to_the_replay_under_concurrent_moves_voids_and_levels(
    database: Database,
) -> None:
    """Writers to the same histories at once (recording moves out of date order, voiding,
    changing the levels of the positions they name) each fail cleanly or land, and the
    holdings still equal the replay: a level change re-derives a person's spells under
    the lock that recording takes."""
    world = World(database, "Busy")
    failures: list[BaseException] = []
    rounds = 12

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(rounds):
            who = rng.randrange(2)
            kind = rng.choice(["hire", "position_change", "position_change", "exit"])
            day = shift_months(START, rng.randrange(30))
            safely(("record", who, kind, day, rng.randrange(len(LEVELS)), None))

    def leveller(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(rounds):
            safely(("level", rng.randrange(len(LEVELS)), rng.randint(1, 5)))

    def voider(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(rounds // 2):
            safely(("void", rng.randrange(2), rng.randrange(30)))

    def safely(op: tuple[Any, ...]) -> None:
        try:
            world.run(op)
        except BaseException as exc:  # noqa: BLE001 - every other failure fails the test
            failures.append(exc)

    threads = [
        threading.Thread(target=writer, args=(1,)),
        threading.Thread(target=writer, args=(2,)),
        threading.Thread(target=leveller, args=(3,)),
        threading.Thread(target=voider, args=(4,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    _check(world)
