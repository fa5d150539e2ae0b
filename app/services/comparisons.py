"""Compare two positions, optionally for one person."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import bindparam, or_, select
from sqlmodel import Session, col

from app.domain.history import (
    DEVELOPMENT_TYPES,
    EVENT_TYPE_BY_NAME,
    STATE_TYPES,
    EventFacts,
    replay,
)
from app.domain.mobility import (
    Comparison,
    CurrencyMismatch,
    PersonalFit,
    PositionFacts,
    compare_positions,
    personal_fit,
)
from app.domain.proofs import Proof, standings
from app.domain.values import KIND_FOR_EVENT_TYPE
from app.errors import NotFound, ValidationFailed
from app.models import CareerEvent
from app.services import history
from app.services.catalog import Catalog, with_person
from app.services.employees import today

# Built once: the person's state events (what they hold, their pay) and their development
# events up to a day (proof of requirements), in one statement.
_EVENTS = select(
    *history.FACT_COLUMNS,
    col(CareerEvent.name_key),
    col(CareerEvent.level),
    col(CareerEvent.expires_on),
).where(
    col(CareerEvent.organization_id) == bindparam("organization_id"),
    col(CareerEvent.employee_id) == bindparam("employee_id"),
    col(CareerEvent.voided_at).is_(None),
    or_(
        col(CareerEvent.type).in_([t.value for t in STATE_TYPES]),
        col(CareerEvent.type).in_([t.value for t in DEVELOPMENT_TYPES])
        & (col(CareerEvent.occurred_on) <= bindparam("day")),
    ),
)


_HISTORY_ORDER = itemgetter(2, 3)  # (occurred_on, seq) of a row above


@dataclass(frozen=True)
class ComparisonResult:
    source: PositionFacts
    target: PositionFacts
    comparison: Comparison
    employee_id: str | None = None
    fit: PersonalFit | None = None


def compare(
    session: Session,
    organization_id: str,
    *,
    from_position_id: str,
    to_position_id: str,
    employee_id: str | None,
    read: tuple[Catalog, int | None] | None = None,
) -> ComparisonResult:
    """Return the comparison of a move; 404 on unknown IDs, 422 on a currency mismatch.

    One statement without a person (the organization's catalog version: positions come from the
    per-process catalog), two with one (and the person's events). `read`: what
    `catalog.with_history` returned in this session already (one statement fewer).
    """
    if read is None:
        catalog, person = with_person(session, organization_id, employee_id)
    else:
        catalog, person = read[0], read[1] is not None
    source = catalog.position(from_position_id)
    target = catalog.position(to_position_id)
    try:
        comparison = compare_positions(source=source, target=target)
    except CurrencyMismatch as exc:
        raise ValidationFailed.one("to_position_id", f"cannot compare pay: {exc}", "query") from exc
    if employee_id is None:
        return ComparisonResult(source, target, comparison)
    if not person:
        raise NotFound(f"No employee {employee_id!r} in this organization.")
    day = today()
    rows = session.connection().execute(
        _EVENTS, {"organization_id": organization_id, "employee_id": employee_id, "day": day}
    )
    states: list[EventFacts] = []
    proofs: list[Proof] = []
    for row in sorted(rows, key=_HISTORY_ORDER):
        event_id, kind, occurred_on, seq, position_id, cents, currency, name_key = row[:8]
        if EVENT_TYPE_BY_NAME[kind] in STATE_TYPES:
            states.append(
                history.event_facts(event_id, kind, occurred_on, seq, position_id, cents, currency)
            )
        elif name_key is not None:
            level, expires_on = row[8], row[9]
            proofs.append(
                Proof(
                    event_id,
                    occurred_on,
                    KIND_FOR_EVENT_TYPE[kind],
                    name_key,
                    level or 1,
                    expires_on,
                )
            )
    # Levels do not change what is held or paid, only how moves are classified.
    projection = replay(events=states, level_of={}, as_of=day)
    fit = personal_fit(
        source=source,
        target=target,
        salary=projection.salary,
        held_position_id=projection.position_id,
        standings=standings(proofs=proofs, as_of=day),
        as_of=day,
    )
    return ComparisonResult(source, target, comparison, employee_id, fit)
