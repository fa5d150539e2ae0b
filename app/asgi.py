"""The base of the service's pure ASGI middleware (request context, security headers, body
limit): each acts on HTTP requests only and hands anything else (the lifespan) straight
to the app, untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Calls `handle` for an HTTP request and passes any other scope through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request; a subclass wraps `self.app` here."""
        raise NotImplementedError
