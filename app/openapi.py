"""The OpenAPI document: FastAPI's, finished so that what it shows a reader is true.

`finish()` runs once over the generated document (`create_app` installs it), so every route,
including ones added later, gets the same treatment without declaring anything more than
`responses=problems(...)`:

- every error response is `application/problem+json` with an example of its own status
  (`app.api.problem_examples`): the problem type, title and status the service sends, a
  detail in its words, and `errors` on a 422 (FastAPI's `HTTPValidationError`, which the
  service never sends, is replaced wherever FastAPI put it, and dropped from the
  components);
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
from collections.abc import Iterable
from typing import Any

from app.api.examples import FIELDS, SCHEMAS, value_for
from app.api.problem_examples import problem_examples
from app.errors import PROBLEM_JSON

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


def document() -> str:
    """Return the OpenAPI document as stable, indented JSON."""
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"


def finish(schema: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Return the generated document with true examples and readable schemas (`routes`:
    the API's routes, where the scope each operation needs is read)."""
    components = schema.get("components", {}).get("schemas", {})
    for component in components.values():
        for example in component.get("examples", []):
            _restore_nulls(example, component, components, depth=0)
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
        for name, summary, value in problem_examples(status, path, method, operation, scope)
    }
    media: dict[str, Any] = {"schema": {"$ref": PROBLEM_REF}}
    if examples:
        media["examples"] = examples
    response["content"] = {PROBLEM_JSON: media}


# --- success -----------------------------------------------------------------------------------


def _success(response: dict[str, Any], components: dict[str, Any]) -> None:
    media = response.get("content", {}).get("application/json")
    if media is None or "schema" not in media or "example" in media or "examples" in media:
        return
    media["example"] = example_of(media["schema"], components)


def example_of(schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    """Return an example value of a schema: the walkthrough's values where there are some."""
    return _example(schema, components, name, owner="", depth=0)


def _example(
    schema: dict[str, Any], components: dict[str, Any], name: str, *, owner: str, depth: int
) -> Any:
    """`name` is the field the value is for, `owner` the schema that holds it."""
    if depth > 24:  # a guard against self-referencing schemas, far past any real nesting
        return None
    ref = schema.get("$ref")
    if ref:
        ref_name = ref.rsplit("/", 1)[-1]
        if ref_name in SCHEMAS:
            # Fields added since the example was written, when they may be null, are null.
            known = copy.deepcopy(SCHEMAS[ref_name])
            _restore_nulls(known, schema, components, depth=0)
            return known
        target = components.get(ref_name, {})
        return _example(target, components, name, owner=ref_name, depth=depth + 1)
    if name in FIELDS and FIELDS[name] in schema.get("enum", [FIELDS[name]]):
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
        if not real:
            return None
        return _example(real[0], components, name, owner=owner, depth=depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            prop: _example(sub, components, prop, owner=owner, depth=depth + 1)
            for prop, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_example(schema.get("items", {}), components, name, owner=owner, depth=depth + 1)]
    return value_for(name, schema, owner=owner)


def _restore_nulls(
    value: Any, schema: dict[str, Any], components: dict[str, Any], depth: int
) -> None:
    """Put back the nulls of a model's own example: FastAPI writes the document without any
    null value (`exclude_none`), so a required field whose example value is null vanishes."""
    if depth > 10:
        return
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for branch in schema.get("anyOf", []):
        if isinstance(value, dict) and ("properties" in branch or "$ref" in branch):
            _restore_nulls(value, branch, components, depth + 1)
        elif isinstance(value, list) and branch.get("type") == "array":
            _restore_nulls(value, branch, components, depth + 1)
    properties = schema.get("properties", {})
    if isinstance(value, dict) and properties:
        for name in schema.get("required", []):
            if name not in value and _nullable(properties.get(name, {})):
                value[name] = None
        for name, item in value.items():
            if name in properties:
                _restore_nulls(item, properties[name], components, depth + 1)
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            _restore_nulls(item, schema["items"], components, depth + 1)


def _nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        b.get("type") == "null" for b in schema.get("anyOf", [])
    )


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


if __name__ == "__main__":
    print(document(), end="")
