"""Admit input: refuse what no route could use, and read a JSON body in full, within a time
bound, before the request takes any database or work slot.

Runs after authentication (a bad key is a 401 whatever the body). A declared body over the
size limit is a 413; a NUL character (which PostgreSQL cannot store or compare) in an ID of
the path or query is a 404, in any other parameter a 422; a body that does not arrive in
`BODY_TIMEOUT_SECONDS` is a 408 and the connection is closed, so a client that sends half a
body and stalls holds nothing any other request needs. A streamed body (an import) is read
by its route: `limits.BodyLimitMiddleware` makes each chunk arrive within the same bound.
"""

from __future__ import annotations

import asyncio

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.errors import (
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
    ValidationFailed,
)
from app.routing.authenticate import Handler

# Every id is a UUID: a longer one in the path or query names nothing (a 404, SPEC 8), and
# must not reach a column it would overflow (an idempotency record names the person).
MAX_ID_LENGTH = 36

# Query parameters that name a resource: a bad value there is a 404, like one in the path.
ID_QUERY_PARAMS = frozenset(
    {"from_position_id", "to_position_id", "employee_id", "target_position_id"}
)


def refuse_bad_input(request: Request) -> None:
    """Raise for a declared oversize body, or a NUL character or an over-long id in a
    parameter: in an ID of the path or query a 404, in any other parameter a 422."""
    if getattr(request.state, "body_too_large", False):
        limit = getattr(request.state, "body_limit", 0)
        raise PayloadTooLarge(f"The body is larger than {limit:,} bytes.")
    if any("\x00" in str(v) or len(str(v)) > MAX_ID_LENGTH for v in request.path_params.values()):
        raise NotFound("No such resource in this organization.")
    for name, value in request.query_params.multi_items():
        if name in ID_QUERY_PARAMS and len(value) > MAX_ID_LENGTH:
            raise NotFound(f"No resource {name}={value[:40]!r}... in this organization.")
        if "\x00" in value or "\x00" in name:
            if name in ID_QUERY_PARAMS:
                raise NotFound(f"No resource {name}={value!r} in this organization.")
            raise ValidationFailed.one(name, "must not contain NUL characters", "query")


def is_json(content_type: str | None) -> bool:
    """Return whether a Content-Type names JSON (`application/json` or `+json`)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _too_slow(seconds: float) -> RequestTimeout:
    return RequestTimeout(
        f"The request body did not arrive within {seconds:g} seconds.",
        headers={"Connection": "close"},
    )


async def read_body(request: Request, seconds: float) -> bytes:
    """Return the whole body, or raise 408 when it takes longer than `seconds`."""
    try:
        return await asyncio.wait_for(request.body(), timeout=seconds)
    except TimeoutError:
        raise _too_slow(seconds) from None


class AdmittedRoute(APIRoute):
    """Refuses unusable input and reads the JSON body before any slot is taken."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()
        takes_json = self.body_field is not None

        async def handler(request: Request) -> Response:
            refuse_bad_input(request)
            seconds = request.app.state.settings.body_timeout_seconds
            # A streamed body (an import) is bounded chunk by chunk: see BodyLimitMiddleware.
            if takes_json and await read_body(request, seconds):
                if not is_json(request.headers.get("content-type")):
                    raise UnsupportedMediaType("Send the body as `Content-Type: application/json`.")
            return await inner(request)

        return handler
