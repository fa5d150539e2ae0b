"""Request IDs, one JSON log line per request, and Prometheus metrics.

Pure ASGI middleware: it times the request and reads the route template and the calling
organization after the app has run; it never opens a database session and never logs a
key or a body.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import weakref
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from fastapi import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from starlette.types import Message, Receive, Scope, Send

from app.asgi import HttpMiddleware

access_log = logging.getLogger("app.access")

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Methods outside this set are counted as OTHER, so a client cannot mint label values.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Connections each engine has checked out, for pools that do not count them themselves
# (SQLite's NullPool opens one per use). Keyed by engine so a disposed one drops out.
_checked_out: weakref.WeakKeyDictionary[Engine, set[int]] = weakref.WeakKeyDictionary()


def track_checkouts(engine: Engine) -> None:
    """Count the connections `engine` has checked out (idempotent)."""
    if engine in _checked_out:
        return
    out: set[int] = set()
    _checked_out[engine] = out

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        out.add(id(record))

    def checkin(_dbapi: Any, record: Any) -> None:
        out.discard(id(record))

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


# The database whose engines are tracked already (weakly: tests build and drop many).
_tracked: weakref.ReferenceType[Any] | None = None


def _track_database() -> None:
    global _tracked
    from app.db import peek_database

    database = peek_database()
    if database is not None and (_tracked is None or _tracked() is not database):
        track_checkouts(database.reader)
        track_checkouts(database.writer)
        _tracked = weakref.ref(database)


class PoolCollector(Collector):
    """Exports the connection pool's figures at scrape time."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from app.db import peek_database

        database = peek_database()
        if database is None:
            return
        gauges = {
            "size": GaugeMetricFamily(
                "db_pool_size", "Connections the pool keeps.", labels=["engine"]
            ),
            "checked_out": GaugeMetricFamily(
                "db_pool_checked_out", "Connections in use.", labels=["engine"]
            ),
            "overflow": GaugeMetricFamily(
                "db_pool_overflow", "Connections above the pool size.", labels=["engine"]
            ),
        }
        engines = {"reader": database.reader, "writer": database.writer}
        for name, engine in engines.items():
            pool: Any = engine.pool
            if hasattr(pool, "checkedout"):  # QueuePool (PostgreSQL) counts for itself
                gauges["size"].add_metric([name], float(pool.size()))
                gauges["checked_out"].add_metric([name], float(pool.checkedout()))
                gauges["overflow"].add_metric([name], float(pool.overflow()))
            else:  # NullPool (SQLite file): keeps no connection; count the open ones
                track_checkouts(engine)
                gauges["size"].add_metric([name], 0.0)
                gauges["checked_out"].add_metric([name], float(len(_checked_out[engine])))
                gauges["overflow"].add_metric([name], 0.0)
        yield from gauges.values()


_pool_collector = PoolCollector()
try:
    REGISTRY.register(_pool_collector)
except ValueError:  # registered already (module reloaded in the same process)
    pass


def metrics_response() -> Response:
    """Return the Prometheus exposition of this process's metrics."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with any `extra` fields the caller attached."""

    # uvicorn's `color_message` is its message again with ANSI colours: noise in a log line.
    _RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "color_message",
    }

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class ConsoleFormatter(logging.Formatter):
    """Readable lines: time, level, logger, message, then any `extra` fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in JsonFormatter._RESERVED and not key.startswith("_")
        ]
        if not extras:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} {' '.join(extras)}{newline}{rest}"


def log_format_for(fmt: str, stream: Any) -> str:
    """Return `json` or `console`: `auto` is console on a terminal, JSON anywhere else."""
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "console" if isatty is not None and isatty() else "json"


def configure_logging(level: str, fmt: str) -> None:
    """Send the service's logs to stderr as JSON lines or readable console lines."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format_for(fmt, sys.stderr) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # uvicorn's own access log would duplicate ours.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def _route_template(scope: Scope) -> str:
    """Return the matched route as a template (`/v1/positions/{position_id}`), never raw IDs.

    The matched route's own path may lack the prefixes of the routers that include it
    (FastAPI keeps included routers apart, and one router may be included twice, as the
    probes are at `/healthz` and `/v1/healthz`), so the prefix comes from the request's
    path, segment for segment, with any path parameter in it named instead of its value.
    A mounted app (the docs' static files) is its prefix plus `/{path}`; a path that
    matched nothing is `unmatched`, so the label set stays bounded whatever clients send.
    """
    root_path = str(scope.get("root_path", ""))
    app_root_path = str(scope.get("app_root_path", root_path))
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        if scope.get("endpoint") is not None and root_path != app_root_path:
            return f"{root_path.removeprefix(app_root_path)}/{{path}}"
        return "unmatched"
    path = str(scope.get("path", ""))
    if app_root_path and path.startswith(app_root_path):
        path = path[len(app_root_path) :]
    own = template.split("/")[1:]
    actual = path.split("/")[1:]
    if ":path}" in template or len(actual) < len(own):
        return template
    params = (scope.get("path_params") or {}).items()
    # Only parameters of an including router's prefix can appear in the prefix.
    names = {
        str(v): k for k, v in params if f"{{{k}}}" not in template and f"{{{k}:" not in template
    }
    prefix = [f"{{{names[s]}}}" if s in names else s for s in actual[: len(actual) - len(own)]]
    return "/" + "/".join([*prefix, *own])


# Labelled children of the two metrics, by label values: `labels()` takes a lock and
# builds a key on every call. Bounded like the labels themselves (methods, route templates
# and statuses the service answers with).
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _count(method: str, route: str, status: int, elapsed: float) -> None:
    """Count one request and observe its latency."""
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (
            REQUESTS.labels(method, route, str(status)),
            LATENCY.labels(method, route),
        )
    children[0].inc()
    children[1].observe(elapsed)


class RequestContextMiddleware(HttpMiddleware):
    """Give every request an ID, time it, count it, and log one line for it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID.
        request_id = incoming if _REQUEST_ID.match(incoming) else os.urandom(16).hex()
        scope.setdefault("state", {})["request_id"] = request_id
        _track_database()
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "")
            method = method if method in _METHODS else "OTHER"
            _count(method, route, status, elapsed)
            principal = (scope.get("state") or {}).get("principal")
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": request_id,
                    "organization_id": getattr(principal, "organization_id", None),
                },
            )
