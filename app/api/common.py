"""What every router shares: the route class, list parameters and pages, versions in
`ETag`, SVG answers and documented errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Query, Response

from app.routing import ApiRoute, conditional_get
from app.schemas.common import Page, Problem
from app.services.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    cursor_int,
    decode_cursor,
    encode_cursor,
)
from app.services.positions import etag

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

SVG = "image/svg+xml"


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI `responses` entries for these error statuses (plus 401 and 503)."""
    wanted = sorted({401, 503, *statuses})
    return {s: {"model": Problem, "description": DESCRIPTIONS[s]} for s in wanted}


def svg_problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI `responses` of a route that answers an SVG document."""
    return {200: {"content": {SVG: {}}, "description": "An SVG document."}, **problems(*statuses)}


def svg(document: str) -> Response:
    """Return an SVG document as the answer."""
    return Response(document, media_type=SVG)


def api_router(prefix: str, tag: str) -> APIRouter:
    """Return a router whose routes authenticate first and own their transaction."""
    return APIRouter(prefix=prefix, tags=[tag], route_class=ApiRoute)


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1..{MAX_LIMIT}.")]
Cursor = Annotated[
    str | None,
    Query(max_length=500, description="The `next_cursor` of the previous page."),
]
DEFAULT_PAGE = DEFAULT_LIMIT


IfMatch = Annotated[
    str | None,
    Header(description='The `ETag` you read, e.g. `"3"`; a stale one is a 412.'),
]

T = TypeVar("T")
R = TypeVar("R")


def tagged(response: Response, version: int, body: T) -> T:
    """Return the body of a versioned resource, its version named in the `ETag` header."""
    response.headers["ETag"] = etag(version)
    return body


def page(found: tuple[Sequence[R], str | None], present: Callable[[R], T]) -> Page[T]:
    """Return one page of what a list found, each item as `present` shows it."""
    rows, next_cursor = found
    return Page(items=[present(r) for r in rows], next_cursor=next_cursor)


def page_of(items: list[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """Return one page of a list computed whole (offset cursors), and the next cursor."""
    start = 0 if cursor is None else cursor_int(decode_cursor(cursor, arity=1)[0])
    more = start + limit < len(items)
    return items[start : start + limit], encode_cursor([start + limit]) if more else None
