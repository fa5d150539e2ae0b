"""Compare two positions, optionally for one person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from app.domain.history import DEVELOPMENT_TYPES
from app.domain.mobility import (
    Comparison,
    CurrencyMismatch,
    PersonalFit,
    compare_positions,
    personal_fit,
)
from app.domain.values import KIND_FOR_EVENT_TYPE
from app.errors import ValidationFailed
from app.models import CareerEvent, Position
from app.services import history
from app.services.employees import get_employee, today
from app.services.positions import get_position, to_facts


@dataclass(frozen=True)
class ComparisonResult:
    source: Position
    target: Position
    comparison: Comparison
    employee_id: str | None = None
    fit: PersonalFit | None = None


def achieved_requirements(
    session: Session, organization_id: str, employee_id: str, *, on: date
) -> frozenset[tuple[str, str]]:
    """Return (kind, folded name) of every requirement the person has proof of by a day."""
    rows = session.execute(
        select(CareerEvent.type, CareerEvent.name_key)
        .where(
            CareerEvent.organization_id == organization_id,
            CareerEvent.employee_id == employee_id,
            CareerEvent.voided_at.is_(None),
            CareerEvent.occurred_on <= on,
            CareerEvent.type.in_([t.value for t in DEVELOPMENT_TYPES]),
        )
        .distinct()
    ).all()
    return frozenset((KIND_FOR_EVENT_TYPE[t], key) for t, key in rows if key is not None)


def compare(
    session: Session,
    organization_id: str,
    *,
    from_position_id: str,
    to_position_id: str,
    employee_id: str | None,
) -> ComparisonResult:
    """Return the comparison of a move; 404 on unknown IDs, 422 on a currency mismatch."""
    source = get_position(session, organization_id, from_position_id)
    target = get_position(session, organization_id, to_position_id)
    source_facts, target_facts = to_facts(source), to_facts(target)
    try:
        comparison = compare_positions(source=source_facts, target=target_facts)
    except CurrencyMismatch as exc:
        raise ValidationFailed.one("to_position_id", f"cannot compare pay: {exc}", "query") from exc
    if employee_id is None:
        return ComparisonResult(source, target, comparison)
    get_employee(session, organization_id, employee_id)
    day = today()
    projection = history.project(session, organization_id, employee_id, as_of=day, classify=False)
    fit = personal_fit(
        source=source_facts,
        target=target_facts,
        salary=projection.salary,
        held_position_id=projection.position_id,
        achieved=achieved_requirements(session, organization_id, employee_id, on=day),
    )
    return ComparisonResult(source, target, comparison, employee_id, fit)
