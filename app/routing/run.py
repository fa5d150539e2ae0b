"""Run a plain `def` route: the route and the encoding of its answer in one step, under the
work gate, in the thread pool or (short SQLite reads) on the event loop itself.

FastAPI runs a `def` route in the thread pool, then validates and serializes its answer in
the pool again; each trip has its cost (bench/profile_notes.md), and under load every trip hands
the GIL between threads. Here the route runs once, its answer is dumped to JSON with the
response model's serializer (a value already of that model is not validated again),
headers and status set through a `response: Response` parameter are kept, and a read-only
route closes its session in the same step.

A light read on SQLite runs inline: the database is a file in this process, a read is
shorter than a trip to the pool (see bench/profile_notes.md), and the loop runs one at a
time (no gate needed). Heavy reads and everything on PostgreSQL (network waits) go to the
pool, under the work gate. This is a fast twin of FastAPI's own serialization:
tests/api/test_one_step_runner_equivalence.py keeps the two equal.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, get_origin

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool

from app.db import get_database, is_sqlite
from app.routing.gates import take_turn, work_gate
from app.routing.lanes import is_heavy, reads_only

# The request, passed to the stand-in under a name no route uses.
_REQUEST = "_one_step_request"
_local: dict[str, bool] = {}


def _runs_inline(reads_lightly: bool) -> bool:
    if not reads_lightly:
        return False
    url = get_database().url
    local = _local.get(url)
    if local is None:
        local = _local[url] = is_sqlite(url)
    return local


def _is_response(annotation: Any, endpoint: Callable[..., Any]) -> bool:
    """Return whether a parameter is FastAPI's `response: Response`, also when its module
    keeps annotations as strings (`from __future__ import annotations`)."""
    if isinstance(annotation, str):
        annotation = getattr(endpoint, "__globals__", {}).get(annotation)
    return annotation is Response


def one_step(
    endpoint: Callable[..., Any],
    *,
    response_model: Any,
    status_code: int | None,
    read_only: bool,
    heavy_read: bool,
) -> Callable[..., Coroutine[Any, Any, Response]]:
    """Return an `async` stand-in for a `def` route (same signature plus the request)."""
    adapter = None if response_model is None else TypeAdapter(response_model)
    model_class = response_model if isinstance(response_model, type) else None
    if model_class is not None and not issubclass(model_class, BaseModel):
        model_class = None
    signature = inspect.signature(endpoint)
    sub_responses = [
        name for name, p in signature.parameters.items() if _is_response(p.annotation, endpoint)
    ]

    def work(request: Request, kwargs: dict[str, Any]) -> Response:
        try:
            value = endpoint(**kwargs)
            if isinstance(value, Response):
                return value
            if adapter is None:
                raise TypeError(f"{endpoint.__name__} returned no Response and has no model")
            if model_class is None or type(value) is not model_class:
                value = adapter.validate_python(value)
            body = adapter.dump_json(value, by_alias=True)
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
        request: Request = kwargs.pop(_REQUEST)
        if _runs_inline(read_only and not heavy_read):
            return work(request, kwargs)
        settings = request.app.state.settings
        gate = work_gate(settings)
        await take_turn(gate, request.state.turn_deadline, settings)
        try:
            return await run_in_threadpool(work, request, kwargs)
        finally:
            gate.release()

    extra = inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), extra]
    )
    return run


class OneStepRoute(APIRoute):
    """Runs a `def` route and the encoding of its answer in one step."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            read_only = reads_only(set(kwargs.get("methods") or ()), endpoint)
            model = kwargs.get("response_model")
            if model is not None and not isinstance(model, type) and get_origin(model) is None:
                # Not given (FastAPI's placeholder): the return annotation, as FastAPI reads it.
                model = inspect.signature(endpoint, eval_str=True).return_annotation
            if model is inspect.Signature.empty or model is Response:
                model = None
            endpoint = one_step(
                endpoint,
                response_model=model,
                status_code=kwargs.get("status_code"),
                read_only=read_only,
                heavy_read=read_only and is_heavy(path, endpoint),
            )
        super().__init__(path, endpoint, **kwargs)
