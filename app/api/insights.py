"""Comparison of two positions and promotion readiness of one person."""

from typing import Annotated, TypeVar

from fastapi import Query

from app.api.common import DEFAULT_PAGE, Cursor, Limit, problems, router
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
from app.errors import ValidationFailed
from app.schemas.common import Day, Page
from app.schemas.comparisons import ComparisonPublic
from app.schemas.readiness import CandidateOut, PathOut, ReadinessPublic, RouteOut
from app.services import candidates, comparisons, paths, readiness, routes
from app.services.pagination import decode_cursor, encode_cursor

api = router("", "insights")
T = TypeVar("T")

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


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    (offset,) = decode_cursor(cursor, arity=1)
    if not isinstance(offset, int) or offset < 0:
        raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
    return offset


def _page(items: list[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    start = _offset(cursor)
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return chunk, encode_cursor([start + limit]) if more else None


@api.get(
    "/positions/{position_id}/candidates",
    response_model=Page[CandidateOut],
    summary="Succession slate: active employees ranked by readiness for a position",
    responses=problems(403, 404, 422),
)
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
) -> Page[CandidateOut]:
    result = candidates.slate(
        session, principal.organization_id, position_id, as_of=as_of, min_band=min_band
    )
    chunk, next_cursor = _page(result.candidates, limit, cursor)
    return Page(items=[candidate_out(c) for c in chunk], next_cursor=next_cursor)


@api.get(
    "/mobility/paths",
    response_model=Page[PathOut],
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
) -> Page[PathOut]:
    result = paths.paths_from(session, principal.organization_id, from_position_id, since=since)
    chunk, next_cursor = _page(result.paths, limit, cursor)
    return Page(items=[path_out(p, result.codes) for p in chunk], next_cursor=next_cursor)


# A position in the query: any text, so that an unknown id of any length is a 404 (SPEC 8).
PositionInQuery = Annotated[str, Query(description="A position ID of this organization.")]


@api.get(
    "/mobility/routes",
    response_model=Page[RouteOut],
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
) -> Page[RouteOut]:
    found = routes.routes_between(
        session,
        principal.organization_id,
        from_position_id=from_position_id,
        to_position_id=to_position_id,
        max_steps=max_steps,
    )
    chunk, next_cursor = _page(found, limit, cursor)
    return Page(items=[route_out(r) for r in chunk], next_cursor=next_cursor)
