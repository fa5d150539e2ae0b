"""Lanes: which gates a request waits at before it touches the database.

Every request that uses the database takes a place at the database gate. A heavy read
(mobility paths, a candidate slate, a report: seconds of work on a large organization)
first takes a place in the heavy lane, which has fewer places than the work gate, so one
tenant's heavy reads can hold at most those and light requests of every organization keep
answering. A streamed upload (an import) waits in the upload lane instead of the database
gate: its body arrives over seconds and must not hold a place other requests need.

All waits of one request share one budget, `DB_POOL_TIMEOUT` (the time a request would wait
for a connection), kept on `request.state.turn_deadline`; past it the answer is a 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.routing.authenticate import Handler
from app.routing.gates import database_gate, heavy_lane, take_turn, upload_lane

# Path segments of heavy reads: whatever router declares them, they run in the heavy lane.
HEAVY_SEGMENTS = frozenset(
    {
        "paths",
        "routes",
        "candidates",
        "reports",
        "fairness",
        "opportunities",
        "succession",
        "talent",
    }
)
_HEAVY = "__heavy_read__"
_STORES_NOTHING = "__stores_nothing__"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def heavy(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route's endpoint as a heavy read (for one whose path does not say so)."""
    setattr(endpoint, _HEAVY, True)
    return endpoint


def stores_nothing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route that only reads whatever its method (a POST what-if): it runs on a read
    session, and its `Idempotency-Key` is not claimed, as there is nothing to replay."""
    setattr(endpoint, _STORES_NOTHING, True)
    return endpoint


def reads_only(methods: set[str] | None, endpoint: Callable[..., Any]) -> bool:
    """Return whether a route only reads: a GET (HEAD, OPTIONS), or marked `stores_nothing`."""
    return (bool(methods) and set(methods or ()) <= READ_METHODS) or bool(
        getattr(endpoint, _STORES_NOTHING, False)
    )


def is_heavy(path: str, endpoint: Callable[..., Any]) -> bool:
    """Return whether a GET route is a heavy read: marked, or named so by its path."""
    segments = {s for s in path.split("/") if s and not s.startswith("{")}
    return bool(getattr(endpoint, _HEAVY, False) or segments & HEAVY_SEGMENTS)


async def _through(gates: list[asyncio.Semaphore], request: Request, inner: Handler) -> Response:
    settings = request.app.state.settings
    deadline = asyncio.get_running_loop().time() + settings.db_pool_timeout
    request.state.turn_deadline = deadline
    taken: list[asyncio.Semaphore] = []
    try:
        for gate in gates:
            await take_turn(gate, deadline, settings)
            taken.append(gate)
        return await inner(request)
    finally:
        for gate in reversed(taken):
            gate.release()


class LanedRoute(APIRoute):
    """Waits for a place in the route's lane and at the database gate, within one budget."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()
        reads = bool(self.methods) and (self.methods or set()) <= {"GET", "HEAD"}
        streams = not reads and self.body_field is None and "POST" in (self.methods or ())
        heavy_read = reads and is_heavy(self.path, self.endpoint)

        async def handler(request: Request) -> Response:
            if streams:
                return await _through([upload_lane()], request, inner)
            if heavy_read:
                settings = request.app.state.settings
                return await _through([heavy_lane(settings), database_gate()], request, inner)
            return await _through([database_gate()], request, inner)

        return handler
