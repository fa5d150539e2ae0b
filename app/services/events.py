"""Career events: record (validated against the history as it stands), list and void."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Container, Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Row,
    Table,
    and_,
    bindparam,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from app.domain.history import (
    ALLOWED_FIELDS,
    REQUIRED_FIELDS,
    EventFacts,
    EventType,
    problems_added,
    problems_removed,
    replay,
)
from app.domain.holding import spells
from app.domain.values import Money, decimal_to_cents, fold_name
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.models import CareerEvent, Employee, utcnow
from app.schemas.events import EventCreate
from app.services import history, holdings
from app.services.catalog import current
from app.services.employees import get_employee
from app.services.pagination import cursor_day, cursor_int, decode_cursor, encode_cursor

_OPTIONAL_FIELDS = (
    "position_id",
    "salary",
    "rating",
    "name",
    "level",
    "expires_on",
    "potential",
    "risk_of_loss",
    "impact_of_loss",
)


def shape_errors(data: EventCreate) -> list[FieldError]:
    """Return what is wrong with an event's fields for its type, without asking the store."""
    kind = data.type
    allowed, required = ALLOWED_FIELDS[kind], REQUIRED_FIELDS.get(kind, frozenset())
    errors = []
    for name in _OPTIONAL_FIELDS:
        present = getattr(data, name) is not None
        if present and name not in allowed:
            errors.append(FieldError(name, f"does not belong on a {kind.value} event"))
        elif not present and name in required:
            errors.append(FieldError(name, f"is required on a {kind.value} event"))
    if kind in (EventType.leadership_activity, EventType.initiative):
        if data.name is None and data.description is None:
            errors.append(FieldError("name", f"a {kind.value} needs a name or a description"))
    expiry = expiry_problem(data.occurred_on, data.expires_on)
    if expiry is not None and "expires_on" in allowed:
        errors.append(FieldError("expires_on", expiry))
    return errors


def expiry_problem(occurred_on: date | None, expires_on: date | None) -> str | None:
    """Return what is wrong with a certification's expiry date, or None."""
    if expires_on is not None and occurred_on is not None and expires_on <= occurred_on:
        return f"must be after occurred_on ({occurred_on.isoformat()})"
    return None


def event_errors(data: EventCreate, positions: Container[str]) -> list[FieldError]:
    """Return what is wrong with an event before its history is asked: its fields for its
    type, and a position the organization does not have."""
    errors = shape_errors(data)
    if data.position_id is not None and "position_id" in ALLOWED_FIELDS[data.type]:
        if data.position_id not in positions:
            errors.append(FieldError("position_id", "no such position in this organization"))
    return errors


def event_row(
    organization_id: str,
    employee_id: str,
    data: EventCreate,
    *,
    seq: int,
    event_key: str | None = None,
) -> dict[str, Any]:
    """Return the column values of a validated event."""
    salary = salary_of(data)
    return {
        "organization_id": organization_id,
        "id": str(uuid.uuid4()),
        "employee_id": employee_id,
        "seq": seq,
        "type": data.type.value,
        "occurred_on": data.occurred_on,
        "recorded_at": utcnow(),
        "position_id": data.position_id,
        "salary_cents": salary.cents if salary else None,
        "salary_currency": salary.currency if salary else None,
        "rating": data.rating,
        "name": data.name,
        "name_key": fold_name(data.name) if data.name is not None else None,
        "description": data.description,
        "level": data.level,
        "expires_on": data.expires_on,
        "classification": None,
        "voided_at": None,
        "void_reason": None,
        "event_key": event_key,
        "potential": data.potential,
        "risk_of_loss": data.risk_of_loss.value if data.risk_of_loss else None,
        "impact_of_loss": data.impact_of_loss.value if data.impact_of_loss else None,
    }


def facts_of(row: dict[str, Any]) -> EventFacts:
    """Return the domain view of an event row."""
    return history.event_facts(
        row["id"],
        row["type"],
        row["occurred_on"],
        row["seq"],
        row["position_id"],
        row["salary_cents"],
        row["salary_currency"],
    )


def salary_of(data: EventCreate) -> Money | None:
    """Return the event's salary as money in cents."""
    if data.salary is None:
        return None
    return Money(decimal_to_cents(data.salary.amount), data.salary.currency)


def history_problems(
    new: EventFacts,
    existing: list[EventFacts],
    level_of: Callable[[str], int | None] | Mapping[str, int],
) -> list[FieldError]:
    """Return the 422 field errors for what recording `new` would break in the history."""
    return [
        FieldError(
            p.field,
            p.message
            if p.event_id == new.id
            else f"it would break event {p.event_id}: {p.message}",
        )
        for p in problems_added(existing=existing, new=new, level_of=level_of)
    ]


_NEXT_SEQ = (
    update(Employee)
    .where(
        col(Employee.organization_id) == bindparam("org"),
        col(Employee.id) == bindparam("person"),
    )
    .values(event_seq=Employee.event_seq + 1)
    .returning(col(Employee.event_seq))
)


def _next_seq(session: Session, organization_id: str, employee_id: str) -> int:
    """Number the person's next event, or raise 404 when there is no such person.

    One UPDATE both numbers the event and locks the person's row on PostgreSQL, so two
    writers cannot validate against the same history at once.
    """
    seq = (
        session.connection()
        .execute(_NEXT_SEQ, {"org": organization_id, "person": employee_id})
        .scalar()
    )
    if seq is None:
        raise NotFound(f"No employee {employee_id!r} in this organization.")
    return int(seq)


_MOVES = frozenset(history.STATE_TYPES) - {EventType.hire, EventType.salary_change, EventType.exit}
# The person's state events with their stored classification: one read validates a new
# state event against the history and re-classifies the moves it affects.
_STATE_EVENTS = select(*history.FACT_COLUMNS, col(CareerEvent.classification)).where(
    col(CareerEvent.organization_id) == bindparam("organization_id"),
    col(CareerEvent.employee_id) == bindparam("employee_id"),
    col(CareerEvent.voided_at).is_(None),
    col(CareerEvent.type).in_([t.value for t in history.STATE_TYPES]),
)


def _classify_with(
    session: Session, organization_id: str, employee_id: str, row: dict[str, Any]
) -> None:
    """Validate a new state event against the person's history (422 naming what it would
    break), set its classification, re-store the moves whose classification changes, and
    rewrite the person's position holdings when the event changes them."""
    stored: dict[str, str | None] = {}
    existing: list[EventFacts] = []
    for event in session.connection().execute(
        _STATE_EVENTS, {"organization_id": organization_id, "employee_id": employee_id}
    ):
        existing.append(history.event_facts(*event[:-1]))
        stored[event[0]] = event[-1]
    new = facts_of(row)
    level_of = current(session, organization_id).level_of
    errors = history_problems(new, existing, level_of)
    if errors:
        raise ValidationFailed(
            "The event does not fit the person's history: "
            + "; ".join(e["message"] for e in errors)
            + ".",
            errors=errors,
        )
    kinds = replay(events=[*existing, new], level_of=level_of).classifications
    # The stored holdings are the spells of the history before this event: rewrite them
    # only when the event changes them (a salary change at the end of a history does not).
    after = spells(events=[*existing, new], level_of=level_of)
    if after != spells(events=existing, level_of=level_of):
        holdings.replace(session, organization_id, {employee_id: after})
    for fact in [*existing, new]:
        if fact.type not in _MOVES:
            continue
        kind = kinds.get(fact.id)
        wanted = kind.value if kind is not None else None
        if fact.id == new.id:
            row["classification"] = wanted
        elif stored.get(fact.id) != wanted:
            session.connection().execute(
                update(CareerEvent)
                .where(
                    col(CareerEvent.organization_id) == organization_id,
                    col(CareerEvent.id) == fact.id,
                )
                .values(classification=wanted)
            )


def record_event(
    session: Session,
    organization_id: str,
    employee_id: str,
    data: EventCreate,
    *,
    event_key: str | None = None,
) -> CareerEvent:
    """Record one event; 404 for an unknown person, 422 naming the field when it does not
    fit the type or the history. Returns the stored row (not attached to the session).

    Two statements for most events (number it, insert it); a hire, move, pay change or
    exit also reads the person's state events to validate the history and classify moves.
    """
    seq = _next_seq(session, organization_id, employee_id)
    errors = event_errors(data, current(session, organization_id).positions)
    if errors:
        names = ", ".join(e["field"] for e in errors)
        raise ValidationFailed(
            f"The {data.type.value} event has bad fields: {names}.", errors=errors
        )
    row = event_row(organization_id, employee_id, data, seq=seq, event_key=event_key)
    if data.type in history.STATE_TYPES:
        _classify_with(session, organization_id, employee_id, row)
    session.connection().execute(_INSERT, row)
    return CareerEvent(**row)


_INSERT = insert(cast(Table, inspect(CareerEvent).local_table))


def get_event(
    session: Session, organization_id: str, employee_id: str, event_id: str
) -> CareerEvent:
    """Return one event of the person, or raise 404."""
    get_employee(session, organization_id, employee_id)
    event = session.get(CareerEvent, (organization_id, event_id))
    if event is None or event.employee_id != employee_id:
        raise NotFound(f"No event {event_id!r} for this employee.")
    return event


_EXISTS = select(col(Employee.id)).where(
    col(Employee.organization_id) == bindparam("org"), col(Employee.id) == bindparam("person")
)


def _must_exist(session: Session, organization_id: str, employee_id: str) -> None:
    found = session.connection().execute(_EXISTS, {"org": organization_id, "person": employee_id})
    if found.first() is None:
        raise NotFound(f"No employee {employee_id!r} in this organization.")


def list_events(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    types: list[EventType] | None,
    from_: date | None,
    to: date | None,
    include_voided: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[Row[Any]], str | None]:
    """Return a page of the person's events by `occurred_on`, then arrival (rows of the
    table read through Core, not ORM objects: a page is only presented)."""
    _must_exist(session, organization_id, employee_id)
    query = select(inspect(CareerEvent).local_table).where(
        col(CareerEvent.organization_id) == organization_id,
        col(CareerEvent.employee_id) == employee_id,
    )
    if types:
        query = query.where(col(CareerEvent.type).in_([t.value for t in types]))
    if from_ is not None:
        query = query.where(col(CareerEvent.occurred_on) >= from_)
    if to is not None:
        query = query.where(col(CareerEvent.occurred_on) <= to)
    if not include_voided:
        query = query.where(col(CareerEvent.voided_at).is_(None))
    if cursor is not None:
        day, seq = decode_cursor(cursor, arity=2)
        after_day, after_seq = cursor_day(day), cursor_int(seq)
        query = query.where(
            or_(
                col(CareerEvent.occurred_on) > after_day,
                and_(col(CareerEvent.occurred_on) == after_day, col(CareerEvent.seq) > after_seq),
            )
        )
    rows = list(
        session.connection().execute(
            query.order_by(col(CareerEvent.occurred_on), col(CareerEvent.seq)).limit(limit + 1)
        )
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].occurred_on.isoformat(), rows[-1].seq])


def void_event(
    session: Session, organization_id: str, employee_id: str, event_id: str, *, reason: str
) -> CareerEvent:
    """Void an event (it stays in the history); 409 when it is void already, or when the
    history without it would not be one recording accepts (a 409 naming the events in the
    way: void those first)."""
    _lock_person(session, organization_id, employee_id)
    event = get_event(session, organization_id, employee_id, event_id)
    if event.voided_at is None and EventType(event.type) in history.STATE_TYPES:
        _refuse_breaking_void(session, organization_id, employee_id, event_id)
    # A conditional UPDATE, so two concurrent voids cannot both succeed.
    voided = session.execute(
        update(CareerEvent)
        .where(
            col(CareerEvent.organization_id) == organization_id,
            col(CareerEvent.id) == event_id,
            col(CareerEvent.voided_at).is_(None),
        )
        .values(voided_at=utcnow(), void_reason=reason)
    )
    if cast(CursorResult[Any], voided).rowcount == 0:
        raise Conflict(f"Event {event_id!r} was voided already; its reason: {event.void_reason!r}.")
    # Moves the person's history version: answers cached from the history are keyed on it.
    _next_seq(session, organization_id, employee_id)
    session.refresh(event)
    if EventType(event.type) in history.STATE_TYPES:
        history.store_classifications(session, organization_id, employee_id)
        session.refresh(event)
    return event


_LOCK_PERSON = (
    select(col(Employee.id))
    .where(
        col(Employee.organization_id) == bindparam("org"), col(Employee.id) == bindparam("person")
    )
    .with_for_update()
)


def _lock_person(session: Session, organization_id: str, employee_id: str) -> None:
    """Take the person's row lock (PostgreSQL; SQLite's writer holds the database), as
    recording does, so a void and a write to the same history cannot interleave."""
    session.connection().execute(_LOCK_PERSON, {"org": organization_id, "person": employee_id})


def _refuse_breaking_void(
    session: Session, organization_id: str, employee_id: str, event_id: str
) -> None:
    existing = history.state_events(session, organization_id, employee_id)
    level_of = current(session, organization_id).level_of
    broken = problems_removed(existing=existing, removed_id=event_id, level_of=level_of)
    if broken:
        named = sorted({p.event_id for p in broken})
        raise Conflict(
            f"Voiding event {event_id!r} would leave a history that recording refuses: "
            + "; ".join(f"event {p.event_id}: {p.message}" for p in broken)
            + ". Void "
            + ", ".join(repr(e) for e in named)
            + " first, or record what corrects the history.",
            errors=[FieldError(f"events.{p.event_id}", p.message, "history") for p in broken],
        )
