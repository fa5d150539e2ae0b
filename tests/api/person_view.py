"""Small helpers shared by the person's-view tests (skill levels, expiring certifications,
opportunities, what-if): they talk to the API only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PROBLEM_JSON = "application/problem+json"


def create_position(api: TestClient, code: str, level: int, **fields: Any) -> str:
    body = {
        "code": code,
        "title": f"Title {code}",
        "family": fields.pop("family", "Nursing"),
        "track": "individual",
        "level": level,
        **fields,
    }
    response = api.post("/v1/positions", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def create_employee(api: TestClient, external_id: str) -> str:
    response = api.post("/v1/employees", json={"external_id": external_id})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def record(api: TestClient, employee_id: str, type_: str, on: str, **fields: Any) -> str:
    body = {"type": type_, "occurred_on": on, **fields}
    response = api.post(f"/v1/employees/{employee_id}/events", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def readiness(api: TestClient, employee_id: str, target: str | None, as_of: str) -> dict[str, Any]:
    params = {"as_of": as_of}
    if target is not None:
        params["target_position_id"] = target
    response = api.get(f"/v1/employees/{employee_id}/readiness", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def problem(response: Any, status: int) -> dict[str, Any]:
    """Return the problem+json body of an error response, checking its status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return dict(response.json())


def error_fields(response: Any) -> list[str]:
    """Return the fields a 422 names."""
    return [e["field"] for e in problem(response, 422)["errors"]]
