"""Comparison of two positions and promotion readiness of one person."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Query, Response
from pydantic import BaseModel

from app.api.common import (
    DEFAULT_PAGE,
    Cursor,
    Limit,
    api_router,
    conditional_get,
    page,
    page_of,
    problems,
)
from app.api.presenters import (
    candidate_out,
    comparison_public,
    path_out,
    readiness_public,
    route_out,
)
from app.auth import Reader
from app.db import SessionDep
from app.domain.readiness import Band
from app.domain.routes import MAX_STEPS
from app.routing import not_modified
from app.routing.conditional import matches
from app.schemas.common import Day, Page
from app.schemas.comparisons import ComparisonPublic
from app.schemas.readiness import CandidatePublic, PathPublic, ReadinessPublic, RoutePublic
from app.services import candidates, comparisons, paths, readiness, routes
from app.services.answers import ANSWERS, tag_of
from app.services.catalog import Catalog, with_history
from app.services.employees import today

router = api_router("", "insights")

Id = Annotated[str, Query(max_length=100)]
# Read by the route, documented by the 304 answer it can give.
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


def _answer(
    session: SessionDep,
    organization_id: str,
    *,
    employee_id: str | None,
    inputs: tuple[Any, ...],
    if_none_match: str | None,
    build: Callable[[tuple[Catalog, int | None]], BaseModel],
) -> Response:
    """Answer from the versions read first: a 304 when the caller holds the tag, the stored
    bytes when this process built that answer before, else `build()` (stored under the tag).

    Without the person (no such employee), `build` runs and raises its own 404.
    """
    read = catalog, history = with_history(session, organization_id, employee_id)
    if employee_id is not None and history is None:
        build(read)
    tag = tag_of(catalog.version, history, *inputs)
    if matches(if_none_match, tag):
        return not_modified(tag)
    body = ANSWERS.get(organization_id, employee_id, tag)
    if body is None:
        model = build(read)
        body = model.__pydantic_serializer__.to_json(model, by_alias=True)
        ANSWERS.put(organization_id, employee_id, tag, body)
    return Response(body, media_type="application/json", headers={"ETag": tag})


@router.get(
    "/comparisons",
    response_model=ComparisonPublic,
    summary="Classify a move A -> B (promotion, lateral, demotion), optionally for a person",
    responses=problems(403, 404, 422),
)
@conditional_get
def compare_positions(
    from_position_id: Id,
    to_position_id: Id,
    principal: Reader,
    session: SessionDep,
    employee_id: Annotated[str | None, Query(max_length=100)] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    def build(read: tuple[Catalog, int | None]) -> ComparisonPublic:
        result = comparisons.compare(
            session,
            principal.organization_id,
            from_position_id=from_position_id,
            to_position_id=to_position_id,
            employee_id=employee_id,
            read=read,
        )
        return comparison_public(result)

    day = today() if employee_id is not None else None
    return _answer(
        session,
        principal.organization_id,
        employee_id=employee_id,
        inputs=("comparison", from_position_id, to_position_id, employee_id, day),
        if_none_match=if_none_match,
        build=build,
    )


@router.get(
    "/employees/{employee_id}/readiness",
    response_model=ReadinessPublic,
    summary="Promotion readiness (0-100) with evidence, gaps and next steps",
    responses=problems(403, 404, 422),
)
@conditional_get
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
    if_none_match: IfNoneMatch = None,
) -> Response:
    day = as_of or today()

    def build(read: tuple[Catalog, int | None]) -> ReadinessPublic:
        result = readiness.readiness(
            session,
            principal.organization_id,
            employee_id,
            target_position_id=target_position_id,
            as_of=day,
            read=read,
        )
        return readiness_public(result)

    return _answer(
        session,
        principal.organization_id,
        employee_id=employee_id,
        inputs=("readiness", employee_id, target_position_id, day),
        if_none_match=if_none_match,
        build=build,
    )


@router.get(
    "/positions/{position_id}/candidates",
    response_model=Page[CandidatePublic],
    summary="Succession slate: active employees ranked by readiness for a position",
    responses=problems(403, 404, 422),
)
@conditional_get(by_content=True)
def list_candidates(
    position_id: str,
    principal: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
    min_band: Annotated[
        Band | None, Query(description="Only candidates in this band or a readier one.")
    ] = None,
    as_of: Annotated[
        Day | None, Query(description="Rank as of this day; today if omitted.")
    ] = None,
) -> Page[CandidatePublic]:
    result = candidates.slate(
        session, principal.organization_id, position_id, as_of=as_of, min_band=min_band
    )
    return page(page_of(result.candidates, limit, cursor), candidate_out)


@router.get(
    "/mobility/paths",
    response_model=Page[PathPublic],
    summary="Moves people actually made out of a position, most frequent first",
    responses=problems(403, 404, 422),
)
def list_paths(
    from_position_id: Id,
    principal: Reader,
    session: SessionDep,
    since: Annotated[Day | None, Query(description="Only moves on or after this day.")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[PathPublic]:
    result = paths.paths_from(session, principal.organization_id, from_position_id, since=since)
    return page(page_of(result.paths, limit, cursor), lambda p: path_out(p, result.codes))


# A position in the query: any text, so that an unknown id of any length is a 404 (SPEC 8).
PositionInQuery = Annotated[str, Query(description="A position ID of this organization.")]


@router.get(
    "/mobility/routes",
    response_model=Page[RoutePublic],
    summary="Chains of positions people actually held from one position to another",
    description=(
        "Runs of consecutive spells (each ended by the move that started the next; an exit "
        "breaks the run) that start in `from_position_id` and reach `to_position_id` in at "
        "most `max_steps` moves, counted from the last time the person left the first "
        "position. A person counts once a route, with the months of their first trip on it. "
        "Most frequent first; ties: fewer moves, then the shorter median, then the position "
        "IDs in order."
    ),
    responses=problems(403, 404, 422),
)
def list_routes(
    from_position_id: PositionInQuery,
    to_position_id: PositionInQuery,
    principal: Reader,
    session: SessionDep,
    max_steps: Annotated[
        int, Query(ge=1, le=MAX_STEPS, description=f"Most moves on a route, 1..{MAX_STEPS}.")
    ] = 3,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[RoutePublic]:
    found = routes.routes_between(
        session,
        principal.organization_id,
        from_position_id=from_position_id,
        to_position_id=to_position_id,
        max_steps=max_steps,
    )
    return page(page_of(found, limit, cursor), route_out)
