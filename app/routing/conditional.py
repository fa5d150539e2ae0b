"""Conditional GET: an answer that carries an `ETag` is a 304 without a body when the
request's `If-None-Match` names that tag (RFC 9110 13.1.2: weak comparison, or `*`).

Routes that can tell their tag before doing the work (readiness, comparisons: the tag is
made of the versions their first statement reads) answer 304 themselves through
`not_modified`; for every other tagged answer this part turns the 200 into a 304 after the
route ran, so a caller that polls still pays no transfer.
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.routing.authenticate import Handler

# Headers a 304 keeps from the 200 it stands for (RFC 9110 15.4.5).
_KEPT = ("etag", "cache-control", "content-location", "date", "expires", "vary")


def matches(if_none_match: str | None, etag: str) -> bool:
    """Return whether `If-None-Match` names `etag` (weak comparison) or is `*`."""
    if not if_none_match:
        return False
    bare = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == bare:
            return True
    return False


def not_modified(etag: str, headers: dict[str, str] | None = None) -> Response:
    """Return the 304 that stands for an unchanged answer tagged `etag`."""
    return Response(status_code=304, headers={**(headers or {}), "ETag": etag})


def conditional(request: Request, response: Response) -> Response:
    """Return a 304 for a 200 whose tag the request already holds, else the response."""
    if response.status_code != 200:
        return response
    etag = response.headers.get("etag")
    if etag is None or not matches(request.headers.get("if-none-match"), etag):
        return response
    return not_modified(etag, {k: v for k, v in response.headers.items() if k in _KEPT})


class ConditionalRoute(APIRoute):
    """Answers 304 to a GET whose `If-None-Match` names the answer's `ETag`."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()
        if not (self.methods or set()) <= {"GET", "HEAD"}:
            return inner

        async def handler(request: Request) -> Response:
            response = await inner(request)
            if "if-none-match" not in request.headers:
                return response
            return conditional(request, response)

        return handler
