"""The request path every API route walks, composed from small parts, each in its own file.

`ApiRoute` stacks them, outermost first (Python's method resolution order is the order of
the bases; each part wraps the handler of the part after it):

1. `ProblemRoute`: any error a part raises becomes problem+json.
2. `AuthenticatedRoute` (authenticate.py): the bearer key and its scope, first of all.
3. `AdmittedRoute` (admit.py): unusable input refused, the JSON body read within a time
   bound, before any slot is taken.
4. `LanedRoute` (lanes.py): a place at the database gate (heavy reads first in their own
   lane, uploads in theirs), within one wait budget.
5. `ConditionalRoute` (conditional.py): a tagged answer the caller holds becomes a 304.
6. `TransactionRoute` (transaction.py): the session, the `Idempotency-Key` claim and its
   lease, commit or roll back, the replay stored with the work.
7. `OneStepRoute` (run.py): a `def` route and the encoding of its answer in one step.

Before any of them, `limits.BodyLimitMiddleware` (an ASGI middleware, installed in
`app.main`) bounds a body's size and pace as it is read.

Routers declare routes as FastAPI documents (`APIRouter(route_class=ApiRoute)`, see
`app.api.common.router`) and ask for a key with `Authorize(scope)` (`Reader`, `Writer`,
`Admin`). What this package relies on from FastAPI beyond its documented API is pinned by
tests/api/test_routing_parts.py.
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.errors import to_response
from app.routing.admit import AdmittedRoute
from app.routing.authenticate import AuthenticatedRoute, Handler
from app.routing.conditional import ConditionalRoute, conditional_get, not_modified
from app.routing.gates import database_gate, heavy_lane, work_gate
from app.routing.lanes import LanedRoute, heavy, stores_nothing
from app.routing.run import OneStepRoute
from app.routing.transaction import TransactionRoute, keep_claimed

__all__ = [
    "ApiRoute",
    "conditional_get",
    "database_gate",
    "heavy",
    "heavy_lane",
    "keep_claimed",
    "not_modified",
    "stores_nothing",
    "work_gate",
]


class ProblemRoute(APIRoute):
    """Renders whatever the parts inside it raise as problem+json."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await inner(request)
            except Exception as exc:  # every error becomes problem+json
                retry_after = request.app.state.settings.retry_after_seconds
                return to_response(exc, request, retry_after_seconds=retry_after)

        return handler


class ApiRoute(
    ProblemRoute,
    AuthenticatedRoute,
    AdmittedRoute,
    LanedRoute,
    ConditionalRoute,
    TransactionRoute,
    OneStepRoute,
):
    """An APIRoute that authenticates first, admits input, waits its turn, and owns the
    request's transaction."""
