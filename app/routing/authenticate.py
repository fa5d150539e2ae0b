"""Authenticate: the bearer key becomes the calling organization before anything else runs.

A route asks for a scope with the `Authorize(scope)` dependency (`Reader`, `Writer`,
`Admin`); this part finds that marker once, when the route is built, and checks the key
first on every request, so a bad key with a bad body is a 401, never a 422. The verified
principal is left on `request.state` for the marker to hand to the route.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.auth import KEYS, Authorize, Principal, Scope, bearer_token, check_scope, lookup_key
from app.db import get_database

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def required_scope(dependant: Any) -> Scope | None:
    """Return the scope an `Authorize` dependency anywhere in the route's tree asks for.

    `dependant` is FastAPI's resolved dependency tree (`APIRoute.dependant`): each node has
    `.call` and `.dependencies` (pinned by tests/api/test_routing_parts.py).
    """
    for dep in dependant.dependencies:
        if isinstance(dep.call, Authorize):
            return dep.call.scope
        found = required_scope(dep)
        if found is not None:
            return found
    return None


def _lookup(token: str) -> Principal | None:
    with get_database().transaction(write=False) as session:
        return lookup_key(session, token)


async def authenticate(request: Request, needed: Scope) -> Principal:
    """Return the principal of the request's key if it holds `needed`; 401/403 otherwise.

    Recently verified keys come from the process's cache; an unknown one is looked up in
    its own short read transaction.
    """
    token = bearer_token(request)
    principal = KEYS.get(token)
    if principal is None:
        principal = await run_in_threadpool(_lookup, token)
        if principal is not None:
            KEYS.put(token, principal)
    principal = check_scope(principal, needed)
    request.state.principal = principal
    return principal


class AuthenticatedRoute(APIRoute):
    """Checks the key and its scope before the rest of the route runs."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()
        needed = required_scope(self.dependant)
        if needed is None:
            return inner

        async def handler(request: Request) -> Response:
            await authenticate(request, needed)
            return await inner(request)

        return handler
