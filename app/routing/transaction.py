"""The idempotent transaction: one session per request, committed or rolled back by the
wrapper (services only flush), with the `Idempotency-Key` claimed before the route runs and
its response stored in the same commit as the route's work.

A claim is a lease the request renews while it runs (`keep_claimed`), so a retry with the
same key is a 409 for as long as the first request lives, however long it works.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import suppress

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import get_database
from app.errors import to_response
from app.routing.authenticate import Handler
from app.routing.lanes import reads_only
from app.services import idempotency

logger = logging.getLogger("app.routing")


@contextlib.asynccontextmanager
async def keep_claimed(claim: idempotency.Claim, lease_seconds: float) -> AsyncIterator[None]:
    """Renew the claim's lease every third of it while the block runs."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_seconds / 3)
            try:
                await run_in_threadpool(
                    idempotency.renew, get_database(), claim=claim, lease_seconds=lease_seconds
                )
            except Exception as exc:  # noqa: BLE001 - retried on the next beat
                logger.warning("could not renew an idempotency claim: %s", type(exc).__name__)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def _employee_of(request: Request, response: Response) -> str | None:
    """Return the person a write touched, so erasure can find its idempotency record."""
    if "employee_id" in request.path_params:
        return str(request.path_params["employee_id"])
    path = request.url.path.rstrip("/")
    if response.status_code == 201 and path.endswith(("/employees", "/successors")):
        # A new person's id, or the person a new nomination names.
        field = "id" if path.endswith("/employees") else "employee_id"
        try:
            return str(json.loads(bytes(response.body))[field])
        except (ValueError, KeyError, TypeError):
            return None
    return None


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

    def store(into: Session, stored: idempotency.Claim) -> None:
        idempotency.complete(
            into,
            claim=stored,
            status_code=response.status_code,
            headers=dict(response.headers),
            body=bytes(response.body),
            employee_id=employee_id,
            ttl_hours=ttl_hours,
        )

    try:
        if ok:
            if claim is not None:
                store(session, claim)
            session.commit()
            return
        session.rollback()
    finally:
        session.close()
    if claim is None:
        return
    if response.status_code < 500:
        with get_database().transaction() as own:
            store(own, claim)
    else:
        idempotency.release(get_database(), claim=claim)


def _abandon(session: Session, claim: idempotency.Claim | None) -> None:
    """Roll back after a failed commit and free the claim (or let its lease run out)."""
    try:
        session.rollback()
        session.close()
    finally:
        if claim is not None:
            with suppress(Exception):
                idempotency.release(get_database(), claim=claim)


def _wanted_claim(request: Request) -> idempotency.Claim | None:
    key = request.headers.get("idempotency-key")
    principal = getattr(request.state, "principal", None)
    if key is None or principal is None or request.method != "POST":
        return None
    return idempotency.Claim(
        organization_id=principal.organization_id,
        method=request.method,
        path=request.url.path,
        key=idempotency.check_key(key),
        employee_id=request.path_params.get("employee_id"),
    )


class TransactionRoute(APIRoute):
    """Owns the request's session and transaction, and its `Idempotency-Key`."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()
        writes = not reads_only(self.methods, self.endpoint)
        # Streamed bodies (imports) claim their key themselves, once the body is hashed; a
        # route that stores nothing has nothing to replay.
        claims_here = self.body_field is not None and writes

        async def handler(request: Request) -> Response:
            settings = request.app.state.settings
            retry_after = settings.retry_after_seconds
            lease = settings.idempotency_lease_seconds
            db = get_database()
            session = db.session(write=writes)
            request.state.session = session
            claim: idempotency.Claim | None = None
            try:
                wanted = _wanted_claim(request) if claims_here else None
                if wanted is not None:
                    # A refused claim (in flight, other body) is answered, never stored.
                    replay = await run_in_threadpool(
                        idempotency.claim,
                        db,
                        claim=wanted,
                        body=await request.body(),
                        lease_seconds=lease,
                    )
                    if replay is not None:
                        session.close()
                        headers = {**replay.headers, "Idempotent-Replayed": "true"}
                        return Response(replay.body, replay.status_code, headers=headers)
                    claim = wanted
                    async with keep_claimed(claim, lease):
                        response = await inner(request)
                else:
                    response = await inner(request)
            except Exception as exc:  # every error becomes problem+json
                response = to_response(exc, request, retry_after_seconds=retry_after)
            claim = claim or getattr(request.state, "idempotency_claim", None)
            if claim is None and not session.in_transaction():
                # Nothing to commit or roll back (a read closes its session in its own
                # trip): closing a session without a connection needs no thread.
                session.close()
                return response
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
