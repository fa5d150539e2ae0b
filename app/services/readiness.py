"""Promotion readiness: gather a person's evidence with a few narrow queries, then score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from sqlalchemy import bindparam, select, union_all
from sqlmodel import Session

from app.domain.history import (
    DEVELOPMENT_TYPES,
    EVENT_TYPE_BY_NAME,
    LEADERSHIP_TYPES,
    EventFacts,
    EventType,
    Status,
    replay,
)
from app.domain.mobility import MoveType, classify_levels
from app.domain.readiness import (
    Dated,
    Development,
    Facts,
    Readiness,
    Review,
    Target,
    score_readiness,
    window_start,
)
from app.domain.values import KIND_FOR_EVENT_TYPE
from app.errors import NotFound, ValidationFailed
from app.models import CareerEvent
from app.services import history
from app.services.catalog import Catalog, with_person
from app.services.employees import today

_EVIDENCE_TYPES = [
    t.value for t in (*DEVELOPMENT_TYPES, *LEADERSHIP_TYPES, EventType.performance_review)
]
_STATE_TYPES = [t.value for t in history.STATE_TYPES]
_DEVELOPMENT_TYPES = [t.value for t in DEVELOPMENT_TYPES]
_HISTORY_ORDER = itemgetter(2, 3)  # (occurred_on, seq) of a row below
_COLUMNS = (*history.FACT_COLUMNS, CareerEvent.rating, CareerEvent.name_key)
_PERSON = (
    CareerEvent.organization_id == bindparam("organization_id"),
    CareerEvent.employee_id == bindparam("employee_id"),
    CareerEvent.voided_at.is_(None),
)
# Built once, one statement: the person's state events (what they hold), the evidence in
# the window, and older proof of a wanted requirement. Each part reads a range of the index
# (organization, employee, type, day, folded name), so the cost follows the rows that
# count, not the length of the history.
_EVENTS = union_all(
    select(*_COLUMNS).where(*_PERSON, CareerEvent.type.in_(_STATE_TYPES)),
    select(*_COLUMNS).where(
        *_PERSON,
        CareerEvent.type.in_(_EVIDENCE_TYPES),
        CareerEvent.occurred_on > bindparam("start"),
        CareerEvent.occurred_on <= bindparam("day"),
    ),
    select(*_COLUMNS).where(
        *_PERSON,
        CareerEvent.name_key.in_(bindparam("names", expanding=True)),
        CareerEvent.type.in_(_DEVELOPMENT_TYPES),
        CareerEvent.occurred_on <= bindparam("start"),
    ),
)


@dataclass(frozen=True)
class ReadinessResult:
    employee_id: str
    target_position_id: str | None
    readiness: Readiness


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
        raise NotFound(f"No employee {employee_id!r} in this organization.")
    target_position = catalog.position(target_position_id) if target_position_id else None
    day = as_of or today()
    policy = catalog.policy.policy
    requirements = target_position.requirements if target_position else ()
    start = window_start(as_of=day, months=policy.window_months)
    rows = session.connection().execute(
        _EVENTS,
        {
            "organization_id": organization_id,
            "employee_id": employee_id,
            "day": day,
            "start": start,
            "names": sorted({r.key[1] for r in requirements}),
        },
    )
    states: list[EventFacts] = []
    reviews, leadership, development = [], [], []
    ordered = sorted(rows, key=_HISTORY_ORDER)
    for event_id, kind, occurred_on, seq, position_id, cents, currency, rating, name_key in ordered:
        event_type = EVENT_TYPE_BY_NAME[kind]
        if event_type in history.STATE_TYPES:
            states.append(
                history.to_facts(event_id, kind, occurred_on, seq, position_id, cents, currency)
            )
        elif event_type is EventType.performance_review:
            if rating is not None:
                reviews.append(Review(event_id, occurred_on, rating))
        elif event_type in LEADERSHIP_TYPES:
            leadership.append(Dated(event_id, occurred_on))
        else:
            development.append(
                Development(event_id, occurred_on, KIND_FOR_EVENT_TYPE[kind], name_key or "")
            )
    # Levels do not change what is held, only how moves are classified: none needed here.
    projection = replay(events=states, level_of={}, as_of=day)
    if projection.status is not Status.active or projection.position_id is None:
        raise ValidationFailed.one(
            "as_of",
            f"the employee is not employed on {day.isoformat()} "
            f"(status then: {projection.status.value})",
            "query",
        )
    if target_position is None:
        target = Target(position_id=None, move_type=MoveType.promotion)
    else:
        if target_position.id == projection.position_id:
            move = MoveType.none
        else:
            held = catalog.level_of(projection.position_id)
            move = classify_levels(
                source_level=held if held is not None else target_position.level,
                target_level=target_position.level,
            )
        target = Target(
            position_id=target_position.id,
            move_type=move,
            requirements=requirements,
            min_months_in_role=target_position.min_months_in_role,
        )
    facts = Facts(
        as_of=day,
        role_started_on=projection.role_started_on or day,
        role_event_id=projection.role_event_id,
        reviews=tuple(reviews),
        leadership=tuple(leadership),
        development=tuple(development),
    )
    result = score_readiness(facts=facts, target=target, policy=policy)
    return ReadinessResult(employee_id, target.position_id, result)
