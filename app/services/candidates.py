"""Succession slates: everyone active ranked by readiness for one position.

Scores come from the same domain function as the single-person endpoint, fed by a handful
of SQL aggregates over the whole organization instead of one request per person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from app.domain.history import (
    DEVELOPMENT_TYPES,
    LEADERSHIP_TYPES,
    EventType,
    Status,
    replay,
)
from app.domain.mobility import classify_levels
from app.domain.readiness import Band, Readiness, Summary, Target, score_summary, window_start
from app.domain.values import KIND_FOR_EVENT_TYPE
from app.models import CareerEvent, Employee
from app.services import history
from app.services.employees import today
from app.services.policy import current_policy
from app.services.positions import get_position, requirements_of

BAND_ORDER = (Band.ready_now, Band.ready_1_2_years, Band.ready_3_plus_years)


@dataclass(frozen=True)
class Candidate:
    employee: Employee
    readiness: Readiness


@dataclass(frozen=True)
class Slate:
    target_position_id: str
    as_of: date
    policy_version: int
    candidates: list[Candidate]


def _projections(
    session: Session, organization_id: str, day: date
) -> dict[str, tuple[str, date, str | None]]:
    """Return, for each person active on `day`, (position held, role start, role event)."""
    by_person = history.state_events_by_person(session, organization_id, on=day)
    out = {}
    for employee_id, facts in by_person.items():
        # Levels do not matter for what is held, so no lookup is needed here.
        projection = replay(events=facts, level_of={}, as_of=day)
        if (
            projection.status is Status.active
            and projection.position_id
            and projection.role_started_on
        ):
            out[employee_id] = (
                projection.position_id,
                projection.role_started_on,
                projection.role_event_id,
            )
    return out


def slate(
    session: Session,
    organization_id: str,
    position_id: str,
    *,
    as_of: date | None,
    min_band: Band | None,
) -> Slate:
    """Return the active people (not already in the position) ranked by readiness for it."""
    target_position = get_position(session, organization_id, position_id)
    day = as_of or today()
    policy = current_policy(session, organization_id).policy
    requirements = requirements_of(target_position)
    held = _projections(session, organization_id, day)
    held = {e: h for e, h in held.items() if h[0] != position_id}
    if not held:
        return Slate(position_id, day, policy.version, [])
    start = window_start(as_of=day, months=policy.window_months)
    counts: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for employee_id, kind, n, rating_sum in session.execute(
        select(
            CareerEvent.employee_id,
            CareerEvent.type,
            func.count(),
            func.coalesce(func.sum(CareerEvent.rating), 0),
        )
        .where(
            CareerEvent.organization_id == organization_id,
            CareerEvent.voided_at.is_(None),
            CareerEvent.occurred_on > start,
            CareerEvent.occurred_on <= day,
            CareerEvent.type.in_(
                [
                    t.value
                    for t in (*DEVELOPMENT_TYPES, *LEADERSHIP_TYPES, EventType.performance_review)
                ]
            ),
        )
        .group_by(CareerEvent.employee_id, CareerEvent.type)
    ).all():
        counts[employee_id][kind] = (int(n), int(rating_sum))
    proofs: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    names = sorted({r.key[1] for r in requirements})
    if names:
        for employee_id, kind, name_key, event_id in session.execute(
            select(
                CareerEvent.employee_id,
                CareerEvent.type,
                CareerEvent.name_key,
                func.min(CareerEvent.id),
            )
            .where(
                CareerEvent.organization_id == organization_id,
                CareerEvent.voided_at.is_(None),
                CareerEvent.occurred_on <= day,
                CareerEvent.type.in_([t.value for t in DEVELOPMENT_TYPES]),
                CareerEvent.name_key.in_(names),
            )
            .group_by(CareerEvent.employee_id, CareerEvent.type, CareerEvent.name_key)
        ).all():
            proofs[employee_id][(KIND_FOR_EVENT_TYPE[kind], name_key)] = event_id
    level_of = history.levels(session, organization_id, {h[0] for h in held.values()})
    employees = {
        e.id: e
        for e in session.execute(
            select(Employee).where(
                Employee.organization_id == organization_id, Employee.id.in_(list(held))
            )
        ).scalars()
    }
    allowed = set(BAND_ORDER[: BAND_ORDER.index(min_band) + 1]) if min_band else set(BAND_ORDER)
    ranked = []
    for employee_id, (position, since, role_event) in held.items():
        c = counts.get(employee_id, {})
        review_n, review_sum = c.get(EventType.performance_review.value, (0, 0))
        summary = Summary(
            as_of=day,
            role_started_on=since,
            role_event_id=role_event,
            review_count=review_n,
            review_sum=review_sum,
            leadership_count=sum(c.get(t.value, (0, 0))[0] for t in LEADERSHIP_TYPES),
            development_count=sum(c.get(t.value, (0, 0))[0] for t in DEVELOPMENT_TYPES),
            proofs=proofs.get(employee_id, {}),
        )
        move = classify_levels(
            source_level=level_of.get(position, target_position.level),
            target_level=target_position.level,
        )
        target = Target(
            position_id=position_id,
            move_type=move,
            requirements=requirements,
            min_months_in_role=target_position.min_months_in_role,
        )
        result = score_summary(summary=summary, target=target, policy=policy)
        if result.band in allowed and employee_id in employees:
            ranked.append(Candidate(employees[employee_id], result))
    ranked.sort(key=lambda c: (-c.readiness.score, c.employee.external_id))
    return Slate(position_id, day, policy.version, ranked)
