"""What Swagger UI and ReDoc show a reader must be true: every error example has its own
response's status and a problem type the service sends, no operation documents FastAPI's
`HTTPValidationError` (the service never sends it), the success examples of the nurse
walkthrough's operations carry its values (valid against their schemas, no `"string"`), and
long validation patterns stay out of sight. The walk is over the committed openapi.json,
which tests/test_openapi.py keeps equal to what the app serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.api.problem_examples import TITLES
from app.errors import PROBLEM_TYPES
from app.openapi import READABLE_PATTERN

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = json.loads((ROOT / "openapi.json").read_text())
COMPONENTS = DOCUMENT["components"]["schemas"]

# The operations the README's registered-nurse walkthrough and its next sections call.
NURSE_OPERATIONS = {
    "create_position",
    "list_positions",
    "get_position",
    "compare_positions",
    "create_employee",
    "get_employee",
    "list_employees",
    "record_event",
    "list_events",
    "get_readiness",
    "list_candidates",
    "list_paths",
    "get_policy",
    "put_policy",
    "import_events",
}


def operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def examples_of(media: dict[str, Any]) -> list[Any]:
    found = [media["example"]] if "example" in media else []
    found += [e["value"] for e in media.get("examples", {}).values()]
    return found


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def test_every_error_example_has_its_responses_status_and_a_real_problem_type() -> None:
    checked = 0
    for where, operation in operations():
        for status, response in operation["responses"].items():
            if status[0] not in "45":
                continue
            for media_type, media in response.get("content", {}).items():
                if "Problem" not in json.dumps(media.get("schema")):
                    continue
                assert media_type == "application/problem+json", (where, status)
                examples = examples_of(media)
                assert examples, f"{where} {status} has no example"
                for example in examples:
                    slug = example["type"].removeprefix("/problems/")
                    assert slug in PROBLEM_TYPES, (where, status, example)
                    assert example["status"] == int(status), (where, status, example)
                    assert example["title"] == TITLES[slug], (where, status, example)
                    assert example["detail"] and example["detail"] != "string", (where, status)
                    if slug == "validation-error":
                        assert example["errors"], (where, status)
                        for error in example["errors"]:
                            assert set(error) == {"field", "in", "message"}, (where, error)
                    checked += 1
    assert checked > 100


def test_each_error_status_has_examples_that_differ_from_the_other_statuses() -> None:
    operation = DOCUMENT["paths"]["/v1/positions/{position_id}"]["patch"]
    details = {}
    for status, response in operation["responses"].items():
        if status[0] in "45":
            (media,) = response["content"].values()
            details[status] = {e["detail"] for e in examples_of(media)}
    assert set(details) >= {"400", "401", "403", "404", "409", "412", "413", "415", "422", "503"}
    everything = [d for found in details.values() for d in found]
    assert len(everything) == len(set(everything)), details


def test_no_operation_documents_fastapis_validation_error_shape() -> None:
    text = json.dumps(DOCUMENT)
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in COMPONENTS
    for where, operation in operations():
        response = operation["responses"].get("422")
        if response is not None:
            assert list(response["content"]) == ["application/problem+json"], where


def test_the_nurse_walkthroughs_success_examples_are_its_values_and_fit_their_schemas() -> None:
    seen = set()
    for where, operation in operations():
        if operation["operationId"] not in NURSE_OPERATIONS:
            continue
        seen.add(operation["operationId"])
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if not status.startswith("2") or media is None:
                continue
            (example,) = examples_of(media)
            assert "string" not in set(strings_in(example)), (where, example)
            schema = {**media["schema"], "components": {"schemas": COMPONENTS}}
            errors = [e.message for e in Draft202012Validator(schema).iter_errors(example)]
            assert errors == [], (where, errors)
    assert seen == NURSE_OPERATIONS


def test_every_json_success_example_fits_its_schema_without_placeholders() -> None:
    for where, operation in operations():
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if status.startswith("2") and media is not None:
                (example,) = examples_of(media)
                assert "string" not in set(strings_in(example)), (where, example)
                schema = {**media["schema"], "components": {"schemas": COMPONENTS}}
                errors = [e.message for e in Draft202012Validator(schema).iter_errors(example)]
                assert errors == [], (where, errors)


@pytest.mark.parametrize(
    ("schema", "field", "value"),
    [
        ("ReadinessPublic", "score", 59.0),
        ("ComparisonPublic", "raise_to_band_min", "7000.00"),
        ("EmployeePublic", "display_name", "Ana Ruiz"),
    ],
)
def test_the_examples_carry_the_readme_numbers(schema: str, field: str, value: Any) -> None:
    from app.api.examples import SCHEMAS

    assert SCHEMAS[schema][field] == value
    readme = (ROOT / "README.md").read_text()
    assert str(value).removesuffix(".0") in readme


def test_dates_are_format_date_and_long_patterns_stay_out_of_sight() -> None:
    text = json.dumps(DOCUMENT)
    patterns = [p for p in _values(DOCUMENT, "pattern") if isinstance(p, str)]
    assert patterns and all(len(p) <= READABLE_PATTERN for p in patterns), patterns
    assert not any("\\x00" in p for p in patterns), patterns
    assert '"x-pattern"' in text  # kept for validators and test generators
    for where, operation in operations():
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("as_of", "from", "to", "since"):
                schema = parameter["schema"]
                branches = schema.get("anyOf", [schema])
                assert any(b.get("format") == "date" for b in branches), (where, parameter)


def _values(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _values(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value, key)


def test_the_intro_and_the_authorize_dialog_tell_the_truth() -> None:
    intro = DOCUMENT["info"]["description"]
    assert "Authorize above" not in intro and "**Authorize** above" not in intro
    assert (
        "without `Bearer `"
        in DOCUMENT["components"]["securitySchemes"]["HTTPBearer"]["description"]
        or "without `Bearer`" in intro
    )
    assert "Bearer cm_" not in json.dumps(DOCUMENT["components"]["securitySchemes"])


def test_each_authenticated_operation_names_its_scope() -> None:
    for where, operation in operations():
        if operation.get("security"):
            assert "Needs a key with the `" in operation.get("description", ""), where
    erase = DOCUMENT["paths"]["/v1/employees/{employee_id}"]["delete"]
    assert "`admin` scope" in erase["description"]
    forbidden = erase["responses"]["403"]["content"]["application/problem+json"]
    assert "`admin` scope" in examples_of(forbidden)[0]["detail"]
