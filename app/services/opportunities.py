"""Opportunities: every position of the organization ranked for one person (SPEC 11).

The mirror of the succession slate: the slate scores the organization's people for one
position, this scores the organization's positions for one person. The person's evidence
is read once (one statement, every older proof whatever its name) and summarized once;
each position then costs one call of the domain's `rank`, the function the readiness
endpoint's `score_summary` ranks with, so each score equals GET readiness for that target
on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from app.domain.mobility import MoveType, PositionFacts, pay_change_percent
from app.domain.readiness import Band, rank, summarize
from app.domain.values import Requirement
from app.errors import NotFound, ValidationFailed
from app.services.catalog import with_person
from app.services.employees import today
from app.services.pagination import decode_cursor, encode_cursor
from app.services.readiness import employed, evidence_of, read_rows, target_for


@dataclass(frozen=True)
class Opportunity:
    position: PositionFacts
    move_type: MoveType
    score: Decimal
    band: Band
    requirements_missing: tuple[Requirement, ...]
    pay_delta_percent: Decimal | None


def _after(cursor: str) -> tuple[Decimal, str]:
    score, code = decode_cursor(cursor, arity=2)
    try:
        after = Decimal(str(score))
    except ArithmeticError:
        after = Decimal("NaN")
    if not after.is_finite():
        raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
    return after, str(code)


def opportunities(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    as_of: date | None,
    move_type: MoveType | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Opportunity], str | None]:
    """Return a page of the positions (all but the one held) ranked by the person's
    readiness for each on `as_of`, highest score first, ties by code, and the next cursor.
    Two statements: the catalog version with the person, then the person's events."""
    catalog, person = with_person(session, organization_id, employee_id)
    if not person:
        raise NotFound(f"No employee {employee_id!r} in this organization.")
    day = as_of or today()
    policy = catalog.policy.policy
    rows = read_rows(
        session, organization_id, employee_id, day=day, policy=policy, requirements=None
    )
    evidence = evidence_of(rows, day=day)
    held = evidence.projection.position_id
    if not employed(evidence.projection) or held is None:
        raise ValidationFailed.one(
            "as_of",
            f"the employee is not employed on {day.isoformat()} "
            f"(status then: {evidence.projection.status.value})",
            "query",
        )
    summary = summarize(facts=evidence.facts, policy=policy)
    salary = evidence.projection.salary
    ranked: list[Opportunity] = []
    for position in catalog.positions.values():
        if position.id == held:
            continue
        target = target_for(catalog, position, held_position_id=held)
        if move_type is not None and target.move_type is not move_type:
            continue
        result = rank(summary=summary, target=target, policy=policy)
        ranked.append(
            Opportunity(
                position,
                target.move_type,
                result.score,
                result.band,
                result.requirements_missing,
                pay_change_percent(salary=salary, band=position.pay_band),
            )
        )
    ranked.sort(key=lambda o: (-o.score, o.position.code))
    if cursor is not None:
        score, code = _after(cursor)
        ranked = [o for o in ranked if (-o.score, o.position.code) > (-score, code)]
    page = ranked[:limit]
    if len(ranked) <= limit:
        return page, None
    last = page[-1]
    return page, encode_cursor([str(last.score), last.position.code])
