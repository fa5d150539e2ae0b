"""Conditional GET: an answer that carries an `ETag` is a 304 without a body when the
request's `If-None-Match` names that tag (RFC 9110 13.1.2: weak comparison, or `*`).

A route opts in with `@conditional_get` when its `ETag` stands for its whole answer (a
position's version does; an employee's does not: it versions the record, while the answer
also shows what the history derives), or `@conditional_get(by_content=True)` to be tagged
by a hash of its body. The marker also documents the `ETag` header and the 304.

Routes that can tell their tag before doing the work (readiness, comparisons: the tag is
made of the versions their first statement reads) answer 304 themselves through
`not_modified`; for every other tagged answer this part turns the 200 into a 304 after the
route ran, so a caller that polls still pays no transfer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.routing.authenticate import Handler

_MARK = "__conditional_get__"
ETAG_HEADER = {
    "ETag": {
        "description": "Tags this answer; send it back as `If-None-Match` to get a 304 "
        "while the answer is unchanged.",
        "schema": {"type": "string"},
    }
}
NOT_MODIFIED = {
    "description": "Not modified: `If-None-Match` names the current `ETag`; no body.",
    "headers": ETAG_HEADER,
}


def conditional_get(endpoint: Callable[..., Any] | None = None, *, by_content: bool = False) -> Any:
    """Mark a GET route as answering 304 to an `If-None-Match` naming its `ETag`."""

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        setattr(fn, _MARK, "content" if by_content else "header")
        return fn

    return mark if endpoint is None else mark(endpoint)


def content_tag(body: bytes) -> str:
    """Return a strong ETag made of a body's bytes."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


# Headers a 304 keeps from the 200 it stands for (RFC 9110 15.4.5).
_KEPT = ("cache-control", "content-location", "date", "expires", "vary")


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

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.conditional = getattr(endpoint, _MARK, None)
        if self.conditional is not None:
            responses = dict(kwargs.get("responses") or {})
            responses[200] = {**responses.get(200, {}), "headers": ETAG_HEADER}
            responses[304] = NOT_MODIFIED
            kwargs["responses"] = responses
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()
        if self.conditional is None:
            return inner
        by_content = self.conditional == "content"

        async def handler(request: Request) -> Response:
            response = await inner(request)
            if by_content and response.status_code == 200 and "etag" not in response.headers:
                response.headers["ETag"] = content_tag(bytes(response.body))
            if "if-none-match" not in request.headers:
                return response
            return conditional(request, response)

        return handler
