"""Everyone active in an organization on a day: what each holds and their evidence.

The succession slate, the coverage report and the talent grid read the whole organization
at once (10,000 people and a million events at the benchmark's scale), so one statement
over the organization's events returns, per person, the counts in the scoring window, the
proof of each requirement asked for and, on SQLite, their hires, moves and exits as one
string; what each person holds is read from those alone (`app.domain.holding.role_held`,
the replay's rules without levels or pay). PostgreSQL (15) cannot aggregate strings in
parallel, so there the hires, moves and exits are a second statement, and each of the two
runs in parallel.

This is a twin of the single-person read of `app.services.readiness` (`read_rows` and
`evidence_of`): `tests/services/test_candidates_equivalence.py` holds the two equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    Date,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.domain.history import DEVELOPMENT_TYPES, LEADERSHIP_TYPES, EventType
from app.domain.holding import HOLDING_TYPES, role_held
from app.domain.proofs import Standing
from app.domain.readiness import Policy, window_start
from app.domain.values import EVENT_TYPE_FOR_KIND, RequirementKind
from app.models import CareerEvent

_REVIEW = EventType.performance_review.value
_LEADERSHIP = tuple(sorted(t.value for t in LEADERSHIP_TYPES))
_DEVELOPMENT = tuple(sorted(t.value for t in DEVELOPMENT_TYPES))
_SKILL = EVENT_TYPE_FOR_KIND[RequirementKind.skill]
_CERTIFICATION = EVENT_TYPE_FOR_KIND[RequirementKind.certification]
# A certification that never lapses, as the aggregates compare it (the last day).
NEVER = date.max

_ORGANIZATION = CareerEvent.organization_id == bindparam("organization_id")
_ON_THE_DAY = (
    _ORGANIZATION,
    CareerEvent.voided_at.is_(None),
    CareerEvent.occurred_on <= bindparam("day"),
)
_IN_WINDOW = CareerEvent.occurred_on > bindparam("start")
_NEVER = bindparam("never", NEVER, type_=Date)


class Role(NamedTuple):
    """The position a person holds, since when, and the event that started it."""

    position_id: str
    started_on: date
    event_id: str | None


class Evidence(NamedTuple):
    """A person's counts in the window, and the standing of each proof asked for (in the
    order asked; None where they hold none)."""

    review_count: int
    review_sum: int
    leadership_count: int
    development_count: int
    proofs: tuple[Standing | None, ...]


class ActivePerson(NamedTuple):
    role: Role
    evidence: Evidence


# Each active person's id -> what they hold and their evidence.
ActiveFacts = dict[str, ActivePerson]


def active_people(
    session: Session,
    organization_id: str,
    *,
    day: date,
    policy: Policy,
    proofs: Sequence[tuple[str, str]],
) -> ActiveFacts:
    """Return everyone active on `day` with what they hold and their evidence under the
    policy's window. `proofs` are (event type, folded name) pairs whose proof to look up:
    the least event id, and the highest level (skills) or latest lapse (certifications)."""
    params = {
        "organization_id": organization_id,
        "day": day,
        "start": window_start(as_of=day, months=policy.window_months),
    }
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        statement = _evidence_statement(proofs, with_roles=True)
        out: ActiveFacts = {}
        for row in connection.execute(statement, params).all():
            role = _role_of_records(row[-1])
            if role is not None:
                out[row[0]] = ActivePerson(role, _evidence(proofs, row[1:-1]))
        return out
    statement = _evidence_statement(proofs, with_roles=False)
    rows = connection.execute(statement, params).all()
    evidence = {row[0]: _evidence(proofs, row[1:]) for row in rows}
    nothing = Evidence(0, 0, 0, 0, (None,) * len(proofs))
    roles = connection.execute(_ROLE_EVENTS, params).all()
    return {
        employee_id: ActivePerson(role, evidence.get(employee_id, nothing))
        for employee_id, role in _roles(roles)
    }


_ONE, _ZERO = literal_column("1", Integer), literal_column("0", Integer)


def _counted(condition: ColumnElement[bool], value: Any = _ONE) -> ColumnElement[Any]:
    return func.sum(case((condition, value), else_=_ZERO))


def _evidence_statement(proofs: Sequence[tuple[str, str]], *, with_roles: bool) -> Any:
    """Return the per-person aggregate of the window and the proofs (each proof's least
    event id, then its level, lapse or NULL), and with `with_roles` of the hires, moves
    and exits (as `_role_of_records` reads them)."""
    rated = and_(_IN_WINDOW, CareerEvent.type == _REVIEW, CareerEvent.rating.is_not(None))
    columns: list[Any] = [
        CareerEvent.employee_id,
        _counted(rated),
        _counted(rated, CareerEvent.rating),
        _counted(and_(_IN_WINDOW, CareerEvent.type.in_(_LEADERSHIP))),
        _counted(and_(_IN_WINDOW, CareerEvent.type.in_(_DEVELOPMENT))),
    ]
    for kind, name in proofs:
        proves = and_(CareerEvent.name_key == name, CareerEvent.type == kind)
        columns += [func.min(case((proves, CareerEvent.id))), _standing_column(kind, proves)]
    # Only the rows some column reads: the window, the proofs and, with roles, the moves.
    wanted: list[ColumnElement[bool]] = [_IN_WINDOW]
    if with_roles:
        columns.append(func.group_concat(case((_HOLDS, _RECORD)), ","))
        wanted.append(_HOLDS)
    if proofs:
        wanted.append(CareerEvent.name_key.in_(sorted({name for _, name in proofs})))
    return select(*columns).where(*_ON_THE_DAY, or_(*wanted)).group_by(CareerEvent.employee_id)


def _standing_column(kind: str, proves: ColumnElement[bool]) -> ColumnElement[Any]:
    """What a proof's standing reads besides its event (app.domain.proofs): the highest
    level of a skill (NULL is 1), the latest lapse of a certification (NULL is never)."""
    if kind == _SKILL:
        return func.max(case((proves, func.coalesce(CareerEvent.level, _ONE))))
    if kind == _CERTIFICATION:
        return func.max(case((proves, func.coalesce(CareerEvent.expires_on, _NEVER))))
    return cast(None, String)


def _standing(kind: str, event_id: str | None, value: Any) -> Standing | None:
    """Return the standing of a proof from its least event id and its level or lapse."""
    if event_id is None:
        return None
    if kind == _SKILL:
        return Standing(event_id, int(value or 1))
    if kind == _CERTIFICATION:
        return Standing(event_id, 1, None if value is None or value == NEVER else value)
    return Standing(event_id)


def _evidence(proofs: Sequence[tuple[str, str]], values: Sequence[Any]) -> Evidence:
    """Return the evidence from the aggregate's columns after the employee id."""
    return Evidence(
        int(values[0]),
        int(values[1]),
        int(values[2]),
        int(values[3]),
        tuple(
            _standing(kind, values[4 + 2 * n], values[5 + 2 * n])
            for n, (kind, _) in enumerate(proofs)
        ),
    )


# SQLite: each hire, move and exit as "day seq type position id" (SQLite keeps a day as
# ISO text), joined with commas.
_HOLDS = CareerEvent.type.in_(HOLDING_TYPES)
_RECORD = (
    type_coerce(CareerEvent.occurred_on, String)
    + " "
    + cast(CareerEvent.seq, String)
    + " "
    + CareerEvent.type
    + " "
    + func.coalesce(CareerEvent.position_id, "")
    + " "
    + CareerEvent.id
)


def _role_of_records(records: str | None) -> Role | None:
    """Return what the joined records say the person holds, or None when not active."""
    if not records:
        return None
    events = []
    for text in records.split(","):
        occurred_on, seq, kind, position, event_id = text.split(" ", 4)
        events.append((occurred_on, int(seq), event_id, kind, position or None))
    events.sort()
    held = role_held((e[2], e[3], e[4], e[0]) for e in events)
    if held is None:
        return None
    return Role(held.position_id, date.fromisoformat(held.role_started_on), held.role_event_id)


def history_until(day: str, types: Sequence[str], *columns: Any) -> Select[Any]:
    """Return the organization's non-voided events of these types on or before the day
    bound as `day`, each row (employee_id, occurred_on, seq, *columns), as `by_person`
    reads them."""
    first = (CareerEvent.employee_id, CareerEvent.occurred_on, CareerEvent.seq)
    return select(*first, *columns).where(
        _ORGANIZATION,
        CareerEvent.voided_at.is_(None),
        CareerEvent.occurred_on <= bindparam(day),
        CareerEvent.type.in_(types),
    )


# PostgreSQL: the hires, moves and exits as rows.
_ROLE_EVENTS = history_until(
    "day", HOLDING_TYPES, CareerEvent.id, CareerEvent.type, CareerEvent.position_id
)


def _roles(rows: Iterable[Any]) -> Iterator[tuple[str, Role]]:
    """Yield (person, what they hold) for each active person among the rows of
    `_ROLE_EVENTS`."""
    for employee_id, events in by_person(rows):
        held = role_held((e[3], e[4], e[5], e[1]) for e in events)
        if held is not None:
            yield employee_id, Role(held.position_id, held.role_started_on, held.role_event_id)


def by_person(rows: Iterable[Any]) -> Iterator[tuple[str, list[Any]]]:
    """Yield each person's rows (employee_id, occurred_on, seq, ...) in history order, people
    by id. (Sorting each person's few rows costs far less than sorting them all at once.)"""
    people: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        people[row[0]].append(row)
    history_order = itemgetter(1, 2)
    for employee_id in sorted(people):
        events = people[employee_id]
        events.sort(key=history_order)
        yield employee_id, events


def proof_standings(
    session: Session,
    organization_id: str,
    *,
    day: date,
    proofs: list[tuple[str, str]],
    people: Collection[str],
) -> dict[tuple[str, str], dict[str, Standing]]:
    """Return, for each (event type, folded name), the standing of each of `people` who
    holds a proof of it on `day`: the highest level (skills) and the latest lapse
    (certifications), as `active_people` reads them.

    A twin of the proof columns of `active_people` (events of that type and name, not
    voided, on or before the day, at any age), read as one grouped query for many targets
    at once and for the people named only, through the (organization, employee, type, day,
    name) index. `tests/api/test_succession_coverage.py` compares the coverage built on
    this with each position's slate."""
    out: dict[tuple[str, str], dict[str, Standing]] = {proof: {} for proof in proofs}
    if not proofs or not people:
        return out
    connection = session.connection()
    ids = sorted(people)
    if connection.dialect.name == "sqlite":
        # SQLite binds each id on its own, under its limit of variables.
        chunks = [ids[i : i + 10_000] for i in range(0, len(ids), 10_000)]
        match = CareerEvent.employee_id.in_(bindparam("people", expanding=True))
    else:
        chunks = [ids]
        match = CareerEvent.employee_id == any_(bindparam("people", type_=ARRAY(String)))
    statement = (
        select(
            CareerEvent.employee_id,
            CareerEvent.type,
            CareerEvent.name_key,
            func.min(CareerEvent.id),
            func.max(func.coalesce(CareerEvent.level, _ONE)),
            func.max(func.coalesce(CareerEvent.expires_on, _NEVER)),
        )
        .where(
            _ORGANIZATION,
            match,
            CareerEvent.type.in_(sorted({kind for kind, _ in proofs})),
            CareerEvent.occurred_on <= bindparam("day"),
            CareerEvent.name_key.in_(sorted({name for _, name in proofs})),
            CareerEvent.voided_at.is_(None),
        )
        .group_by(CareerEvent.employee_id, CareerEvent.type, CareerEvent.name_key)
    )
    for chunk in chunks:
        params = {"organization_id": organization_id, "day": day, "people": chunk}
        rows = connection.execute(statement, params).all()
        for employee_id, kind, name, event_id, level, lapses in rows:
            held = out.get((kind, name))
            standing = _standing(kind, event_id, level if kind == _SKILL else lapses)
            if held is not None and standing is not None:
                held[employee_id] = standing
    return out
