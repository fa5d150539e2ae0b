"""Comparison of two positions and promotion readiness of one person."""

from typing import Annotated

from fastapi import Query

from app.api.common import problems, router
from app.api.presenters import comparison_public, readiness_public
from app.auth import Reader
from app.db import SessionDep
from app.schemas.common import Day
from app.schemas.comparisons import ComparisonPublic
from app.schemas.readiness import ReadinessPublic
from app.services import comparisons, readiness

api = router("", "insights")

Id = Annotated[str, Query(max_length=100)]


@api.get(
    "/comparisons",
    response_model=ComparisonPublic,
    summary="Classify a move A -> B (promotion, lateral, demotion), optionally for a person",
    responses=problems(403, 404, 422),
)
def compare_positions(
    from_position_id: Id,
    to_position_id: Id,
    principal: Reader,
    session: SessionDep,
    employee_id: Annotated[str | None, Query(max_length=100)] = None,
) -> ComparisonPublic:
    result = comparisons.compare(
        session,
        principal.organization_id,
        from_position_id=from_position_id,
        to_position_id=to_position_id,
        employee_id=employee_id,
    )
    return comparison_public(result)


@api.get(
    "/employees/{employee_id}/readiness",
    response_model=ReadinessPublic,
    summary="Promotion readiness (0-100) with evidence, gaps and next steps",
    responses=problems(403, 404, 422),
)
def get_readiness(
    employee_id: str,
    principal: Reader,
    session: SessionDep,
    target_position_id: Annotated[
        str | None, Query(max_length=100, description="Omit for 'one level up'.")
    ] = None,
    as_of: Annotated[
        Day | None, Query(description="Score as of this day; today (UTC) if omitted.")
    ] = None,
) -> ReadinessPublic:
    result = readiness.readiness(
        session,
        principal.organization_id,
        employee_id,
        target_position_id=target_position_id,
        as_of=as_of,
    )
    return readiness_public(result)
