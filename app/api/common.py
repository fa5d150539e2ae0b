"""What every router shares: the route class, list parameters and documented errors."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from app.errors import ValidationFailed
from app.routing import ApiRoute, conditional_get
from app.schemas.common import Problem
from app.services.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor

DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No API key, or an unknown one (`WWW-Authenticate: Bearer`).",
    403: "The key lacks the scope this operation needs.",
    404: "No such resource in the calling organization.",
    409: "The request conflicts with the current state.",
    412: "`If-Match` names a version that is no longer current.",
    413: "The request body is too large.",
    415: "The body is not `application/json`.",
    422: "Well-formed request with bad fields; `errors` names each one.",
    503: "The database is unreachable; retry after `Retry-After` seconds.",
}


__all__ = ["conditional_get", "problems", "api_router"]


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI `responses` entries for these error statuses (plus 401 and 503)."""
    wanted = sorted({401, 503, *statuses})
    return {s: {"model": Problem, "description": DESCRIPTIONS[s]} for s in wanted}


def api_router(prefix: str, tag: str) -> APIRouter:
    """Return a router whose routes authenticate first and own their transaction."""
    return APIRouter(prefix=prefix, tags=[tag], route_class=ApiRoute)


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1..{MAX_LIMIT}.")]
Cursor = Annotated[
    str | None,
    Query(max_length=500, description="The `next_cursor` of the previous page."),
]
DEFAULT_PAGE = DEFAULT_LIMIT


T = TypeVar("T")


def page_of(items: list[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """Return one page of a list computed whole (offset cursors), and the next cursor."""
    start = 0
    if cursor is not None:
        (start,) = decode_cursor(cursor, arity=1)
        if not isinstance(start, int) or start < 0:
            raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
    more = start + limit < len(items)
    return items[start : start + limit], encode_cursor([start + limit]) if more else None
