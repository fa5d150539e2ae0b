"""Gather one person's history as the facts of their timeline picture."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain.history import STATE_TYPES, EventType, steps
from app.domain.timeline import Mark, Timeline, timeline
from app.models import CareerEvent, Position
from app.services import history
from app.services.employees import get_employee, today


def career_timeline(session: Session, organization_id: str, employee_id: str) -> Timeline:
    """Return the person's timeline: the steps and evidence of their unvoided history."""
    employee = get_employee(session, organization_id, employee_id)
    rows = _events(session, organization_id, employee_id)
    state = [e for e in rows if EventType(e.type) in STATE_TYPES]
    evidence = [e for e in rows if EventType(e.type) not in STATE_TYPES]
    positions = _positions(session, organization_id, {e.position_id for e in rows})
    facts = [
        history.event_facts(
            e.id, e.type, e.occurred_on, e.seq, e.position_id, e.salary_cents, e.salary_currency
        )
        for e in state
    ]
    name = employee.display_name or employee.external_id
    return timeline(
        title=f"Career timeline: {name}",
        steps=steps(events=facts, level_of={pid: p.level for pid, p in positions.items()}),
        marks=[_mark(e) for e in evidence],
        titles=_titles(rows, positions),
        today=today(),
    )


def _events(session: Session, organization_id: str, employee_id: str) -> list[CareerEvent]:
    """Return the person's unvoided events in history order."""
    return list(
        session.execute(
            select(CareerEvent)
            .where(
                col(CareerEvent.organization_id) == organization_id,
                col(CareerEvent.employee_id) == employee_id,
                col(CareerEvent.voided_at).is_(None),
            )
            .order_by(col(CareerEvent.occurred_on), col(CareerEvent.seq))
        ).scalars()
    )


def _positions(session: Session, organization_id: str, ids: set[str | None]) -> dict[str, Position]:
    """Return the organization's positions among these ids, by id."""
    wanted = {i for i in ids if i} or {""}
    query = select(Position).where(
        col(Position.organization_id) == organization_id, col(Position.id).in_(wanted)
    )
    return {p.id: p for p in session.execute(query).scalars()}


def _titles(rows: Iterable[CareerEvent], positions: dict[str, Position]) -> dict[str, str]:
    """Return what each event put the person in, "Title (L3)", by event id."""
    held = ((e.id, positions.get(e.position_id or "")) for e in rows)
    return {event_id: f"{p.title} (L{p.level})" for event_id, p in held if p is not None}


def _mark(event: CareerEvent) -> Mark:
    """Return an evidence event as a mark: its type in words and its name or description."""
    label = f"{event.type.replace('_', ' ')}: {event.name or event.description or ''}"
    return Mark(event.id, EventType(event.type), event.occurred_on, label)
