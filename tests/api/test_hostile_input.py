"""Every hostile byte is a 4xx that changes nothing, and an import keeps its good lines.

Lone surrogates and control characters in any text, deeply nested JSON (with an
`Idempotency-Key` too), forged list cursors, over-long ids, digits of other scripts as
money, a huge import line: each is refused on the field it came in, on both stores.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from app.db import Database
from app.models import Employee
from app.services.imports import MAX_LINE_BYTES, LineSplitter
from tests.api.test_bad_input import snapshot
from tests.factories import assert_problem, create_employee, create_position, nurse_position, record

NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}
SURROGATE = "\ud800"


def raw(body: Any) -> bytes:
    """JSON text as a client may send it: a lone surrogate becomes the escape `\\ud800`."""
    return json.dumps(body).encode()


def assert_4xx(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert the problem answer of this status; `field` must be among the fields it names."""
    body = assert_problem(response, status, {404: "not-found", 422: "validation-error"}[status])
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.fixture
def world(api: TestClient) -> dict[str, str]:
    rn = create_position(api, **nurse_position())
    ana = create_employee(api, "E-1")
    hire = record(api, ana, "hire", "2024-01-02", position_id=rn)
    return {"rn": rn, "ana": ana, "hire": hire}


def text_fields(world: dict[str, str]) -> list[tuple[str, str, str, Callable[[str], Any]]]:
    """(method, path, field, body with the bad text in that field) for every text input."""
    position = {"title": "T", "family": "F", "track": "individual", "level": 2}
    return [
        ("POST", "/v1/employees", "external_id", lambda t: {"external_id": t}),
        (
            "POST",
            "/v1/employees",
            "display_name",
            lambda t: {"external_id": "E-x", "display_name": t},
        ),
        ("PATCH", f"/v1/employees/{world['ana']}", "display_name", lambda t: {"display_name": t}),
        ("POST", "/v1/positions", "code", lambda t: {**position, "code": t}),
        ("POST", "/v1/positions", "title", lambda t: {**position, "code": "C", "title": t}),
        ("POST", "/v1/positions", "family", lambda t: {**position, "code": "C", "family": t}),
        (
            "POST",
            "/v1/positions",
            "requirements.0.name",
            lambda t: {**position, "code": "C", "requirements": [{"kind": "skill", "name": t}]},
        ),
        (
            "POST",
            f"/v1/employees/{world['ana']}/events",
            "name",
            lambda t: {"type": "training_completed", "occurred_on": "2024-02-01", "name": t},
        ),
        (
            "POST",
            f"/v1/employees/{world['ana']}/events",
            "description",
            lambda t: {"type": "initiative", "occurred_on": "2024-02-01", "description": t},
        ),
        (
            "DELETE",
            f"/v1/employees/{world['ana']}/events/{world['hire']}",
            "reason",
            lambda t: {"reason": t},
        ),
        ("POST", "/v1/keys", "name", lambda t: {"scopes": ["read"], "name": t}),
    ]


@pytest.mark.parametrize("bad", [f"a{SURROGATE}b", "a\u0007b", "a\x1bb", "a\x7fb", "a\ufffeb"])
def test_a_lone_surrogate_or_control_character_in_any_text_is_a_422_on_that_field(
    api: TestClient, database: Database, world: dict[str, str], bad: str
) -> None:
    before = snapshot(database)
    for method, path, field, body in text_fields(world):
        for headers in ({}, {"Idempotency-Key": f"k-{field}"} if method == "POST" else {}):
            response = api.request(
                method, path, content=raw(body(bad)), headers={**JSON, **headers}
            )
            problem = assert_4xx(response, 422, field)
            assert "Traceback" not in response.text
            assert problem["errors"][0]["message"]
    # Nothing changed but the stored answers to the idempotency keys (a 4xx is replayed).
    after = snapshot(database)
    assert {t: r for t, r in after.items() if t != "idempotency_record"} == {
        t: r for t, r in before.items() if t != "idempotency_record"
    }


def test_a_lone_surrogate_in_a_field_name_is_quoted_back_without_a_500(api: TestClient) -> None:
    response = api.post(
        "/v1/employees", content=raw({"external_id": "E-9", SURROGATE: 1}), headers=JSON
    )
    assert_4xx(response, 422)


def test_deep_nesting_is_a_400_with_or_without_an_idempotency_key(
    api: TestClient, database: Database
) -> None:
    before = snapshot(database)
    deep = b"[" * 200_000 + b"]" * 200_000
    inside = b'{"external_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for body in (deep, inside):
        for headers in ({}, {"Idempotency-Key": "deep"}, {"Idempotency-Key": "deep-2"}):
            response = api.post("/v1/employees", content=body, headers={**JSON, **headers})
            assert response.status_code in (400, 422), response.text
            assert response.headers["content-type"].startswith("application/problem+json")
    # The answer to a key is replayed like any other 4xx.
    again = api.post("/v1/employees", content=deep, headers={**JSON, "Idempotency-Key": "deep"})
    assert again.headers.get("idempotent-replayed") == "true"
    after = snapshot(database)
    assert {t: r for t, r in after.items() if t != "idempotency_record"} == {
        t: r for t, r in before.items() if t != "idempotency_record"
    }


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


FORGED_CREATION = [
    ["0001-01-01T00:00:00+14:00", "x"],
    ["9999-12-31T23:59:59-14:00", "x"],
    ["0001-01-01T00:00:00+00:00", "x"],
    ["2024-01-01T00:00:00", "x"],
    ["2024-01-01T00:00:00+00:00", "x" * 5000],
    [10**30, 10**30],
    [None, None],
    [[[[]]], {}],
]
FORGED_EVENTS = [
    ["0001-01-01", 1],
    ["2024-01-01", 10**30],
    ["2024-01-01", 2**63],
    ["2024-01-01", -1],
    ["2024-01-01", 1.5],
    ["2024-01-01", True],
    ["99999-01-01", 1],
    [10**30, 10**30],
]


def test_a_forged_cursor_is_a_422_on_every_list(api: TestClient, world: dict[str, str]) -> None:
    lists = {
        "/v1/positions": FORGED_CREATION,
        "/v1/employees": FORGED_CREATION,
        "/v1/keys": FORGED_CREATION,
        f"/v1/employees/{world['ana']}/events": FORGED_EVENTS,
        f"/v1/positions/{world['rn']}/candidates": [[10**30], [-1], [2**63]],
    }
    for path, forged in lists.items():
        for values in forged:
            response = api.get(path, params={"cursor": cursor(values)})
            assert_4xx(response, 422, "cursor")
    # A real cursor still works.
    for n in range(3):
        api.post("/v1/employees", json={"external_id": f"E-p{n}"})
    first = api.get("/v1/employees", params={"limit": 2}).json()
    second = api.get("/v1/employees", params={"limit": 2, "cursor": first["next_cursor"]})
    assert second.status_code == 200 and second.json()["items"]


def test_an_id_too_long_for_any_resource_is_a_404_in_the_path_and_the_query(
    api: TestClient, world: dict[str, str]
) -> None:
    rn = world["rn"]
    for length in (37, 101, 5000):
        long = "a" * length
        for path, params in (
            ("/v1/comparisons", {"from_position_id": long, "to_position_id": rn}),
            (
                "/v1/comparisons",
                {"from_position_id": rn, "to_position_id": rn, "employee_id": long},
            ),
            (f"/v1/employees/{world['ana']}/readiness", {"target_position_id": long}),
            (f"/v1/employees/{long}", {}),
            (f"/v1/positions/{long}/candidates", {}),
        ):
            assert_4xx(api.get(path, params=params), 404)


@pytest.mark.parametrize("amount", ["١٢٣", "１２３", "१२३", "12\u0663", "٣.٥"])
def test_digits_of_other_scripts_are_not_money(
    api: TestClient, database: Database, world: dict[str, str], amount: str
) -> None:
    before = snapshot(database)
    response = api.post(
        f"/v1/employees/{world['ana']}/events",
        json={
            "type": "salary_change",
            "occurred_on": "2024-03-01",
            "salary": {"amount": amount, "currency": "USD"},
        },
    )
    assert_4xx(response, 422, "salary.amount")
    bad_band = api.post(
        "/v1/positions",
        json={
            "code": "X",
            "title": "X",
            "family": "F",
            "track": "individual",
            "level": 1,
            "pay_band": {"currency": "USD", "min": amount, "max": "90000"},
        },
    )
    assert_4xx(bad_band, 422, "pay_band.min")
    assert snapshot(database) == before


def test_the_timeline_is_well_formed_xml_even_over_a_name_stored_with_control_characters(
    api: TestClient, database: Database, world: dict[str, str]
) -> None:
    # Stored before names were checked (or written straight into the database).
    with database.transaction() as session:
        session.execute(
            update(Employee)
            .where(Employee.id == world["ana"])
            .values(display_name="Ana\x01\x08 <b>&\x1f")
        )
    response = api.get(f"/v1/employees/{world['ana']}/timeline.svg")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag.endswith("svg")
    assert "Ana" in response.text and "<b>" not in response.text


# --- imports -------------------------------------------------------------------------------


def line(external_id: str, kind: str, day: str, **fields: Any) -> bytes:
    return raw({"employee_external_id": external_id, "type": kind, "occurred_on": day, **fields})


def hostile_file() -> bytes:
    return b"\n".join(
        [
            line("E-1", "training_completed", "2024-02-01", name="BLS"),
            line(f"E-{SURROGATE}", "training_completed", "2024-02-01", name="BLS"),
            line("E-1", "training_completed", "2024-02-02", name=f"x{SURROGATE}"),
            line("E-1", "training_completed", "2024-02-03", name="bad\u0007name"),
            b'{"employee_external_id": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
            b"[" * 60_000,
            line("E-1", "training_completed", "2024-02-04", name="x" * (MAX_LINE_BYTES + 10)),
            raw({"employee_external_id": "E-2", SURROGATE: "x"}),
            line("E-1", "skill_acquired", "2024-02-05", name="Triage"),
        ]
    )


EXPECTED_ERRORS = [
    (2, "employee_external_id"),
    (3, "name"),
    (4, "name"),
    (5, "line"),
    (6, "line"),
    (7, "line"),
    (8, "line"),
]


def test_an_import_rejects_hostile_lines_and_keeps_the_good_ones(
    api: TestClient, world: dict[str, str]
) -> None:
    response = api.post("/v1/imports", content=hostile_file(), headers=NDJSON)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["created"], report["rejected"]) == (9, 2, 7)
    assert [(e["line"], e["field"]) for e in report["errors"]] == EXPECTED_ERRORS
    too_long = next(e for e in report["errors"] if e["line"] == 7)
    assert f"{MAX_LINE_BYTES:,} bytes" in too_long["message"]
    events = api.get(f"/v1/employees/{world['ana']}/events").json()["items"]
    assert [e["name"] for e in events][-2:] == ["BLS", "Triage"]


def test_the_command_line_import_exits_2_on_hostile_lines_and_keeps_the_good_ones(
    cli: Callable[..., tuple[int, str, str]],
    api: TestClient,
    org: Any,
    world: dict[str, str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "hostile.ndjson"
    path.write_bytes(hostile_file())
    code, out, err = cli("import", str(path), "--org", org.name, "--quiet")
    assert code == 2, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert (report["lines"], report["created"], report["rejected"]) == (9, 2, 7)
    assert [e["line"] for e in report["errors"]] == [n for n, _ in EXPECTED_ERRORS]


def test_a_huge_line_is_dropped_as_it_streams_past() -> None:
    splitter = LineSplitter(limit=10)
    out = splitter.feed(b"short\n" + b"x" * 6)
    out += splitter.feed(b"y" * 1000)
    out += splitter.feed(b"z\nok\nlast")
    out += splitter.finish()
    assert out == [b"short", None, b"ok", b"last"]
    assert LineSplitter(limit=3).feed(b"abcd") == []


# --- never SQL or its parameters in errors or logs -----------------------------------------


def test_statement_parameters_never_reach_an_error_text(database: Database) -> None:
    assert database.reader.hide_parameters and database.writer.hide_parameters
    secret = "Ana Ruiz, born 1980-02-03"
    with pytest.raises(Exception) as caught, database.transaction() as session:
        session.execute(text("SELECT no_such_column FROM employee WHERE id = :id"), {"id": secret})
    assert secret not in str(caught.value)
