"""The nine-box grid and coverage of the critical positions (SPEC 12)."""

from typing import Annotated

from fastapi import Query, Response

from app.api.common import api_router, problems, svg, svg_problems
from app.api.grid_svg import grid_svg
from app.api.presenters import coverage_out, grid_out
from app.auth import Reader
from app.db import SessionDep
from app.schemas.common import Day
from app.schemas.succession import CoveragePublic, GridPublic
from app.services import coverage, talent

router = api_router("", "succession")

AsOf = Annotated[Day | None, Query(description="The day to read; today (UTC) if omitted.")]
Family = Annotated[
    str | None,
    Query(
        min_length=1, max_length=100, description="Only people holding a position of this family."
    ),
]


@router.get(
    "/talent/grid",
    response_model=GridPublic,
    summary="Nine-box grid: performance in the scoring window against potential",
    responses=problems(403, 422),
)
def get_grid(
    principal: Reader, session: SessionDep, as_of: AsOf = None, family: Family = None
) -> GridPublic:
    result = talent.grid(session, principal.organization_id, as_of=as_of, family=family)
    return grid_out(result.as_of, result.grid)


@router.get(
    "/talent/grid.svg",
    response_class=Response,
    summary="The nine-box grid as an SVG picture with each cell's count",
    responses=svg_problems(403, 422),
)
def get_grid_svg(
    principal: Reader, session: SessionDep, as_of: AsOf = None, family: Family = None
) -> Response:
    result = talent.grid(session, principal.organization_id, as_of=as_of, family=family)
    return svg(grid_svg(result.grid, as_of=result.as_of, family=family))


@router.get(
    "/succession/coverage",
    response_model=CoveragePublic,
    summary="Coverage of the critical positions: incumbents, ready-now successors, risk",
    responses=problems(403, 422),
)
def get_coverage(principal: Reader, session: SessionDep, as_of: AsOf = None) -> CoveragePublic:
    result = coverage.coverage(session, principal.organization_id, as_of=as_of)
    return coverage_out(result)
