"""Load a person's history for the domain replay, and keep stored classifications and
position holdings current."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from app.domain.history import STATE_TYPES, EventFacts, EventType, Projection, replay
from app.domain.holding import spells
from app.domain.values import Money
from app.models import CareerEvent, Employee, Position
from app.services import holdings

_STATE_TYPE_NAMES = tuple(t.value for t in STATE_TYPES)


# The columns `event_facts` takes, in its order: what every read of state events selects.
FACT_COLUMNS = (
    col(CareerEvent.id),
    col(CareerEvent.type),
    col(CareerEvent.occurred_on),
    col(CareerEvent.seq),
    col(CareerEvent.position_id),
    col(CareerEvent.salary_cents),
    col(CareerEvent.salary_currency),
)


def state_events_by_person(
    session: Session,
    organization_id: str,
    *,
    people: Any = None,
    on: date | None = None,
) -> dict[str, list[EventFacts]]:
    """Return each person's non-voided events that change what they hold (hires, moves, pay
    changes, exits), up to a day when given. `people` limits the persons: a list of ids or
    a scalar subquery; None means the whole organization."""
    query = select(col(CareerEvent.employee_id), *FACT_COLUMNS).where(
        col(CareerEvent.organization_id) == organization_id,
        col(CareerEvent.voided_at).is_(None),
        col(CareerEvent.type).in_(_STATE_TYPE_NAMES),
    )
    if people is not None:
        query = query.where(col(CareerEvent.employee_id).in_(people))
    if on is not None:
        query = query.where(col(CareerEvent.occurred_on) <= on)
    by_person: dict[str, list[EventFacts]] = defaultdict(list)
    for employee_id, *fields in session.execute(query).all():
        by_person[employee_id].append(event_facts(*fields))
    return by_person


def state_events(session: Session, organization_id: str, employee_id: str) -> list[EventFacts]:
    """Return the person's non-voided events that change what they hold, in any order."""
    return state_events_by_person(session, organization_id, people=[employee_id]).get(
        employee_id, []
    )


def positions_named(by_person: dict[str, list[EventFacts]]) -> set[str]:
    """Return the positions named anywhere in these histories."""
    return {f.position_id for facts in by_person.values() for f in facts if f.position_id}


def event_facts(
    id: str,
    type: str,
    occurred_on: date,
    seq: int,
    position_id: str | None,
    salary_cents: int | None,
    salary_currency: str | None,
) -> EventFacts:
    """Return the domain view of one stored event."""
    salary = (
        Money(salary_cents, salary_currency)
        if salary_cents is not None and salary_currency is not None
        else None
    )
    return EventFacts(
        id=id,
        type=EventType(type),
        occurred_on=occurred_on,
        seq=seq,
        position_id=position_id,
        salary=salary,
    )


def levels(session: Session, organization_id: str, position_ids: Iterable[str]) -> dict[str, int]:
    """Return the current level of each named position."""
    ids = {p for p in position_ids if p}
    if not ids:
        return {}
    rows = session.execute(
        select(col(Position.id), col(Position.level)).where(
            col(Position.organization_id) == organization_id,
            col(Position.id).in_(ids),
        )
    ).all()
    return {pid: int(level) for pid, level in rows}


def projection_of(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    as_of: date | None,
    events: Sequence[EventFacts] | None = None,
    classify: bool = True,
) -> Projection:
    """Return what the person holds as of a day (all history when None).

    `classify=False` skips reading position levels: what is held does not depend on them,
    only the classification of moves does.
    """
    facts = (
        list(events) if events is not None else state_events(session, organization_id, employee_id)
    )
    level_of = (
        levels(session, organization_id, (e.position_id for e in facts if e.position_id))
        if classify
        else {}
    )
    return replay(events=facts, level_of=level_of, as_of=as_of)


def store_classifications(session: Session, organization_id: str, employee_id: str) -> None:
    """Re-classify every move of the person against the history as it stands now, and
    rewrite their stored position holdings (which carry the classifications too).

    Takes the person's row lock first, as recording does (a no-op when the caller holds
    it): a concurrent write to the same history then commits before this reads it, and
    the two cannot both rewrite the person's holdings from different snapshots.
    """
    session.execute(
        select(col(Employee.id))
        .where(col(Employee.organization_id) == organization_id, col(Employee.id) == employee_id)
        .with_for_update()
    )
    facts = state_events(session, organization_id, employee_id)
    level_of = levels(session, organization_id, (e.position_id for e in facts if e.position_id))
    projection = replay(events=facts, level_of=level_of)
    holdings.replace(
        session, organization_id, {employee_id: spells(events=facts, level_of=level_of)}
    )
    moves = [
        f for f in facts if f.type not in (EventType.hire, EventType.salary_change, EventType.exit)
    ]
    current: dict[str, str | None] = dict(
        session.execute(
            select(col(CareerEvent.id), col(CareerEvent.classification)).where(
                col(CareerEvent.organization_id) == organization_id,
                col(CareerEvent.employee_id) == employee_id,
                col(CareerEvent.id).in_([m.id for m in moves] or [""]),
            )
        ).all()
    )
    for move in moves:
        kind = projection.classifications.get(move.id)
        wanted = kind.value if kind is not None else None
        if current.get(move.id) != wanted:
            session.execute(
                update(CareerEvent)
                .where(
                    col(CareerEvent.organization_id) == organization_id,
                    col(CareerEvent.id) == move.id,
                )
                .values(classification=wanted)
            )


def employees_naming_position(
    session: Session, organization_id: str, position_id: str
) -> list[str]:
    """Return the people whose history names the position."""
    rows = session.execute(
        select(func.distinct(CareerEvent.employee_id)).where(
            col(CareerEvent.organization_id) == organization_id,
            col(CareerEvent.position_id) == position_id,
        )
    ).all()
    return [r[0] for r in rows]
