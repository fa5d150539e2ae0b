"""The body's size and pace, bounded as it is read: the limits on input that apply before
any route runs (`admit.py` applies the rest once the key is checked).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.asgi import HttpMiddleware
from app.errors import PayloadTooLarge, RequestTimeout


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse request bodies past a size limit with a 413 problem+json.

    A declared `Content-Length` over the limit is flagged for the route to refuse once the
    key is checked; a body that grows past the limit while read raises `PayloadTooLarge`
    inside the app, which renders it.
    Paths under a prefix in `larger` get their own limit (bulk imports). Each chunk of a
    body must arrive within `chunk_seconds` of asking for it, or `RequestTimeout` (408) is
    raised inside the app: a stalled upload ends instead of holding its place.
    """

    def __init__(
        self, app: ASGIApp, *, limit: int, larger: dict[str, int], chunk_seconds: float
    ) -> None:
        super().__init__(app)
        self.limit = limit
        self.larger = larger
        self.chunk_seconds = chunk_seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        limit = next((n for p, n in self.larger.items() if path.startswith(p)), self.limit)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        # The route refuses a declared oversize body right after authentication (a bad key
        # is still a 401): see `app.routing`. Here only the bytes actually read are counted.
        scope.setdefault("state", {})["body_too_large"] = (
            declared is not None and declared.isdigit() and int(declared) > limit
        )
        scope["state"]["body_limit"] = limit
        seen = 0
        complete = False

        async def counted() -> Message:
            nonlocal seen, complete
            if complete:  # after the body: a wait for the disconnect, not for bytes
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout=self.chunk_seconds)
            except TimeoutError:
                raise RequestTimeout(
                    f"The request body stalled for {self.chunk_seconds:g} seconds.",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                complete = not message.get("more_body", False)
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(f"The body is larger than {limit:,} bytes.")
            return message

        await self.app(scope, counted, send)
