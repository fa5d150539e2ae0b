"""Small hand-built organizations for the fairness tests: histories through the importer,
demographics through the admin endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi.testclient import TestClient

# The fairness tests import `position` from here.
from tests.factories import create_position as position

AS_OF = "2026-06-30"


def ndjson(lines: Iterable[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


def load(api: TestClient, lines: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Import the lines; return every person's id by external id."""
    response = api.post(
        "/v1/imports", content=ndjson(lines), headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == [], response.text
    ids: dict[str, str] = {}
    params: dict[str, Any] = {"limit": 500}
    while True:
        page = api.get("/v1/employees", params=params).json()
        ids.update({e["external_id"]: e["id"] for e in page["items"]})
        if page["next_cursor"] is None:
            return ids
        params["cursor"] = page["next_cursor"]


def describe(api: TestClient, employee_id: str, **attributes: str) -> None:
    response = api.put(f"/v1/employees/{employee_id}/demographics", json={"attributes": attributes})
    assert response.status_code == 200, response.text


def profile(external_id: str, kind: str, *, position: str = "RN") -> list[dict[str, Any]]:
    """Return the history of one person as of AS_OF, hired 2024-01-01 (experience 100,
    requirements 100 without a target): `A` scores 100 (review 5, 3 leadership, 4
    development), `C` 42.5 (review 3), `D` 25 (nothing but the hire)."""
    person = {"employee_external_id": external_id}
    lines: list[dict[str, Any]] = [
        {**person, "type": "hire", "occurred_on": "2024-01-01", "position_code": position}
    ]
    if kind == "A":
        lines.append(
            {**person, "type": "performance_review", "occurred_on": "2026-01-15", "rating": 5}
        )
        lines += [
            {
                **person,
                "type": "leadership_activity",
                "occurred_on": f"2026-0{m}-01",
                "name": f"Led {m}",
            }
            for m in (2, 3, 4)
        ]
        lines += [
            {
                **person,
                "type": "training_completed",
                "occurred_on": f"2026-0{m}-10",
                "name": f"Course {m}",
            }
            for m in (1, 2, 3, 4)
        ]
    elif kind == "C":
        lines.append(
            {**person, "type": "performance_review", "occurred_on": "2026-01-15", "rating": 3}
        )
    return lines


# The readiness population: (external id, profile, sex, race_ethnicity); None is unknown.
READINESS_PEOPLE: list[tuple[str, str, str | None, str | None]] = [
    *[(f"F-A-{i}", "A", "female", "asian" if i < 3 else "white") for i in range(5)],
    *[(f"F-C-{i}", "C", "female", "white") for i in range(5)],
    *[(f"F-D-{i}", "D", "female", "asian" if i < 5 else "white") for i in range(15)],
    *[(f"M-A-{i}", "A", "male", "white") for i in range(15)],
    *[(f"M-D-{i}", "D", "male", "asian" if i < 5 else "white") for i in range(10)],
    ("N-A-0", "A", "nonbinary", "white"),
    ("U-A-0", "A", None, None),
    ("U-D-0", "D", None, None),
    ("U-D-1", "D", None, "white"),
]


def readiness_population(api: TestClient) -> dict[str, str]:
    """Build the readiness population (plus an exited person and a manager, who do not
    count without and with the manager target); return ids by external id."""
    position(api, "RN", 3)
    lines = [line for ext, kind, _, _ in READINESS_PEOPLE for line in profile(ext, kind)]
    lines += profile("X-EXITED", "A")
    lines.append({"employee_external_id": "X-EXITED", "type": "exit", "occurred_on": "2026-03-01"})
    ids = load(api, lines)
    for ext, _, sex, race in READINESS_PEOPLE:
        attributes = {k: v for k, v in (("sex", sex), ("race_ethnicity", race)) if v}
        if attributes:
            describe(api, ids[ext], **attributes)
    describe(api, ids["X-EXITED"], sex="female", race_ethnicity="white")
    return ids
