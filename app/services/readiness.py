"""Promotion readiness: gather a person's evidence with a few narrow queries, then score.

The what-if (SPEC 11) is the same path with hypothetical events added to the rows read:
each is validated as recording would validate it, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, select, union_all
from sqlmodel import Session

from app.domain.history import (
    DEVELOPMENT_TYPES,
    EVENT_TYPE_BY_NAME,
    LEADERSHIP_TYPES,
    STATE_TYPES,
    EventFacts,
    EventType,
    Projection,
    Status,
    replay,
)
from app.domain.mobility import MoveType, PositionFacts, classify_levels
from app.domain.readiness import (
    Development,
    Facts,
    LeadershipEvidence,
    Policy,
    Readiness,
    Review,
    Target,
    score_readiness,
    window_start,
)
from app.domain.values import KIND_FOR_EVENT_TYPE, Requirement
from app.errors import FieldError, NotFound, ValidationFailed
from app.models import CareerEvent
from app.schemas.events import EventCreate
from app.services import history
from app.services.catalog import Catalog, with_person
from app.services.employees import today
from app.services.events import event_errors, event_row, facts_of, history_problems

_EVIDENCE_TYPES = [
    t.value for t in (*DEVELOPMENT_TYPES, *LEADERSHIP_TYPES, EventType.performance_review)
]
_STATE_TYPES = [t.value for t in history.STATE_TYPES]
_DEVELOPMENT_TYPES = [t.value for t in DEVELOPMENT_TYPES]
_HISTORY_ORDER = itemgetter(2, 3)  # (occurred_on, seq) of a row below
_COLUMNS = (
    *history.FACT_COLUMNS,
    CareerEvent.rating,
    CareerEvent.name_key,
    CareerEvent.level,
    CareerEvent.expires_on,
)
# The names of `_COLUMNS`, in order: how a hypothetical event's row is laid out like a read one.
COLUMN_NAMES = tuple(c.key for c in _COLUMNS)
_PERSON = (
    CareerEvent.organization_id == bindparam("organization_id"),
    CareerEvent.employee_id == bindparam("employee_id"),
    CareerEvent.voided_at.is_(None),
)
# Built once, one statement: the person's state events (what they hold), the evidence in
# the window, and older proof of a wanted requirement. Each part reads a range of the index
# (organization, employee, type, day, folded name), so the cost follows the rows that
# count, not the length of the history.
_STATES = select(*_COLUMNS).where(*_PERSON, CareerEvent.type.in_(_STATE_TYPES))
_WINDOW = select(*_COLUMNS).where(
    *_PERSON,
    CareerEvent.type.in_(_EVIDENCE_TYPES),
    CareerEvent.occurred_on > bindparam("start"),
    CareerEvent.occurred_on <= bindparam("day"),
)
_EVENTS = union_all(
    _STATES,
    _WINDOW,
    select(*_COLUMNS).where(
        *_PERSON,
        CareerEvent.name_key.in_(bindparam("names", expanding=True)),
        CareerEvent.type.in_(_DEVELOPMENT_TYPES),
        CareerEvent.occurred_on <= bindparam("start"),
    ),
)
# The same with every older proof, whatever its name: what scoring many targets reads.
_EVENTS_FOR_ANY_TARGET = union_all(
    _STATES,
    _WINDOW,
    select(*_COLUMNS).where(
        *_PERSON,
        CareerEvent.type.in_(_DEVELOPMENT_TYPES),
        CareerEvent.occurred_on <= bindparam("start"),
    ),
)


@dataclass(frozen=True)
class ReadinessResult:
    employee_id: str
    target_position_id: str | None
    readiness: Readiness


@dataclass(frozen=True)
class WhatIfResult:
    employee_id: str
    target_position_id: str | None
    readiness: Readiness
    # The score without the hypothetical events; None when the person is not employed on
    # that day without them (a hypothetical hire).
    baseline_score: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        """Return how much the events change the score."""
        if self.baseline_score is None:
            return None
        return self.readiness.score - self.baseline_score


@dataclass(frozen=True)
class Evidence:
    """What a person holds on a day and the facts their readiness is scored from."""

    projection: Projection
    facts: Facts


def read_rows(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    day: date,
    policy: Policy,
    requirements: Iterable[Requirement] | None,
) -> list[Sequence[Any]]:
    """Return the person's rows (in `COLUMN_NAMES` order) readiness reads on `day`, in one
    statement: state events, the evidence in the window, and older proof of the
    requirements (of any requirement when `requirements` is None)."""
    params = {
        "organization_id": organization_id,
        "employee_id": employee_id,
        "day": day,
        "start": window_start(as_of=day, months=policy.window_months),
    }
    if requirements is None:
        return list(session.connection().execute(_EVENTS_FOR_ANY_TARGET, params))
    names = sorted({r.key[1] for r in requirements})
    return list(session.connection().execute(_EVENTS, {**params, "names": names}))


def evidence_of(rows: Iterable[Sequence[Any]], *, day: date) -> Evidence:
    """Return what the rows say the person holds on `day` and the facts to score."""
    states: list[EventFacts] = []
    reviews, leadership, development = [], [], []
    for row in sorted(rows, key=_HISTORY_ORDER):
        event_id, kind, occurred_on, seq, position_id, cents, currency = row[:7]
        rating, name_key, level, expires_on = row[7:11]
        event_type = EVENT_TYPE_BY_NAME[kind]
        if event_type in history.STATE_TYPES:
            states.append(
                history.event_facts(event_id, kind, occurred_on, seq, position_id, cents, currency)
            )
        elif event_type is EventType.performance_review:
            if rating is not None:
                reviews.append(Review(event_id, occurred_on, rating))
        elif event_type in LEADERSHIP_TYPES:
            leadership.append(LeadershipEvidence(event_id, occurred_on))
        else:
            development.append(
                Development(
                    event_id,
                    occurred_on,
                    KIND_FOR_EVENT_TYPE[kind],
                    name_key or "",
                    level or 1,
                    expires_on,
                )
            )
    # Levels do not change what is held, only how moves are classified: none needed here.
    projection = replay(events=states, level_of={}, as_of=day)
    facts = Facts(
        as_of=day,
        role_started_on=projection.role_started_on or day,
        role_event_id=projection.role_event_id,
        reviews=tuple(reviews),
        leadership=tuple(leadership),
        development=tuple(development),
    )
    return Evidence(projection, facts)


def employed(projection: Projection) -> bool:
    """Return whether the person holds a position on the replay's day."""
    return projection.status is Status.active and projection.position_id is not None


def _not_employed(evidence: Evidence, location: str) -> ValidationFailed:
    day = evidence.facts.as_of
    return ValidationFailed.one(
        "as_of",
        f"the employee is not employed on {day.isoformat()} "
        f"(status then: {evidence.projection.status.value})",
        location,
    )


def target_for(
    catalog: Catalog, target_position: PositionFacts | None, *, held_position_id: str
) -> Target:
    """Return what the target asks of someone holding `held_position_id` (one level up when
    there is no target position)."""
    if target_position is None:
        return Target(position_id=None, move_type=MoveType.promotion)
    if target_position.id == held_position_id:
        move = MoveType.none
    else:
        held = catalog.level_of(held_position_id)
        move = classify_levels(
            source_level=held if held is not None else target_position.level,
            target_level=target_position.level,
        )
    return Target(
        position_id=target_position.id,
        move_type=move,
        requirements=target_position.requirements,
        min_months_in_role=target_position.min_months_in_role,
    )


def _score(
    catalog: Catalog, evidence: Evidence, target_position: PositionFacts | None
) -> Readiness:
    held = evidence.projection.position_id
    assert held is not None  # callers check `employed` first
    target = target_for(catalog, target_position, held_position_id=held)
    return score_readiness(facts=evidence.facts, target=target, policy=catalog.policy.policy)


def _no_employee(employee_id: str) -> NotFound:
    return NotFound(f"No employee {employee_id!r} in this organization.")


def _rows_for(
    session: Session,
    catalog: Catalog,
    organization_id: str,
    employee_id: str,
    target_position: PositionFacts | None,
    *,
    day: date,
) -> list[Sequence[Any]]:
    """Return the person's rows readiness reads on `day` for the target (one level up when
    None)."""
    return read_rows(
        session,
        organization_id,
        employee_id,
        day=day,
        policy=catalog.policy.policy,
        requirements=target_position.requirements if target_position else (),
    )


def readiness(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    target_position_id: str | None,
    as_of: date | None,
    read: tuple[Catalog, int | None] | None = None,
) -> ReadinessResult:
    """Return the person's readiness for the target (one level up when none) as of a day.

    Two statements whatever the history's length: the organization's catalog version
    (with the person's existence), then the person's events; positions and policy come
    from the per-process catalog. `read`: what `catalog.with_history` returned in this
    session already (then one statement).
    """
    if read is None:
        catalog, person = with_person(session, organization_id, employee_id)
    else:
        catalog, person = read[0], read[1] is not None
    if not person:
        raise _no_employee(employee_id)
    target_position = catalog.position(target_position_id) if target_position_id else None
    day = as_of or today()
    rows = _rows_for(session, catalog, organization_id, employee_id, target_position, day=day)
    evidence = evidence_of(rows, day=day)
    if not employed(evidence.projection):
        raise _not_employed(evidence, "query")
    result = _score(catalog, evidence, target_position)
    return ReadinessResult(employee_id, target_position.id if target_position else None, result)


def what_if(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    target_position_id: str | None,
    as_of: date | None,
    events: Sequence[EventCreate],
) -> WhatIfResult:
    """Return the readiness as if the events were recorded (in order, after the history),
    with the score without them. Each event is validated as recording would validate it
    (a 422 naming `events[i].<field>`); nothing is stored."""
    catalog, person = with_person(session, organization_id, employee_id)
    if not person:
        raise _no_employee(employee_id)
    target_position = None
    if target_position_id is not None:
        target_position = catalog.positions.get(target_position_id)
        if target_position is None:
            raise ValidationFailed.one(
                "target_position_id", "no such position in this organization"
            )
    day = as_of or today()
    rows = _rows_for(session, catalog, organization_id, employee_id, target_position, day=day)
    hypothetical = _hypothetical_rows(catalog, organization_id, employee_id, rows, events)
    evidence = evidence_of([*rows, *hypothetical], day=day)
    if not employed(evidence.projection):
        raise _not_employed(evidence, "body")
    result = _score(catalog, evidence, target_position)
    before = evidence_of(rows, day=day)
    baseline = (
        _score(catalog, before, target_position).score if employed(before.projection) else None
    )
    return WhatIfResult(
        employee_id, target_position.id if target_position else None, result, baseline
    )


def _hypothetical_rows(
    catalog: Catalog,
    organization_id: str,
    employee_id: str,
    rows: Sequence[Sequence[Any]],
    events: Sequence[EventCreate],
) -> list[tuple[Any, ...]]:
    """Return the events as rows read from the store, numbered after the history, or raise
    the 422 recording them one after the other would raise (every event's fields named
    `events[i].<field>`)."""
    states = [
        history.event_facts(*row[:7]) for row in rows if EVENT_TYPE_BY_NAME[row[1]] in STATE_TYPES
    ]
    seq = max((int(row[3]) for row in rows), default=0)
    out: list[tuple[Any, ...]] = []
    errors: list[FieldError] = []
    for index, data in enumerate(events):
        row = event_row(organization_id, employee_id, data, seq=seq + 1 + index)
        row["id"] = f"events[{index}]"
        problems = event_errors(data, catalog.positions)
        if not problems and data.type in STATE_TYPES:
            new = facts_of(row)
            problems = history_problems(new, states, catalog.level_of)
            states.append(new)
        errors += [
            FieldError(f"events[{index}].{p['field']}", p["message"], p["in"]) for p in problems
        ]
        out.append(tuple(row[name] for name in COLUMN_NAMES))
    if errors:
        names = ", ".join(e["field"] for e in errors)
        raise ValidationFailed(f"Some events would not be recorded: {names}.", errors=errors)
    return out
