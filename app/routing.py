"""The request wrapper every API route runs in.

`ApiRoute` does, in this order, what must happen before the body is read and after the
route returns: authenticate the key and check its scope (so a bad key with a bad body is a
401), claim the `Idempotency-Key`, run the route in one session, then commit (or roll back)
and store the response for replay, all before the response leaves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth import KEYS, Authorize, Principal, Scope, bearer_token, check_scope, lookup_key
from app.db import get_database
from app.errors import UnsupportedMediaType, to_response
from app.services import idempotency

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def required_scope(dependant: Dependant) -> Scope | None:
    """Return the scope an `Authorize` dependency anywhere in the tree asks for."""
    for dep in dependant.dependencies:
        if isinstance(dep.call, Authorize):
            return dep.call.scope
        found = required_scope(dep)
        if found is not None:
            return found
    return None


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _employee_of(request: Request, response: Response) -> str | None:
    """Return the person a write touched, so erasure can find its idempotency record."""
    if "employee_id" in request.path_params:
        return str(request.path_params["employee_id"])
    if request.url.path.rstrip("/").endswith("/employees") and response.status_code == 201:
        try:
            return str(json.loads(bytes(response.body))["id"])
        except (ValueError, KeyError, TypeError):
            return None
    return None


async def _authenticate(request: Request, needed: Scope | None, writes: bool) -> Principal | None:
    """Check the bearer key and its scope; keep the principal on the request."""
    if needed is None:
        return None
    token = bearer_token(request)
    principal = KEYS.get(token)
    if principal is None:
        if writes:
            # A write session on SQLite takes the write lock at BEGIN; look the key up
            # outside it, so the idempotency claim's own transaction can run.
            principal = await run_in_threadpool(_lookup_in_own_transaction, token)
        else:
            principal = await run_in_threadpool(lookup_key, request.state.session, token)
        if principal is not None:
            KEYS.put(token, principal)
    request.state.principal = check_scope(principal, needed)
    return principal


def _lookup_in_own_transaction(token: str) -> Principal | None:
    with get_database().transaction(write=False) as session:
        return lookup_key(session, token)


def _finish(
    session: Session,
    *,
    ok: bool,
    claim: idempotency.Claim | None,
    response: Response,
    employee_id: str | None,
    ttl_hours: int,
) -> None:
    """End the request's transaction in one trip to the thread pool.

    On success the stored replay commits with the request's own work. On a client error
    the work rolls back and the replay is stored on its own; on a server error the claim is
    released so a retry runs again.
    """
    try:
        if ok:
            if claim is not None:
                idempotency.complete(
                    session,
                    claim=claim,
                    status_code=response.status_code,
                    headers=dict(response.headers),
                    body=bytes(response.body),
                    employee_id=employee_id,
                    ttl_hours=ttl_hours,
                )
            session.commit()
            return
        session.rollback()
    finally:
        session.close()
    if claim is None:
        return
    if response.status_code < 500:
        with get_database().transaction() as own:
            idempotency.complete(
                own,
                claim=claim,
                status_code=response.status_code,
                headers=dict(response.headers),
                body=bytes(response.body),
                employee_id=employee_id,
                ttl_hours=ttl_hours,
            )
    else:
        idempotency.release(get_database(), claim=claim)


def _abandon(session: Session, claim: idempotency.Claim | None) -> None:
    """Roll back after a failed commit and free the claim (or let it go stale)."""
    try:
        session.rollback()
        session.close()
    finally:
        if claim is not None:
            with suppress(Exception):
                idempotency.release(get_database(), claim=claim)


class ApiRoute(APIRoute):
    """An APIRoute that authenticates first and owns the request's transaction."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()
        needed = required_scope(self.dependant)
        writes = not (self.methods or set()) <= READ_METHODS
        takes_json = self.body_field is not None

        async def handler(request: Request) -> Response:
            settings = request.app.state.settings
            retry_after = settings.retry_after_seconds
            db = get_database()
            session = db.session(write=writes)
            request.state.session = session
            claim: idempotency.Claim | None = None
            try:
                principal = await _authenticate(request, needed, writes)
                if takes_json and await request.body():
                    if not _is_json(request.headers.get("content-type")):
                        raise UnsupportedMediaType(
                            "Send the body as `Content-Type: application/json`."
                        )
                key = request.headers.get("idempotency-key")
                # Streamed bodies (imports) dedupe by event key instead.
                if principal and takes_json and request.method == "POST" and key is not None:
                    wanted = idempotency.Claim(
                        organization_id=principal.organization_id,
                        method=request.method,
                        path=request.url.path,
                        key=idempotency.check_key(key),
                    )
                    # A refused claim (in flight, other body) is answered, never stored.
                    replay = await run_in_threadpool(
                        idempotency.claim, db, claim=wanted, body=await request.body()
                    )
                    if replay is None:
                        claim = wanted
                    else:
                        await run_in_threadpool(session.close)
                        headers = {**replay.headers, "Idempotent-Replayed": "true"}
                        return Response(replay.body, replay.status_code, headers=headers)
                response = await inner(request)
            except Exception as exc:  # every error becomes problem+json
                response = to_response(exc, request, retry_after_seconds=retry_after)
            try:
                await run_in_threadpool(
                    _finish,
                    session,
                    ok=response.status_code < 400,
                    claim=claim,
                    response=response,
                    employee_id=_employee_of(request, response),
                    ttl_hours=settings.idempotency_ttl_hours,
                )
            except Exception as exc:  # the commit itself, or the database going away
                await run_in_threadpool(_abandon, session, claim)
                return to_response(exc, request, retry_after_seconds=retry_after)
            return response

        return handler
