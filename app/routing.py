"""The request wrapper every API route runs in.

`ApiRoute` does, in this order, what must happen before the body is read and after the
route returns: authenticate the key and check its scope (so a bad key with a bad body is a
401), claim the `Idempotency-Key`, run the route in one session, then commit (or roll back)
and store the response for replay, all before the response leaves.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import weakref
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any

from anyio import to_thread
from fastapi import Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth import KEYS, Authorize, Principal, Scope, bearer_token, check_scope, lookup_key
from app.config import Settings, work_concurrency
from app.db import get_database
from app.errors import (
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
    render,
    to_response,
)
from app.services import idempotency

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STORES_NOTHING = "stores_nothing"


def stores_nothing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route that only reads whatever its method (a POST what-if): it runs on a read
    session, and its `Idempotency-Key` is not claimed, as there is nothing to replay."""
    setattr(endpoint, STORES_NOTHING, True)
    return endpoint


def _reads_only(methods: set[str], endpoint: Callable[..., Any]) -> bool:
    return (bool(methods) and methods <= READ_METHODS) or getattr(endpoint, STORES_NOTHING, False)


# Threads of the pool that requests inside the gate below may not take all of: /healthz,
# /metrics and /readyz run outside it.
RESERVED_THREADS = 2


class _LoopGates:
    """One semaphore per event loop, sized on first use in that loop (tests and servers
    run several loops in one process)."""

    def __init__(self) -> None:
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._gates = weakref.WeakKeyDictionary()

    def get(self, size: Callable[[], int]) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(size())
        return gate


async def _enter(gate: asyncio.Semaphore, timeout: float) -> bool:
    """Take a place at the gate; False when none frees up within `timeout` seconds.
    (`wait_for` costs a task per call: it is only paid when there is a queue.)"""
    if not gate.locked():
        await gate.acquire()
        return True
    try:
        await asyncio.wait_for(gate.acquire(), timeout=timeout)
    except TimeoutError:
        return False
    return True


_database_gates = _LoopGates()
_work_gates = _LoopGates()


def database_gate() -> asyncio.Semaphore:
    """Return the event loop's gate that bounds the requests using the database at once.

    A request holding a database lock (SQLite's write lock, a PostgreSQL row lock) still
    needs a worker thread after its route returns: the commit runs in one. Without a bound,
    requests waiting for that lock could hold every thread of the pool, and the holder
    could never commit: every writer would stall until the busy or statement timeout and
    fail with 503. With fewer requests inside than threads in the pool, the holder always
    finds a thread; the others wait here, holding neither a thread nor a connection.
    """

    def size() -> int:
        threads = int(to_thread.current_default_thread_limiter().total_tokens)
        return max(1, threads - RESERVED_THREADS)

    return _database_gates.get(size)


def work_gate(settings: Settings) -> asyncio.Semaphore:
    """Return the event loop's gate that bounds the routes running their database work at
    once (`DB_CONCURRENCY`).

    That work is Python holding the GIL, with short releases (SQLite steps each row with
    the GIL released): with a dozen requests at it in as many threads, every release is a
    hand-off between threads, and the process spent more time passing the GIL than working
    (GET readiness at 32 connections, SQLite: 180-250 req/s with 13 at once, 350-420 with
    one or two; PostgreSQL: 165 with one, 270 with two, 300 with four). Requests waiting
    here hold no thread and no connection.
    """
    return _work_gates.get(lambda: work_concurrency(settings))


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


# Query parameters that name a resource: a bad value there is a 404, like one in the path.
ID_QUERY_PARAMS = frozenset(
    {"from_position_id", "to_position_id", "employee_id", "target_position_id"}
)


def _refuse_bad_input(request: Request) -> None:
    """Refuse what no route could use, once the caller is known (401/403 come first).

    A declared body over the size limit is a 413. A NUL character (which PostgreSQL cannot
    store or compare) in an ID of the path or query is a 404, in any other parameter a 422.
    """
    if getattr(request.state, "body_too_large", False):
        limit = getattr(request.state, "body_limit", 0)
        raise PayloadTooLarge(f"The body is larger than {limit:,} bytes.")
    if any("\x00" in str(v) for v in request.path_params.values()):
        raise NotFound("No such resource in this organization.")
    for name, value in request.query_params.multi_items():
        if "\x00" in value or "\x00" in name:
            if name in ID_QUERY_PARAMS:
                raise NotFound(f"No resource {name}={value!r} in this organization.")
            raise ValidationFailed.one(name, "must not contain NUL characters", "query")


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
    """Roll back after a failed commit and free the claim (or let it go stale)."""
    try:
        session.rollback()
        session.close()
    finally:
        if claim is not None:
            with suppress(Exception):
                idempotency.release(get_database(), claim=claim)


# The request, passed to a route run by `_in_one_hop` under a name no route uses.
_HOP_REQUEST = "_one_hop_request"


def _in_one_hop(
    endpoint: Callable[..., Any],
    *,
    response_model: Any,
    status_code: int | None,
    read_only: bool,
) -> Callable[..., Coroutine[Any, Any, Response]]:
    """Return an `async` stand-in for a plain `def` route that makes one trip to the thread
    pool instead of two: the route and the serialization of its answer run together.

    FastAPI runs a `def` route in the pool, then validates and serializes what it returned
    in the pool again; each trip costs more than the ceiling's whole request. Here the
    answer is validated against the response model and dumped to JSON as FastAPI would,
    headers and status set through a `response: Response` parameter are kept, and a
    read-only route closes its session in the same trip (nothing is left to commit).
    The signature FastAPI reads is the route's own, plus the request.
    """
    adapter = None if response_model is None else TypeAdapter(response_model)
    signature = inspect.signature(endpoint)
    sub_responses = [name for name, p in signature.parameters.items() if p.annotation is Response]

    def work(request: Request, kwargs: dict[str, Any]) -> Response:
        try:
            value = endpoint(**kwargs)
            if isinstance(value, Response):
                return value
            if adapter is None:
                raise TypeError(f"{endpoint.__name__} returned no Response and has no model")
            body = adapter.dump_json(adapter.validate_python(value), by_alias=True)
            response = Response(body, status_code or 200, media_type="application/json")
            for name in sub_responses:
                sub: Response = kwargs[name]
                response.headers.raw.extend(
                    (k, v) for k, v in sub.headers.raw if k != b"content-length"
                )
                if sub.status_code:
                    response.status_code = sub.status_code
            return response
        finally:
            if read_only:
                request.state.session.close()

    @functools.wraps(endpoint)
    async def run(**kwargs: Any) -> Response:
        request: Request = kwargs.pop(_HOP_REQUEST)
        settings = request.app.state.settings
        gate = work_gate(settings)
        # The wait for a turn here and at the database gate share one budget (the pool
        # timeout), so a request never waits longer for a turn than for a connection.
        deadline = getattr(request.state, "turn_deadline", None)
        budget = settings.db_pool_timeout
        if deadline is not None:
            budget = max(0.0, deadline - asyncio.get_running_loop().time())
        if not await _enter(gate, budget):
            raise ServiceUnavailable(
                "The service is busy; retry shortly.",
                headers={"Retry-After": str(settings.retry_after_seconds)},
            )
        try:
            return await run_in_threadpool(work, request, kwargs)
        finally:
            gate.release()

    extra = inspect.Parameter(_HOP_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), extra]
    )
    return run


class ApiRoute(APIRoute):
    """An APIRoute that authenticates first and owns the request's transaction."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            model = kwargs.get("response_model")
            if isinstance(model, DefaultPlaceholder):
                model = inspect.signature(endpoint).return_annotation
            if model is inspect.Signature.empty or model is Response:
                model = None
            methods = set(kwargs.get("methods") or ())
            endpoint = _in_one_hop(
                endpoint,
                response_model=model,
                status_code=kwargs.get("status_code"),
                read_only=_reads_only(methods, endpoint),
            )
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()
        needed = required_scope(self.dependant)
        writes = not (
            (self.methods or set()) <= READ_METHODS or getattr(self.endpoint, STORES_NOTHING, False)
        )
        takes_json = self.body_field is not None

        async def handler(request: Request) -> Response:
            gate = database_gate()
            settings = request.app.state.settings
            # Waiting here stands for waiting for a free connection: same bound.
            loop = asyncio.get_running_loop()
            request.state.turn_deadline = loop.time() + settings.db_pool_timeout
            if not await _enter(gate, settings.db_pool_timeout):
                busy = ServiceUnavailable(
                    "Every database connection is busy; retry shortly.",
                    headers={"Retry-After": str(settings.retry_after_seconds)},
                )
                return render(busy, request)
            try:
                return await run(request)
            finally:
                gate.release()

        async def run(request: Request) -> Response:
            settings = request.app.state.settings
            retry_after = settings.retry_after_seconds
            db = get_database()
            session = db.session(write=writes)
            request.state.session = session
            claim: idempotency.Claim | None = None
            try:
                principal = await _authenticate(request, needed, writes)
                _refuse_bad_input(request)
                if takes_json and await request.body():
                    if not _is_json(request.headers.get("content-type")):
                        raise UnsupportedMediaType(
                            "Send the body as `Content-Type: application/json`."
                        )
                key = request.headers.get("idempotency-key")
                # Streamed bodies (imports) dedupe by event key instead.
                claims = takes_json and writes and request.method == "POST"
                if principal and claims and key is not None:
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
            # A route that reads its body as a stream (imports) claims its key itself.
            claim = claim or getattr(request.state, "idempotency_claim", None)
            if claim is None and not session.in_transaction():
                # Nothing to commit or roll back (a read closes its session in its own trip
                # to the pool): closing a session without a connection needs no thread.
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
