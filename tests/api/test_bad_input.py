"""Every kind of bad input (SPEC sections 6 and 8) is a problem+json 4xx that changes nothing.

Each test takes a snapshot of every table before the bad request and compares it after, so a
request that failed half-way through a write would be caught too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from app.db import Database
from tests.factories import (
    assert_problem,
    create_employee,
    make_position,
    nurse_position,
    record,
    usd,
)

FOREIGN_ID = "00000000-0000-4000-8000-000000000000"


# --- small local helpers -------------------------------------------------------------------


def snapshot(database: Database) -> dict[str, list[tuple[str, ...]]]:
    """Return every row of every table (but a key's `last_used_at`), in a stable order."""
    tables = inspect(database.reader).get_table_names()
    out: dict[str, list[tuple[str, ...]]] = {}
    with database.transaction(write=False) as session:
        for table in tables:
            rows = session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            # A key's last use is written by design, once a minute, whatever the answer.
            out[table] = sorted(
                tuple(repr(v) for k, v in row.items() if k != "last_used_at") for row in rows
            )
    return out


def counts(snap: dict[str, list[tuple[str, ...]]]) -> dict[str, int]:
    return {table: len(rows) for table, rows in snap.items()}


def position_body(**changes: Any) -> dict[str, Any]:
    """Return the nurse's position body with `changes`; a field changed to `...` is left out."""
    return {k: v for k, v in nurse_position(**changes).items() if v is not ...}


@pytest.fixture
def world(api: TestClient, database: Database) -> dict[str, str]:
    """One position, a hired employee (E-1) and a not yet hired one (E-2)."""
    position = make_position(api, **position_body(code="STAFF", level=2))["id"]
    senior = make_position(api, **position_body(code="SENIOR", level=3))["id"]
    hired = create_employee(api, "E-1")
    pending = create_employee(api, "E-2")
    hire = record(api, hired, "hire", "2024-01-01", position_id=position, salary=usd("60000"))
    return {
        "position": position,
        "senior": senior,
        "hired": hired,
        "pending": pending,
        "hire_event": hire,
    }


Send = Callable[..., Any]


@pytest.fixture
def rejected(api: TestClient, database: Database) -> Send:
    """Return a sender that asserts its request changed no stored row and returns the answer."""

    def send(method: str, path: str, **kwargs: Any) -> Any:
        before = snapshot(database)
        response = api.request(method, path, **kwargs)
        assert snapshot(database) == before, "a rejected request changed stored state"
        return response

    return send


def raw_body(content: Any, content_type: str = "application/json") -> dict[str, Any]:
    """Return the request arguments that send `content` as it is, declared as `content_type`."""
    return {"content": content, "headers": {"Content-Type": content_type}}


# --- malformed requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b'{"code": "RN", ', b"not json at all", b'{"code": "RN"}}', b"\xff\xfe{}"],
    ids=["truncated", "bare-words", "trailing-brace", "not-utf8"],
)
def test_unparseable_json_is_a_400_and_creates_nothing(
    rejected: Send, world: dict[str, str], raw: bytes
) -> None:
    response = rejected("POST", "/v1/positions", **raw_body(raw))
    assert_problem(response, 400, "bad-request")


def test_unparseable_json_on_an_event_is_a_400(rejected: Send, world: dict[str, str]) -> None:
    response = rejected(
        "POST",
        f"/v1/employees/{world['pending']}/events",
        **raw_body(b'{"type": "hire", "occurred_on": 2024-01-01}'),
    )
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json_is_a_415(
    rejected: Send, world: dict[str, str], content_type: str
) -> None:
    response = rejected(
        "POST",
        "/v1/positions",
        **raw_body(json.dumps(position_body(code="NEW")).encode(), content_type),
    )
    assert_problem(response, 415, "unsupported-media-type")


def _huge_position() -> bytes:
    return json.dumps(position_body(code="HUGE", title="x" * (1024 * 1024 + 10))).encode()


def test_a_body_over_one_mebibyte_is_a_413_problem(rejected: Send, world: dict[str, str]) -> None:
    response = rejected("POST", "/v1/positions", **raw_body(_huge_position()))
    assert_problem(response, 413, "payload-too-large")


def test_a_huge_event_body_is_a_413_problem(rejected: Send, world: dict[str, str]) -> None:
    body = {
        "type": "training_completed",
        "occurred_on": "2024-05-01",
        "name": "ACLS",
        "description": "y" * (2 * 1024 * 1024),
    }
    response = rejected("POST", f"/v1/employees/{world['hired']}/events", json=body)
    assert_problem(response, 413, "payload-too-large")


def test_a_chunked_body_over_one_mebibyte_is_a_413_problem(
    rejected: Send, world: dict[str, str]
) -> None:
    raw = _huge_position()

    def chunks() -> Any:
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    response = rejected("POST", "/v1/positions", **raw_body(chunks()))
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_problem(response, 413, "payload-too-large")


def test_a_large_body_under_the_limit_is_read_and_validated_not_refused(
    rejected: Send, world: dict[str, str]
) -> None:
    raw = json.dumps(position_body(code="BIG", title="x" * (1024 * 1024 - 500))).encode()
    assert len(raw) <= 1024 * 1024

    response = rejected("POST", "/v1/positions", **raw_body(raw))
    assert_problem(response, 422, "validation-error", ["title"])


# --- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"colour": "red"}, ["colour"]),
        ({"level": 0}, ["level"]),
        ({"level": 31}, ["level"]),
        ({"level": 2**64}, ["level"]),
        ({"level": -(2**63) - 1}, ["level"]),
        ({"level": 3.5}, ["level"]),
        ({"level": "three"}, ["level"]),
        ({"track": "other"}, ["track"]),
        ({"track": ...}, ["track"]),
        ({"code": ...}, ["code"]),
        ({"code": "   "}, ["code"]),
        ({"title": "Nurse\u0000"}, ["title"]),
        ({"family": "x" * 101}, ["family"]),
        ({"pay_band": {"currency": "usd", "min": 1, "max": 2}}, ["pay_band.currency"]),
        ({"pay_band": {"currency": "US", "min": 1, "max": 2}}, ["pay_band.currency"]),
        ({"pay_band": {"currency": "USD", "min": "12.345", "max": 20}}, ["pay_band.min"]),
        ({"pay_band": {"currency": "USD", "min": 12.345, "max": 20}}, ["pay_band.min"]),
        ({"pay_band": {"currency": "USD", "min": 0, "max": 20}}, ["pay_band.min"]),
        ({"pay_band": {"currency": "USD", "min": -5, "max": 20}}, ["pay_band.min"]),
        ({"pay_band": {"currency": "USD", "min": 1, "max": "1000000000000.01"}}, ["pay_band.max"]),
        ({"pay_band": {"currency": "USD", "min": 1, "max": "NaN"}}, ["pay_band.max"]),
        ({"pay_band": {"currency": "USD", "min": 1, "max": "Infinity"}}, ["pay_band.max"]),
        ({"pay_band": {"currency": "USD", "min": 1, "max": True}}, ["pay_band.max"]),
        ({"pay_band": {"currency": "USD", "min": 90, "max": 20}}, ["pay_band"]),
        ({"pay_band": {"currency": "USD", "min": 10, "max": 20, "midpoint": 30}}, ["pay_band"]),
        ({"requirements": [{"kind": "degree", "name": "BSN"}]}, ["requirements.0.kind"]),
        ({"requirements": [{"kind": "skill"}]}, ["requirements.0.name"]),
        ({"min_months_in_role": -1}, ["min_months_in_role"]),
    ],
)
def test_bad_position_fields_are_a_422_naming_each_field(
    rejected: Send,
    world: dict[str, str],
    changes: dict[str, Any],
    fields: list[str],
) -> None:
    response = rejected("POST", "/v1/positions", json=position_body(**{"code": "NEW", **changes}))
    body = assert_problem(response, 422, "validation-error", fields)
    assert all(e["in"] == "body" for e in body["errors"])


def test_unknown_field_error_names_the_field_and_says_it_is_unknown(
    rejected: Send, world: dict[str, str]
) -> None:
    response = rejected("POST", "/v1/positions", json=position_body(code="NEW", colour="red"))
    body = assert_problem(response, 422, "validation-error", ["colour"])
    assert "colour" in body["detail"]
    assert body["errors"][0]["in"] == "body"


def test_a_json_array_instead_of_an_object_is_a_422(rejected: Send, world: dict[str, str]) -> None:
    response = rejected("POST", "/v1/positions", json=[1, 2])
    assert_problem(response, 422, "validation-error")


def test_patch_cannot_null_a_required_position_field(rejected: Send, world: dict[str, str]) -> None:
    response = rejected("PATCH", f"/v1/positions/{world['position']}", json={"track": None})
    assert_problem(response, 422, "validation-error")


def test_amounts_with_more_than_two_places_by_value_are_fine_when_zeros(
    api: TestClient,
) -> None:
    response = api.post(
        "/v1/positions",
        json=position_body(
            code="FINE",
            pay_band={"currency": "USD", "min": "85000.100", "max": "1000000000000"},
        ),
    )

    assert response.status_code == 201, response.text
    assert response.json()["pay_band"]["min"] == "85000.10"
    assert response.json()["pay_band"]["max"] == "1000000000000.00"


# --- employees -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["external_id"]),
        ({"external_id": ""}, ["external_id"]),
        ({"external_id": "E-9\u0000"}, ["external_id"]),
        ({"external_id": "x" * 201}, ["external_id"]),
        ({"external_id": 17}, ["external_id"]),
        ({"external_id": "E-9", "nickname": "Ana"}, ["nickname"]),
        ({"external_id": "E-9", "display_name": "Ana\u0000"}, ["display_name"]),
    ],
)
def test_bad_employee_fields_are_a_422(
    rejected: Send,
    world: dict[str, str],
    body: dict[str, Any],
    fields: list[str],
) -> None:
    response = rejected("POST", "/v1/employees", json=body)
    assert_problem(response, 422, "validation-error", fields)


# --- events ----------------------------------------------------------------------------------


def _event(world: dict[str, str], kind: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "occurred_on": "2024-06-01"}
    body.update(fields)
    return {
        k: (world[v[1:]] if isinstance(v, str) and v.startswith("@") else v)
        for k, v in body.items()
    }


MONEY_CASES = [
    ({"amount": "12.345", "currency": "USD"}, "salary.amount"),
    ({"amount": 12.345, "currency": "USD"}, "salary.amount"),
    ({"amount": 0, "currency": "USD"}, "salary.amount"),
    ({"amount": "0.00", "currency": "USD"}, "salary.amount"),
    ({"amount": -100, "currency": "USD"}, "salary.amount"),
    ({"amount": "1000000000000.01", "currency": "USD"}, "salary.amount"),
    ({"amount": 1e13, "currency": "USD"}, "salary.amount"),
    ({"amount": "lots", "currency": "USD"}, "salary.amount"),
    ({"amount": "1e400", "currency": "USD"}, "salary.amount"),
    ({"amount": 100, "currency": "usd"}, "salary.currency"),
    ({"amount": 100, "currency": "US"}, "salary.currency"),
    ({"amount": 100, "currency": "US1"}, "salary.currency"),
    ({"amount": 100}, "salary.currency"),
    ({"currency": "USD"}, "salary.amount"),
]


@pytest.mark.parametrize(("salary", "field"), MONEY_CASES)
def test_bad_money_on_a_salary_change_is_a_422_on_that_part(
    rejected: Send, world: dict[str, str], salary: Any, field: str
) -> None:
    response = rejected(
        "POST",
        f"/v1/employees/{world['hired']}/events",
        json=_event(world, "salary_change", salary=salary),
    )
    body = assert_problem(response, 422, "validation-error", [field])
    assert body["errors"][0]["in"] == "body"


def test_salary_with_a_third_decimal_zero_is_accepted_and_stored_to_cents(
    api: TestClient, world: dict[str, str]
) -> None:
    response = api.post(
        f"/v1/employees/{world['hired']}/events",
        json=_event(world, "salary_change", salary={"amount": "85000.100", "currency": "USD"}),
    )

    assert response.status_code == 201, response.text
    assert response.json()["salary"] == {"amount": "85000.10", "currency": "USD"}
    person = api.get(f"/v1/employees/{world['hired']}").json()
    assert person["current_salary"] == {"amount": "85000.10", "currency": "USD"}


EVENT_CASES = [
    # ratings are whole numbers 1..5, on reviews only
    ("performance_review", {"rating": 0}, ["rating"]),
    ("performance_review", {"rating": 6}, ["rating"]),
    ("performance_review", {"rating": 3.5}, ["rating"]),
    ("performance_review", {"rating": -1}, ["rating"]),
    ("performance_review", {"rating": 2**64}, ["rating"]),
    ("performance_review", {"rating": "great"}, ["rating"]),
    ("training_completed", {"name": "ACLS", "rating": 4}, ["rating"]),
    ("hire", {"position_id": "@position", "rating": 4}, ["rating"]),
    # fields that do not belong to the type
    ("performance_review", {"rating": 4, "name": "Annual"}, ["name"]),
    ("exit", {"position_id": "@position"}, ["position_id"]),
    (
        "salary_change",
        {"salary": {"amount": 1, "currency": "USD"}, "position_id": "@senior"},
        ["position_id"],
    ),
    # required fields per type
    ("hire", {}, ["position_id"]),
    ("position_change", {}, ["position_id"]),
    ("promotion", {"salary": {"amount": 70000, "currency": "USD"}}, ["position_id"]),
    ("training_completed", {}, ["name"]),
    ("certification_earned", {"name": "   "}, ["name"]),
    ("skill_acquired", {"description": "a skill"}, ["name"]),
    ("performance_review", {}, ["rating"]),
    ("salary_change", {}, ["salary"]),
    # strings
    ("training_completed", {"name": "ACLS\u0000"}, ["name"]),
    ("training_completed", {"name": "ACLS", "description": "a\u0000b"}, ["description"]),
    ("training_completed", {"name": "x" * 301}, ["name"]),
    # unknown fields and types
    ("training_completed", {"name": "ACLS", "mood": "happy"}, ["mood"]),
    ("coronation", {}, ["type"]),
    ("Hire", {"position_id": "@position"}, ["type"]),
    # dates
    ("training_completed", {"name": "ACLS", "occurred_on": "1800-01-01"}, ["occurred_on"]),
    ("training_completed", {"name": "ACLS", "occurred_on": "2024-02-30"}, ["occurred_on"]),
    ("training_completed", {"name": "ACLS", "occurred_on": "2024-13-01"}, ["occurred_on"]),
    ("training_completed", {"name": "ACLS", "occurred_on": "10000-01-01"}, ["occurred_on"]),
    ("training_completed", {"name": "ACLS", "occurred_on": "01/06/2024"}, ["occurred_on"]),
    ("training_completed", {"name": "ACLS", "occurred_on": None}, ["occurred_on"]),
]


@pytest.mark.parametrize(("kind", "fields", "bad"), EVENT_CASES)
def test_bad_event_fields_are_a_422_naming_each_field(
    rejected: Send,
    world: dict[str, str],
    kind: str,
    fields: dict[str, Any],
    bad: list[str],
) -> None:
    response = rejected(
        "POST",
        f"/v1/employees/{world['hired']}/events",
        json=_event(world, kind, **fields),
    )
    assert_problem(response, 422, "validation-error", bad)


@pytest.mark.parametrize("kind", ["leadership_activity", "initiative"])
def test_leadership_without_a_name_or_description_is_a_422(
    rejected: Send, world: dict[str, str], kind: str
) -> None:
    response = rejected(
        "POST",
        f"/v1/employees/{world['hired']}/events",
        json=_event(world, kind),
    )
    body = assert_problem(response, 422, "validation-error")
    assert {e["field"] for e in body["errors"]} <= {"name", "description"}
    assert body["errors"]


@pytest.mark.parametrize("kind", ["hire", "position_change", "promotion"])
def test_a_position_id_in_the_body_that_does_not_exist_is_a_422_on_position_id(
    rejected: Send, world: dict[str, str], kind: str
) -> None:
    who = world["pending"] if kind == "hire" else world["hired"]
    response = rejected(
        "POST",
        f"/v1/employees/{who}/events",
        json=_event(world, kind, position_id=FOREIGN_ID),
    )
    assert_problem(response, 422, "validation-error", ["position_id"])


def test_another_organizations_position_id_in_the_body_is_a_422_on_position_id(
    rejected: Send, client: TestClient, make_org: Any, world: dict[str, str]
) -> None:
    other = make_org("Other Hospital")
    theirs = client.post(
        "/v1/positions", json=position_body(code="THEIRS"), headers=other.headers("admin")
    )
    assert theirs.status_code == 201, theirs.text

    response = rejected(
        "POST",
        f"/v1/employees/{world['pending']}/events",
        json=_event(world, "hire", position_id=theirs.json()["id"]),
    )
    assert_problem(response, 422, "validation-error", ["position_id"])


@pytest.mark.parametrize(
    ("who", "kind", "fields", "bad"),
    [
        # a move before the hire
        ("pending", "position_change", {"position_id": "@senior"}, "occurred_on"),
        ("hired", "promotion", {"position_id": "@senior", "occurred_on": "2023-12-31"}, None),
        # a move to the position already held
        ("hired", "position_change", {"position_id": "@position"}, "position_id"),
        # a second hire while employed
        ("hired", "hire", {"position_id": "@senior"}, "type"),
        # the asserted kind contradicts the levels (level 2 -> 3 is a promotion)
        ("hired", "demotion", {"position_id": "@senior"}, "type"),
        ("hired", "lateral_move", {"position_id": "@senior"}, "type"),
        # pay changes and exits need employment
        ("pending", "salary_change", {"salary": {"amount": 1, "currency": "USD"}}, None),
        ("pending", "exit", {}, None),
    ],
)
def test_events_that_contradict_the_history_are_a_422_and_record_nothing(
    rejected: Send,
    world: dict[str, str],
    who: str,
    kind: str,
    fields: dict[str, Any],
    bad: str | None,
) -> None:
    response = rejected(
        "POST",
        f"/v1/employees/{world[who]}/events",
        json=_event(world, kind, **fields),
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"]
    if bad is not None:
        assert bad in {e["field"] for e in body["errors"]}


def test_move_before_the_hire_says_to_record_the_hire_first(
    rejected: Send, world: dict[str, str]
) -> None:
    response = rejected(
        "POST",
        f"/v1/employees/{world['hired']}/events",
        json=_event(world, "position_change", position_id="@senior", occurred_on="2023-06-01"),
    )
    body = assert_problem(response, 422, "validation-error")
    assert "hire" in body["detail"].lower()


def test_voiding_without_a_reason_is_a_422_and_keeps_the_event(
    api: TestClient, rejected: Send, world: dict[str, str]
) -> None:
    path = f"/v1/employees/{world['hired']}/events/{world['hire_event']}"
    response = rejected("DELETE", path)
    assert_problem(response, 422, "validation-error", ["reason"])
    event = api.get(path).json()
    assert event["voided_at"] is None


# --- query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/positions", {"limit": 501}, "limit"),
        ("/v1/positions", {"limit": 0}, "limit"),
        ("/v1/employees", {"limit": "ten"}, "limit"),
        ("/v1/employees/{hired}/events", {"type": "coronation"}, "type"),
        ("/v1/employees/{hired}/events", {"from": "2024-02-30"}, "from"),
        ("/v1/employees/{hired}/readiness", {"as_of": "2024-02-30"}, "as_of"),
        ("/v1/employees/{hired}/readiness", {"as_of": "1800-01-01"}, "as_of"),
        ("/v1/comparisons", {"from_position_id": "@position"}, "to_position_id"),
    ],
)
def test_bad_query_parameters_are_a_422_in_query(
    rejected: Send,
    world: dict[str, str],
    path: str,
    params: dict[str, Any],
    field: str,
) -> None:
    resolved = {k: world[v[1:]] if str(v).startswith("@") else v for k, v in params.items()}
    response = rejected("GET", path.format(**world), params=resolved)
    body = assert_problem(response, 422, "validation-error", [field])
    assert body["errors"][0]["in"] == "query"


# --- IDs and routes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/positions/no-such-id", None),
        ("PATCH", "/v1/positions/no-such-id", {"title": "New"}),
        ("DELETE", "/v1/positions/no-such-id", None),
        ("GET", "/v1/employees/no-such-id", None),
        ("PATCH", "/v1/employees/no-such-id", {"display_name": "Ana"}),
        ("DELETE", "/v1/employees/no-such-id", None),
        ("GET", "/v1/employees/no-such-id/events", None),
        (
            "POST",
            "/v1/employees/no-such-id/events",
            {"type": "training_completed", "occurred_on": "2024-01-01", "name": "ACLS"},
        ),
        ("GET", "/v1/employees/{hired}/events/no-such-id", None),
        ("DELETE", "/v1/employees/{hired}/events/no-such-id?reason=typo", None),
        ("GET", "/v1/employees/no-such-id/readiness", None),
        ("GET", "/v1/employees/{pending}/events/{hire_event}", None),
    ],
)
def test_a_path_id_that_does_not_exist_is_a_404_problem(
    rejected: Send,
    world: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    response = rejected(method, path.format(**world), **kwargs)
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/positions/a%00b"),
        ("PATCH", "/v1/positions/a%00b"),
        ("DELETE", "/v1/positions/a%00b"),
        ("GET", "/v1/employees/a%00b"),
        ("DELETE", "/v1/employees/a%00b"),
        ("GET", "/v1/employees/a%00b/events"),
        ("GET", "/v1/employees/{hired}/events/a%00b"),
        ("DELETE", "/v1/employees/{hired}/events/a%00b?reason=typo"),
        ("GET", "/v1/employees/a%00b/readiness"),
        ("GET", "/v1/employees/{hired}/readiness?target_position_id=a%00b"),
        ("GET", "/v1/comparisons?from_position_id=a%00b&to_position_id={position}"),
        (
            "GET",
            "/v1/comparisons?from_position_id={position}&to_position_id={senior}&employee_id=%00",
        ),
    ],
)
def test_an_id_holding_a_nul_byte_in_the_path_or_query_is_a_404(
    rejected: Send,
    world: dict[str, str],
    method: str,
    path: str,
) -> None:
    kwargs: dict[str, Any] = {"json": {"title": "New"}} if method == "PATCH" else {}
    response = rejected(method, path.format(**world), **kwargs)
    assert_problem(response, 404, "not-found")


def test_an_external_id_holding_a_nul_byte_finds_nobody(
    rejected: Send, world: dict[str, str]
) -> None:
    response = rejected("GET", "/v1/employees", params={"external_id": "E-1\x00"})
    assert "Traceback" not in response.text
    if response.status_code == 200:
        assert response.json() == {"items": [], "next_cursor": None}
    else:
        assert_problem(response, 422, "validation-error", ["external_id"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/no-such-thing"),
        ("GET", "/no-such-thing"),
        ("POST", "/v1/no-such-thing"),
        ("GET", "/v2/positions"),
        ("GET", "/v1/positions/x/y/z"),
    ],
)
def test_an_unknown_route_is_a_404_problem(
    rejected: Send, world: dict[str, str], method: str, path: str
) -> None:
    response = rejected(method, path)
    assert_problem(response, 404, "not-found")


def test_an_unknown_route_without_credentials_is_still_problem_json(client: TestClient) -> None:
    response = client.get("/v1/nowhere")
    assert response.status_code in (401, 404)
    assert_problem(
        response,
        response.status_code,
        {401: "unauthorized", 404: "not-found"}[response.status_code],
    )


def test_rejected_requests_leave_every_count_as_it_was(
    api: TestClient, database: Database, world: dict[str, str]
) -> None:
    """A burst of mixed bad requests, then the totals through the API and the database."""
    before = snapshot(database)
    bad_requests: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/positions", {"json": position_body(code="A", level=0)}),
        (
            "POST",
            "/v1/positions",
            {"content": b"{", "headers": {"Content-Type": "application/json"}},
        ),
        ("POST", "/v1/employees", {"json": {"external_id": "E-1"}}),  # duplicate: 409
        ("POST", f"/v1/employees/{world['hired']}/events", {"json": {"type": "hire"}}),
        (
            "POST",
            f"/v1/employees/{world['hired']}/events",
            {"json": _event(world, "performance_review", rating=9)},
        ),
        ("PUT", "/v1/scoring-policy", {"json": {"weights": {}}}),
    ]
    for method, path, kwargs in bad_requests:
        response = api.request(method, path, **kwargs)
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in response.text

    assert snapshot(database) == before
    assert counts(before)["position"] == 2
    assert counts(before)["employee"] == 2
    assert counts(before)["career_event"] == 1
    assert len(api.get("/v1/positions").json()["items"]) == 2
    assert len(api.get("/v1/employees").json()["items"]) == 2
    assert len(api.get(f"/v1/employees/{world['hired']}/events").json()["items"]) == 1
    assert api.get("/v1/scoring-policy").json()["version"] == 1
