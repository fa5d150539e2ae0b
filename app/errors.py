"""The service's error vocabulary and its RFC 9457 problem+json rendering.

Services raise these domain words; one set of handlers turns them (and framework errors)
into `application/problem+json`. Nothing here leaks a stack trace to a client.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"


class FieldError(dict[str, str]):
    """One bad field: `{"field": "salary.amount", "in": "body", "message": "..."}`."""

    def __init__(self, field: str, message: str, location: str = "body") -> None:
        super().__init__(field=field, message=message, **{"in": location})


class ApiError(Exception):
    """An error a client can act on; carries its HTTP status, slug and title.

    Each subclass names its problem type in its class line
    (`class NotFound(ApiError, status=404, slug="not-found", title="Not found")`) and says
    what it means in its docstring, which the API document lists (`PROBLEM_TYPES`). The
    base class itself is the unexpected fault.
    """

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"
    description: ClassVar[str] = (
        "An unexpected fault; the log holds the details, the client never does."
    )

    def __init_subclass__(cls, *, status: int, slug: str, title: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.status, cls.slug, cls.title = status, slug, title
        cls.description = " ".join((cls.__doc__ or "").split())

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})


class BadRequest(ApiError, status=400, slug="bad-request", title="Bad request"):
    """The body is not valid JSON, or the request cannot be read."""


class Unauthorized(ApiError, status=401, slug="unauthorized", title="Unauthorized"):
    """No API key, or one the service does not know."""

    def __init__(
        self, detail: str, *, error: str | None = None, description: str | None = None
    ) -> None:
        # RFC 6750 section 3: `error` and `error_description` say why a known key failed.
        challenge = 'Bearer realm="career-mobility"'
        if error is not None:
            challenge += f', error="{error}"'
        if description is not None:
            challenge += f', error_description="{description}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(ApiError, status=403, slug="forbidden", title="Forbidden"):
    """The key lacks the scope this operation needs."""


class NotFound(ApiError, status=404, slug="not-found", title="Not found"):
    """No such resource in the calling organization (or no such route)."""


class MethodNotAllowed(ApiError, status=405, slug="method-not-allowed", title="Method not allowed"):
    """The path exists but not with this method."""


class Conflict(ApiError, status=409, slug="conflict", title="Conflict"):
    """The request clashes with the current state (duplicate, in use, already voided)."""


class RequestTimeout(ApiError, status=408, slug="request-timeout", title="Request timeout"):
    """The request body did not arrive in time; the connection is closed."""


class PreconditionFailed(
    ApiError, status=412, slug="precondition-failed", title="Precondition failed"
):
    """`If-Match` names a version that is no longer current."""


class PayloadTooLarge(ApiError, status=413, slug="payload-too-large", title="Payload too large"):
    """The request body is larger than the service accepts."""


class UnsupportedMediaType(
    ApiError, status=415, slug="unsupported-media-type", title="Unsupported media type"
):
    """The body is not `application/json`."""


class ValidationFailed(ApiError, status=422, slug="validation-error", title="Validation error"):
    """Well-formed JSON with bad fields; `errors` lists each one."""

    def __init__(self, detail: str, *, errors: Sequence[Mapping[str, str]]) -> None:
        super().__init__(detail, errors=errors)

    @classmethod
    def one(cls, field: str, message: str, location: str = "body") -> "ValidationFailed":
        """Return the error for a single bad field."""
        return cls(f"{field}: {message}", errors=[FieldError(field, message, location)])


class IdempotencyKeyReused(
    ApiError, status=422, slug="idempotency-key-reused", title="Idempotency key reused"
):
    """The `Idempotency-Key` was used before with another body."""


class IdempotencyInFlight(
    ApiError, status=409, slug="idempotency-in-flight", title="Request still in flight"
):
    """The first request with this `Idempotency-Key` is still running."""


class ServiceUnavailable(
    ApiError, status=503, slug="service-unavailable", title="Service unavailable"
):
    """The database cannot be reached; retry after `Retry-After` seconds."""


# Every problem type the service emits, for the README and the OpenAPI description.
PROBLEM_TYPES: dict[str, str] = {
    kind.slug: kind.description
    for kind in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        RequestTimeout,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        IdempotencyKeyReused,
        IdempotencyInFlight,
        ServiceUnavailable,
        ApiError,
    )
}


def problem_response(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[Mapping[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """Return an RFC 9457 problem+json response."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = [dict(e) for e in errors]
    return JSONResponse(
        _storable(body),
        status_code=status,
        headers={**(headers or {}), "X-Content-Type-Options": "nosniff"},
        media_type=PROBLEM_JSON,
    )


def _storable(value: Any) -> Any:
    """Return the body with any lone surrogate (from a client's own bad input, quoted back)
    replaced, so it can be encoded as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def render(error: ApiError, request: Request | None = None) -> JSONResponse:
    """Render one of our errors as problem+json."""
    return problem_response(
        status=error.status,
        slug=error.slug,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
        headers=error.headers,
        instance=request.url.path if request is not None else None,
    )


def _field_name(loc: Sequence[Any]) -> tuple[str, str]:
    """Turn a pydantic location into (dotted field name, where it was)."""
    parts = list(loc)
    where = "body"
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where = str(parts.pop(0))
    # Drop pydantic's union/function tags such as "function-after[...]" or "str".
    names = [
        str(p)
        for p in parts
        if not (isinstance(p, str) and ("[" in p or p in {"str", "int", "float", "decimal"}))
    ]
    return (".".join(names) or where), where


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    """Translate FastAPI's validation errors into our field list."""
    out = []
    for err in exc.errors():
        field, where = _field_name(err.get("loc", ()))
        message = str(err.get("msg", "invalid value"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err.get("type") == "missing":
            message = "is required"
        elif err.get("type") == "extra_forbidden":
            message = "is not a known field"
        out.append(FieldError(field, message, where))
    return out


def _is_connection_fault(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeoutError):
        return True
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _allowed_methods(request: Request) -> list[str]:
    """Return every method some route of the app accepts on the request's path."""
    routes = request.app.router.routes
    return [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]


def to_response(exc: BaseException, request: Request, *, retry_after_seconds: int) -> JSONResponse:
    """Return the problem+json response for any exception a request can raise."""
    if isinstance(exc, ApiError):
        return render(exc, request)
    if isinstance(exc, ClientDisconnect):
        # The client went away before its body arrived: its mistake, not a fault of ours
        # (no traceback, no 500 in the metrics); nobody reads this answer.
        logger.info("client disconnected mid-body on %s %s", request.method, request.url.path)
        return render(BadRequest("The client closed the connection before the body arrived."))
    if isinstance(exc, RequestValidationError):
        raw = exc.errors()
        invalid_json = next((e for e in raw if e.get("type") == "json_invalid"), None)
        if invalid_json is not None:
            reason = (invalid_json.get("ctx") or {}).get("error", "malformed JSON")
            return render(BadRequest(f"The body is not valid JSON: {reason}."), request)
        errors = validation_errors(exc)
        names = ", ".join(sorted({e["field"] for e in errors}))
        return render(ValidationFailed(f"Invalid fields: {names}.", errors=errors), request)
    if isinstance(exc, StarletteHTTPException):
        slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route matches {request.method} {request.url.path}."
        elif exc.status_code == 413:
            detail = "The request body is larger than this endpoint accepts."
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first route of the path; RFC 9110 wants them all.
            allowed = _allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed here; use {', '.join(allowed)}."
        return problem_response(
            status=exc.status_code,
            slug=slug,
            title=title,
            detail=detail,
            headers=headers,
            instance=request.url.path,
        )
    if _is_connection_fault(exc):
        # The driver's own message ("database is locked", "connection refused"), never
        # the statement or its parameters, which may hold personal data.
        cause = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
        logger.warning("database unavailable: %s: %s", type(exc).__name__, cause)
        return render(
            ServiceUnavailable(
                "The database cannot be reached right now; retry shortly.",
                headers={"Retry-After": str(retry_after_seconds)},
            ),
            request,
        )
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(ApiError("An unexpected error occurred; it has been logged."), request)


# The problem types of the framework's own errors (no route matched, a body too large).
_HTTP_SLUGS = {
    kind.status: (kind.slug, kind.title)
    for kind in (BadRequest, NotFound, MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType)
}


def install_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    """Route every error the app can raise outside a route wrapper through problem+json."""

    async def _handle(request: Request, exc: Exception) -> JSONResponse:
        return to_response(exc, request, retry_after_seconds=retry_after_seconds)

    for kind in (ApiError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, _handle)
