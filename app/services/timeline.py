"""Gather one person's history for the timeline picture."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain.history import STATE_TYPES, EventType, steps
from app.domain.timeline import Mark, render_timeline
from app.models import CareerEvent, Position
from app.services import history
from app.services.employees import get_employee, today


def timeline_svg(session: Session, organization_id: str, employee_id: str) -> str:
    """Return the SVG step chart of the person's career."""
    employee = get_employee(session, organization_id, employee_id)
    rows = list(
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
    facts = [
        history.event_facts(
            e.id, e.type, e.occurred_on, e.seq, e.position_id, e.salary_cents, e.salary_currency
        )
        for e in rows
        if EventType(e.type) in STATE_TYPES
    ]
    position_ids = {e.position_id for e in rows if e.position_id}
    positions = {
        p.id: p
        for p in session.execute(
            select(Position).where(
                col(Position.organization_id) == organization_id,
                col(Position.id).in_(position_ids or {""}),
            )
        ).scalars()
    }
    level_of = {pid: p.level for pid, p in positions.items()}
    titles = {
        e.id: f"{positions[e.position_id].title} (L{positions[e.position_id].level})"
        for e in rows
        if e.position_id in positions
    }
    marks = [
        Mark(
            e.id,
            EventType(e.type),
            e.occurred_on,
            f"{e.type.replace('_', ' ')}: {e.name or e.description or ''}",
        )
        for e in rows
        if EventType(e.type) not in STATE_TYPES
    ]
    name = employee.display_name or employee.external_id
    return render_timeline(
        title=f"Career timeline: {name}",
        steps=steps(events=facts, level_of=level_of),
        marks=marks,
        titles=titles,
        today=today(),
    )
