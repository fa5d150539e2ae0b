"""The application factory: routers, error handlers, middleware and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import __version__
from app.api import (
    assessments,
    employees,
    events,
    fairness,
    health,
    imports,
    insights,
    keys,
    person_view,
    policy,
    positions,
    successors,
    talent,
)
from app.config import Settings, get_settings
from app.db import get_database
from app.docs import install_docs
from app.errors import PROBLEM_TYPES, install_handlers
from app.observability import RequestContextMiddleware, configure_logging
from app.openapi import finish
from app.routing.limits import BodyLimitMiddleware
from app.security import SecurityHeadersMiddleware

DESCRIPTION = """
Career events, move classification and promotion readiness, for other services.

* **What happened?** An append-only history of career events per employee.
* **What kind of move is A to B?** Promotion, lateral move or demotion, with level and pay deltas.
* **How ready is this person?** A 0-100 score with evidence, gaps and next steps.

Authenticate with `Authorization: Bearer <api key>`. In Swagger UI, press **Authorize** (below
this text, at the right) and paste the key alone, `cm_...`: the page adds `Bearer ` itself. Get
a key with `career-mobility orgs create NAME`. Keys carry scopes: `read` may GET, `write` may
also change data, `audit` may also read the fairness reports and the assessment log (and
writes nothing), `admin` may do all of that, change the scoring policy, keep demographics,
erase people and manage keys (`/v1/keys`: issue, list, revoke); each operation says the scope
it needs. Every error is `application/problem+json`; its `type` is one of:

""" + "\n".join(f"* `/problems/{slug}`: {text}" for slug, text in PROBLEM_TYPES.items())


# Swagger UI lists the groups in this order; the routers are matched in another (below).
OPENAPI_TAGS = [
    {"name": "positions", "description": "Roles with a level, a pay band and requirements."},
    {"name": "employees", "description": "People, their current state and their timeline."},
    {"name": "events", "description": "A person's append-only history of career events."},
    {
        "name": "insights",
        "description": "Move classification, promotion readiness, slates and paths.",
    },
    {
        "name": "succession",
        "description": "Named successors, talent reviews on the nine-box grid, and coverage "
        "of the critical positions.",
    },
    {"name": "scoring-policy", "description": "The versioned weights behind readiness."},
    {"name": "imports", "description": "Bulk import of career events as NDJSON."},
    {
        "name": "fairness",
        "description": "Demographics kept apart, group reports for bias audits and pay gaps.",
    },
    {"name": "assessments", "description": "Scores used in decisions, frozen, with their review."},
    {"name": "keys", "description": "API keys: issue, list, revoke (admin)."},
    {"name": "health", "description": "Probes and metrics, without a key."},
]


def _operation_id(route: APIRoute) -> str:
    return route.name


# The order the OpenAPI document lists paths in (the order routers were first included).
DOCUMENT_ORDER = (
    insights,
    person_view,
    events,
    employees,
    positions,
    successors,
    talent,
    policy,
    imports,
    fairness,
    assessments,
    keys,
    health,
)


# The order routes are matched in: the document's, with positions (the busiest single
# read) moved up behind the two insight routers; the probes are included apart.
_FIRST = (insights, person_view, positions)
MATCH_ORDER = _FIRST + tuple(m for m in DOCUMENT_ORDER if m not in _FIRST and m is not health)


def _in_document_order(paths: dict[str, Any]) -> dict[str, Any]:
    declared = [f"/v1{r.path}" for m in DOCUMENT_ORDER for r in m.router.routes]
    rank = {path: i for i, path in enumerate(dict.fromkeys(declared))}
    return dict(sorted(paths.items(), key=lambda item: rank.get(item[0], len(rank))))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # `def` routes run in AnyIO's thread pool; size it to the connections a process
        # may hold, so requests wait for a thread rather than for a pool timeout.
        limiter = to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.db_pool_size + settings.db_max_overflow
        get_database()
        yield
        get_database().dispose()

    app = FastAPI(
        title="Career Mobility Service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,
        redoc_url=None,
        openapi_tags=OPENAPI_TAGS,
    )
    app.state.settings = settings
    install_handlers(app, retry_after_seconds=settings.retry_after_seconds)
    # Starlette tries routes in order and each miss costs time (bench/profile_notes.md):
    # the probes, which no prefix shares, come first, then the busiest routers (no two
    # routers' paths overlap, so the order changes nothing else). The OpenAPI document
    # keeps its own order (DOCUMENT_ORDER).
    app.include_router(health.router, include_in_schema=False)
    for module in MATCH_ORDER:
        app.include_router(module.router, prefix="/v1")
    app.include_router(health.router, prefix="/v1")
    install_docs(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Location",
                "X-Request-ID",
                "Idempotent-Replayed",
                "Retry-After",
            ],
        )
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        larger={"/v1/imports": settings.max_import_bytes},
        chunk_seconds=settings.body_timeout_seconds,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            routes = [route for module in DOCUMENT_ORDER for route in module.router.routes]
            schema = finish(original_openapi(), routes)
            schema["paths"] = _in_document_order(schema.get("paths", {}))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
