"""Small builders shared by the API tests: positions, people and events through the API,
each asserting it was created."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def create_position(api: TestClient, code: str, level: int, **fields: Any) -> str:
    """Create a position (family Nursing, individual track unless given) and return its id."""
    body = {
        "code": code,
        "title": f"Title {code}",
        "family": "Nursing",
        "track": "individual",
        "level": level,
        **fields,
    }
    response = api.post("/v1/positions", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def create_employee(api: TestClient, external_id: str) -> str:
    """Create a person and return their id."""
    response = api.post("/v1/employees", json={"external_id": external_id})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def record(api: TestClient, employee_id: str, type_: str, on: str, **fields: Any) -> str:
    """Record one event and return its id."""
    body = {"type": type_, "occurred_on": on, **fields}
    response = api.post(f"/v1/employees/{employee_id}/events", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def hire(api: TestClient, external_id: str, position_id: str, on: str = "2020-01-06") -> str:
    """Create a person hired into the position on the day and return their id."""
    person = create_employee(api, external_id)
    record(api, person, "hire", on, position_id=position_id)
    return person


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    """Assert a problem+json answer of this status and type; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["type"] == f"/problems/{slug}", body
    return body


def usd(amount: int | str) -> dict[str, str]:
    """Return a USD amount: whole dollars from an int, or the string as written."""
    return {"amount": f"{amount}.00" if isinstance(amount, int) else amount, "currency": "USD"}
