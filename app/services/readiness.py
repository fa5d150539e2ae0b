"""Promotion readiness: gather a person's evidence with a few narrow queries, then score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session

from app.domain.history import DEVELOPMENT_TYPES, LEADERSHIP_TYPES, EventType, Status
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
from app.errors import ValidationFailed
from app.models import CareerEvent
from app.services import history
from app.services.employees import get_employee, today
from app.services.policy import current_policy
from app.services.positions import get_position, requirements_of

_EVIDENCE_TYPES = [
    t.value for t in (*DEVELOPMENT_TYPES, *LEADERSHIP_TYPES, EventType.performance_review)
]


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
) -> ReadinessResult:
    """Return the person's readiness for the target (one level up when none) as of a day."""
    get_employee(session, organization_id, employee_id)
    target_position = (
        get_position(session, organization_id, target_position_id) if target_position_id else None
    )
    day = as_of or today()
    projection = history.project(session, organization_id, employee_id, as_of=day, classify=False)
    if projection.status is not Status.active or projection.position_id is None:
        raise ValidationFailed.one(
            "as_of",
            f"the employee is not employed on {day.isoformat()} "
            f"(status then: {projection.status.value})",
            "query",
        )
    stored = current_policy(session, organization_id)
    policy = stored.policy
    if target_position is None:
        target = Target(position_id=None, move_type=MoveType.promotion)
    else:
        if target_position.id == projection.position_id:
            move = MoveType.none
        else:
            held = history.levels(session, organization_id, [projection.position_id])
            move = classify_levels(
                source_level=held.get(projection.position_id, target_position.level),
                target_level=target_position.level,
            )
        target = Target(
            position_id=target_position.id,
            move_type=move,
            requirements=requirements_of(target_position),
            min_months_in_role=target_position.min_months_in_role,
        )
    start = window_start(as_of=day, months=policy.window_months)
    wanted_names = sorted({r.key[1] for r in target.requirements})
    in_window = (CareerEvent.occurred_on > start) & (CareerEvent.occurred_on <= day)
    proofs = (CareerEvent.occurred_on <= day) & CareerEvent.name_key.in_(wanted_names or [""])
    rows = session.execute(
        select(
            CareerEvent.id,
            CareerEvent.type,
            CareerEvent.occurred_on,
            CareerEvent.rating,
            CareerEvent.name_key,
        )
        .where(
            CareerEvent.organization_id == organization_id,
            CareerEvent.employee_id == employee_id,
            CareerEvent.voided_at.is_(None),
            CareerEvent.type.in_(_EVIDENCE_TYPES),
            or_(in_window, proofs),
        )
        .order_by(CareerEvent.occurred_on, CareerEvent.seq)
    ).all()
    reviews, leadership, development = [], [], []
    for event_id, kind, occurred_on, rating, name_key in rows:
        event_type = EventType(kind)
        if event_type is EventType.performance_review and rating is not None:
            reviews.append(Review(event_id, occurred_on, rating))
        elif event_type in LEADERSHIP_TYPES:
            leadership.append(Dated(event_id, occurred_on))
        elif event_type in DEVELOPMENT_TYPES:
            development.append(
                Development(event_id, occurred_on, KIND_FOR_EVENT_TYPE[kind], name_key or "")
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
