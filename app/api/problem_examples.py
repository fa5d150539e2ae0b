"""What each error status of an operation looks like: the problem body the service sends,
in its own words, for the OpenAPI document's examples (`app.openapi` puts them in place).

An example names the walkthrough's ids (`app.api.examples`) and, where it can, the route's
own resource: a 404 under `/positions/{position_id}` is about a position.
"""

from __future__ import annotations

from typing import Any

from app.api.examples import FIELDS, value_for
from app.errors import PROBLEM_TYPES, ApiError

Example = tuple[str, str, dict[str, Any]]


def _kinds() -> list[type[ApiError]]:
    """Return every problem class of app/errors.py."""
    found: list[type[ApiError]] = []
    pending: list[type[ApiError]] = [ApiError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


# The title the service sends with each problem type.
TITLES = {k.slug: k.title for k in _kinds()}


def _body(status: int, slug: str, detail: str, path: str, **more: Any) -> dict[str, Any]:
    return {
        "type": f"/problems/{slug}",
        "title": TITLES[slug],
        "status": status,
        "detail": detail,
        "instance": _instance(path),
        **more,
    }


def _instance(path: str) -> str:
    """Return the path with the walkthrough's ids in place of its parameters."""
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            part = str(value_for(part[1:-1], {"type": "string"}))
        parts.append(part)
    return "/".join(parts)


def problem_examples(
    status: int, path: str, method: str, operation: dict[str, Any], scope: str | None
) -> list[Example]:
    """Return (name, summary, body) for each problem this status stands for here."""
    post = method == "post"
    if status == 400:
        detail = "The body is not valid JSON: Expecting property name enclosed in double quotes."
        return [("bad-request", "Not JSON", _body(400, "bad-request", detail, path))]
    if status == 401:
        return [
            (
                "unauthorized",
                "No key, or an unknown one",
                _body(401, "unauthorized", "The API key is not valid.", path),
            )
        ]
    if status == 403:
        detail = f"This operation needs a key with the `{scope or 'write'}` scope."
        return [("forbidden", "The key lacks the scope", _body(403, "forbidden", detail, path))]
    if status == 404:
        return [
            (
                "not-found",
                "Not in your organization",
                _body(404, "not-found", _missing(path, operation), path),
            )
        ]
    if status == 409:
        found = [
            (
                "conflict",
                "Clashes with the current state",
                _body(409, "conflict", _conflict(path, method), path),
            )
        ]
        if post:
            detail = (
                "A request with this Idempotency-Key is still being processed; "
                "retry when it has finished."
            )
            found.append(
                (
                    "idempotency-in-flight",
                    "Retried too soon",
                    _body(409, "idempotency-in-flight", detail, path),
                )
            )
        return found
    if status == 412:
        detail = (
            'If-Match "1" does not match the current version "2"; '
            "read the resource again and retry."
        )
        return [
            (
                "precondition-failed",
                "Stale If-Match",
                _body(412, "precondition-failed", detail, path),
            )
        ]
    ndjson = "application/x-ndjson" in operation.get("requestBody", {}).get("content", {})
    if status == 413:
        limit = "1,073,741,824" if ndjson else "1,048,576"  # MAX_IMPORT_BYTES, MAX_BODY_BYTES
        detail = f"The body is larger than {limit} bytes."
        return [
            ("payload-too-large", "Body too large", _body(413, "payload-too-large", detail, path))
        ]
    if status == 415:
        detail = (
            "Send the lines as `Content-Type: application/x-ndjson`."
            if ndjson
            else "Send the body as `Content-Type: application/json`."
        )
        return [
            (
                "unsupported-media-type",
                "Not JSON",
                _body(415, "unsupported-media-type", detail, path),
            )
        ]
    if status == 422:
        field, where, message = _bad_field(operation)
        # The service's own checks name one field; FastAPI's list every field they found.
        detail = f"{field}: {message}" if where == "header" else f"Invalid fields: {field}."
        found = [
            (
                "validation-error",
                "A field is wrong",
                _body(
                    422,
                    "validation-error",
                    detail,
                    path,
                    errors=[{"field": field, "in": where, "message": message}],
                ),
            )
        ]
        if post:
            detail = (
                "This Idempotency-Key was used with a different body; "
                "use a new key for a new request."
            )
            found.append(
                (
                    "idempotency-key-reused",
                    "Key reused",
                    _body(422, "idempotency-key-reused", detail, path),
                )
            )
        return found
    if status == 503:
        detail = "The database cannot be reached right now; retry shortly."
        return [
            (
                "service-unavailable",
                "Database down",
                _body(503, "service-unavailable", detail, path),
            )
        ]
    # A status added since: each problem type of that status, described in its own words.
    return [
        (kind.slug, kind.title, _body(status, kind.slug, PROBLEM_TYPES[kind.slug], path))
        for kind in _kinds()
        if kind.status == status and kind.slug in PROBLEM_TYPES
    ]


def _missing(path: str, operation: dict[str, Any]) -> str:
    """Return the 404 detail for the last id the request names."""
    names = [p[1:-1] for p in path.split("/") if p.startswith("{")]
    if not names:
        names = [p["name"] for p in operation.get("parameters", []) if p["name"].endswith("_id")][
            :1
        ]
    if not names:
        return "No such resource in this organization."
    name = names[-1]
    value = value_for(name, {"type": "string"})
    noun = name.removesuffix("_id").replace("_", " ")
    noun = {
        "from position": "position",
        "to position": "position",
        "target position": "position",
    }.get(noun, noun)
    if name == "version":
        return f"No scoring policy version {value} in this organization."
    if noun == "event":
        return f"No event {value!r} for this employee."
    return f"No {noun} {value!r} in this organization."


def _conflict(path: str, method: str) -> str:
    if "/events" in path:
        reason = FIELDS["reason"]
        return f"Event {FIELDS['event_id']!r} was voided already; its reason: {reason!r}."
    if path.startswith("/v1/employees"):
        return "An employee with external_id 'E-1001' already exists."
    if path.startswith("/v1/positions") and method == "delete":
        return "Position 'RN' is named by 42 career events; it cannot be deleted."
    if path.startswith("/v1/positions"):
        return "A position with code 'RN-MGR' already exists."
    if path.startswith("/v1/scoring-policy"):
        return "The scoring policy changed at the same time; read it and retry."
    return "The request clashes with the current state; read it again and retry."


def _bad_field(operation: dict[str, Any]) -> tuple[str, str, str]:
    """Return a realistic (field, in, message) for the operation's 422."""
    # A date or a number is the likeliest query parameter to be wrong; then any other.
    queries = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    queries.sort(key=lambda p: _likely_wrong(_non_null(p.get("schema", {}))))
    for parameter in queries:
        schema = _non_null(parameter.get("schema", {}))
        return parameter["name"], "query", _message_for(schema)
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        return "level", "body", "Input should be less than or equal to 30"
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            return parameter["name"], "path", _message_for(parameter.get("schema", {}))
    # What is left to be wrong is the Idempotency-Key header (app/services/idempotency.py).
    return "Idempotency-Key", "header", "must be 1 to 255 printable characters"


def _likely_wrong(schema: dict[str, Any]) -> int:
    if schema.get("format") == "date":
        return 0
    if schema.get("type") == "integer" or "enum" in schema:
        return 1
    return 2


def _message_for(schema: dict[str, Any]) -> str:
    if schema.get("format") == "date":
        return (
            "Input should be a valid date or datetime, "
            "month value is outside expected range of 1-12"
        )
    if schema.get("type") == "integer":
        if "maximum" in schema:
            return f"Input should be less than or equal to {schema['maximum']}"
        return "Input should be a valid integer, unable to parse string as an integer"
    if "enum" in schema:
        return "Input should be " + " or ".join(repr(v) for v in schema["enum"][:3])
    if schema.get("type") == "boolean":
        return "Input should be a valid boolean"
    if "maxLength" in schema:
        return f"String should have at most {schema['maxLength']} characters"
    return "is required"


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    return branches[0] if branches else schema
