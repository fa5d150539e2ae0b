"""Small helpers shared by the person's-view tests (skill levels, expiring certifications,
opportunities, what-if): they talk to the API only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import create_employee, create_position, record

__all__ = ["create_employee", "create_position", "record", "readiness"]

PROBLEM_JSON = "application/problem+json"


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
