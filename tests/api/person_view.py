"""Small helpers shared by the person's-view tests (skill levels, expiring certifications,
opportunities, what-if): they talk to the API only."""

from __future__ import annotations

from typing import Any

from tests.factories import create_employee, create_position, readiness, record

__all__ = ["create_employee", "create_position", "record", "readiness"]

PROBLEM_JSON = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    """Return the problem+json body of an error response, checking its status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return dict(response.json())


def error_fields(response: Any) -> list[str]:
    """Return the fields a 422 names."""
    return [e["field"] for e in problem(response, 422)["errors"]]
