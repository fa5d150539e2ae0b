"""The OpenAPI document: FastAPI's, finished so that what it shows a reader is true.

`finish()` runs once over the generated document (`create_app` installs it), so every route,
including ones added later, gets the same treatment without declaring anything more than
`responses=problems(...)`:

- every error response is `application/problem+json` with an example of its own status:
  the problem type, title and status the service sends, a detail in its words, and
  `errors` on a 422 (FastAPI's `HTTPValidationError`, which the service never sends, is
  replaced wherever FastAPI put it, and dropped from the components);
- every JSON success response shows the registered-nurse walkthrough's values
  (`app.api.examples`), not `"string"` and `0`;
- long validation patterns (the exact calendar of a date, "not blank", "no NUL") move
  to `x-pattern`, out of the reader's way; dates keep `format: date`;
- authenticated POSTs document the `Idempotency-Key` header, and each operation says the
  scope its key needs.

`python -m app.openapi` (`make openapi`) prints the document for openapi.json.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable
from typing import Any

from app.api.examples import FIELDS, SCHEMAS
from app.errors import PROBLEM_JSON, ApiError

PROBLEM_REF = "#/components/schemas/Problem"
# Patterns longer than this, or about NUL characters, are for validators and generators,
# not for people.
READABLE_PATTERN = 40

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried POST safe: the same key and body replay the first "
    "response (`Idempotent-Replayed: true`) for 24 hours; another body is a 422; a retry "
    "while the first is in flight is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _titles() -> dict[str, str]:
    """Return the title the service sends with each problem type (app/errors.py)."""
    found = {"method-not-allowed": "Method not allowed"}
    pending: list[type[ApiError]] = [ApiError]
    while pending:
        kind = pending.pop()
        found[kind.slug] = kind.title
        pending.extend(kind.__subclasses__())
    return found


TITLES = _titles()


def document() -> str:
    """Return the OpenAPI document as stable, indented JSON."""
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"


def finish(schema: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Return the generated document with true examples and readable schemas (`routes`:
    the API's routes, where the scope each operation needs is read)."""
    components = schema.get("components", {}).get("schemas", {})
    scopes = _scopes_by_operation(routes)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            scope = scopes.get(operation.get("operationId", ""))
            if method == "post" and operation.get("security"):
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            if scope is not None and "needs a key with" not in operation.get("description", ""):
                note = f"Needs a key with the `{scope}` scope."
                text = operation.get("description", "")
                operation["description"] = f"{text}\n\n{note}" if text else note
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    _problem(int(status), response, path, method, operation, scope)
                elif status.startswith("2"):
                    _success(response, components)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    _move_long_patterns(schema)
    return schema


def _scopes_by_operation(routes: Iterable[Any]) -> dict[str, str]:
    """Return the scope each operation's key needs, by operationId, from its dependencies."""
    from fastapi.routing import APIRoute

    from app.auth import Authorize

    found: dict[str, str] = {}
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        pending = list(route.dependant.dependencies)
        while pending:
            dependant = pending.pop()
            if isinstance(dependant.call, Authorize):
                # The operationId is the route's name (app.main._operation_id).
                found[route.name] = str(dependant.call.scope.value)
            pending.extend(dependant.dependencies)
    return found


# --- errors ------------------------------------------------------------------------------------


def _problem(
    status: int,
    response: dict[str, Any],
    path: str,
    method: str,
    operation: dict[str, Any],
    scope: str | None,
) -> None:
    content = response.get("content", {})
    text = json.dumps(content)
    if "Problem" not in text and "HTTPValidationError" not in text:
        return  # not a problem body (the readiness probe's 503 is its own shape)
    if "HTTPValidationError" in text:
        from app.api.common import DESCRIPTIONS

        response["description"] = DESCRIPTIONS[422]
    examples = {
        name: {"summary": summary, "value": value}
        for name, summary, value in _problem_examples(status, path, method, operation, scope)
    }
    media: dict[str, Any] = {"schema": {"$ref": PROBLEM_REF}}
    if examples:
        media["examples"] = examples
    response["content"] = {PROBLEM_JSON: media}


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
            part = str(_value_for(part[1:-1], {"type": "string"}))
        parts.append(part)
    return "/".join(parts)


def _problem_examples(
    status: int, path: str, method: str, operation: dict[str, Any], scope: str | None
) -> list[tuple[str, str, dict[str, Any]]]:
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
    return []


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
    value = _value_for(name, {"type": "string"})
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


# --- success -----------------------------------------------------------------------------------


def _success(response: dict[str, Any], components: dict[str, Any]) -> None:
    media = response.get("content", {}).get("application/json")
    if media is None or "schema" not in media or "example" in media or "examples" in media:
        return
    media["example"] = example_of(media["schema"], components)


def example_of(schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    """Return an example value of a schema: the walkthrough's values where there are some."""
    return _example(schema, components, name, depth=0)


def _example(schema: dict[str, Any], components: dict[str, Any], name: str, depth: int) -> Any:
    if depth > 8:
        return None
    ref = schema.get("$ref")
    if ref:
        ref_name = ref.rsplit("/", 1)[-1]
        if ref_name in SCHEMAS:
            return copy.deepcopy(SCHEMAS[ref_name])
        return _example(components.get(ref_name, {}), components, name, depth + 1)
    if name in FIELDS:
        return copy.deepcopy(FIELDS[name])
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    branches = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if branches:
        real = [b for b in branches if b.get("type") != "null"]
        return _example(real[0], components, name, depth + 1) if real else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            prop: _example(sub, components, prop, depth + 1)
            for prop, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_example(schema.get("items", {}), components, name, depth + 1)]
    return _value_for(name, schema)


def _value_for(name: str, schema: dict[str, Any]) -> Any:
    """Return a scalar for a field the walkthrough has no value for, never a placeholder."""
    if name in FIELDS and FIELDS[name] is not None:
        return FIELDS[name]
    kind = schema.get("type")
    if kind == "integer":
        return int(schema.get("minimum", 1)) or 1
    if kind == "number":
        return float(schema.get("minimum", 1.0)) or 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-03-01"
    if fmt == "date-time":
        return FIELDS["created_at"]
    if name == "id" or name.endswith("_id"):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"career-mobility:{name}"))
    if name == "version":
        return 1
    return name.replace("_", " ").capitalize() or "Text"


# --- patterns ----------------------------------------------------------------------------------


def _move_long_patterns(node: Any) -> None:
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str) and (len(pattern) > READABLE_PATTERN or "\\x00" in pattern):
            node["x-pattern"] = node.pop("pattern")
        for value in node.values():
            _move_long_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _move_long_patterns(value)


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    return branches[0] if branches else schema


if __name__ == "__main__":
    print(document(), end="")
