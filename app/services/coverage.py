"""Coverage of the critical positions: incumbents, named and computed ready-now successors,
bench strength and high-risk incumbents (SPEC 12).

Who is ready now comes from the slate's own reading and scoring (`app.services.population`,
`app.services.ranking`), for the whole organization once rather than once per position: a
person is ready now for a position when they do not hold it, hold a proof of each of its
mandatory requirements (`proof_standings`, one grouped query for every position's), and
would be ready now with those met (which depends on the position only through its minimum
months in role).
`tests/api/test_succession_coverage.py` checks each position against its slate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from app.domain.proofs import State, check
from app.domain.readiness import Band
from app.domain.succession import (
    CoverageSummary,
    Nominee,
    PositionCoverage,
    coverage_summary,
    position_coverage,
)
from app.domain.talent import LossLevel
from app.domain.values import EVENT_TYPE_FOR_KIND, Requirement
from app.models import Position, Successor
from app.services.employees import today
from app.services.policy import current_policy
from app.services.population import active_people, proof_standings
from app.services.positions import requirements_of
from app.services.ranking import ready_now_once_requirements_met
from app.services.talent import latest_reviews


@dataclass(frozen=True)
class Coverage:
    as_of: date
    items: list[PositionCoverage]
    summary: CoverageSummary


def coverage(session: Session, organization_id: str, *, as_of: date | None) -> Coverage:
    """Return the coverage of every critical position on the day (today by default), by
    code. Nominations count as they stand now."""
    day = as_of or today()
    critical = list(
        session.execute(
            select(Position)
            .where(Position.organization_id == organization_id, Position.critical.is_(True))
            .order_by(Position.code)
        ).scalars()
    )
    holders, ready_now = _computed(session, organization_id, critical, day=day)
    nominees = _nominees(session, organization_id, critical)
    high_risk = {
        employee_id
        for employee_id, review in latest_reviews(session, organization_id, day=day).items()
        if review.risk_of_loss is LossLevel.high
    }
    items = [
        position_coverage(
            position_id=position.id,
            code=position.code,
            incumbents=holders.get(position.id, []),
            high_risk=high_risk,
            nominees=nominees.get(position.id, []),
            ready_now_computed=ready_now[position.id],
        )
        for position in critical
    ]
    return Coverage(day, items, coverage_summary(items))


def _computed(
    session: Session, organization_id: str, critical: list[Position], *, day: date
) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Return who holds each position and who is ready now for each critical one (not
    holding it), as each position's slate would band them."""
    policy = current_policy(session, organization_id).policy
    mandatory = {p.id: [r for r in requirements_of(p) if r.mandatory] for p in critical}
    people = active_people(session, organization_id, day=day, policy=policy, proofs=[])
    holders: dict[str, list[str]] = defaultdict(list)
    for employee_id, ((position_id, _since, _event), _evidence) in people.items():
        holders[position_id].append(employee_id)
    ready_by_minimum: dict[int | None, set[str]] = {}
    for position in critical:
        if position.min_months_in_role not in ready_by_minimum:
            ready_by_minimum[position.min_months_in_role] = ready_now_once_requirements_met(
                people, day=day, policy=policy, min_months_in_role=position.min_months_in_role
            )
    # Proofs matter only for who could be ready now somewhere: look those people up alone.
    meeting = _meeting(
        session,
        organization_id,
        {r for wanted in mandatory.values() for r in wanted},
        day=day,
        people=set().union(*ready_by_minimum.values()),
    )
    ready_now = {}
    for position in critical:
        ready = set(ready_by_minimum[position.min_months_in_role])
        for requirement in mandatory[position.id]:
            ready &= meeting[requirement]
        ready.difference_update(holders.get(position.id, []))
        ready_now[position.id] = ready
    return holders, ready_now


def _meeting(
    session: Session,
    organization_id: str,
    requirements: set[Requirement],
    *,
    day: date,
    people: set[str],
) -> dict[Requirement, set[str]]:
    """Return who of `people` meets each requirement on the day."""
    proofs = sorted({(EVENT_TYPE_FOR_KIND[r.kind], r.key[1]) for r in requirements})
    standings = proof_standings(session, organization_id, day=day, proofs=proofs, people=people)
    meeting: dict[Requirement, set[str]] = {}
    for requirement in requirements:
        held = standings[(EVENT_TYPE_FOR_KIND[requirement.kind], requirement.key[1])]
        meeting[requirement] = {
            person
            for person, standing in held.items()
            if check(requirement, standing, as_of=day) is State.met
        }
    return meeting


def _nominees(
    session: Session, organization_id: str, critical: list[Position]
) -> dict[str, list[Nominee]]:
    """Return the named successors of each critical position, as they stand now."""
    nominees: dict[str, list[Nominee]] = defaultdict(list)
    for position_id, employee_id, override in session.execute(
        select(Successor.position_id, Successor.employee_id, Successor.readiness_override).where(
            Successor.organization_id == organization_id,
            Successor.position_id.in_([p.id for p in critical]),
        )
    ):
        nominees[position_id].append(Nominee(employee_id, Band(override) if override else None))
    return nominees
