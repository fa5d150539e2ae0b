"""Response headers every answer carries for safety, as one small ASGI middleware.

`X-Content-Type-Options: nosniff` on every response, so a browser never reads a JSON or SVG
answer as something else. `Cache-Control: no-store` on every answer of the API that may
carry personal data, so no shared or browser cache keeps a copy: people, their events,
readiness, comparisons with a person, timelines, candidate slates, reports, keys. The rule
is by default: under `/v1` every answer is `no-store` except the few known to hold none
(the job architecture, the scoring policy, observed paths, a comparison of two positions),
so a route added later is private until someone says otherwise. A route that sets its own
`Cache-Control` keeps it.
"""

from __future__ import annotations

import re

from starlette.types import Message, Receive, Scope, Send

from app.asgi import HttpMiddleware

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")

# Paths under /v1 whose answers hold no personal data.
_SHAREABLE = re.compile(
    r"^/v1/(?:positions(?:/[^/]+)?|scoring-policy(?:/.*)?|mobility/paths|comparisons)/?$"
)


def carries_personal_data(path: str, query_string: bytes) -> bool:
    """Return whether an answer to this API path may name or describe a person."""
    if not path.startswith("/v1/"):
        return False
    if path.rstrip("/") in ("/v1/healthz", "/v1/readyz", "/v1/metrics"):
        return False
    if _SHAREABLE.match(path) is None:
        return True
    # A comparison with `employee_id` speaks of that person's salary and requirements.
    return path.rstrip("/") == "/v1/comparisons" and b"employee_id=" in query_string


class SecurityHeadersMiddleware(HttpMiddleware):
    """Add `nosniff` to every response and `no-store` to answers with personal data."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        private = carries_personal_data(str(scope.get("path", "")), scope.get("query_string", b""))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                if NOSNIFF[0] not in names:
                    headers.append(NOSNIFF)
                if private and NO_STORE[0] not in names:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
