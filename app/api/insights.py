"""Comparison of two positions and promotion readiness of one person."""

from typing import Annotated, TypeVar

from fastapi import Query

from app.api.common import DEFAULT_PAGE, Cursor, Limit, problems, router
from app.api.presenters import (
    candidate_out,
    comparison_public,
    path_out,
    readiness_public,
)
from app.auth import Reader
from app.db import SessionDep
from app.domain.readiness import Band
from app.schemas.common import Day, Page
from app.schemas.comparisons import ComparisonPublic
from app.schemas.readiness import CandidateOut, PathOut, ReadinessPublic
from app.services import candidates, comparisons, paths, readiness
from app.services.pagination import cursor_int, decode_cursor, encode_cursor

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
    return cursor_int(offset)


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
