"""Authentication, scopes and tenant isolation over HTTP.

Every key belongs to one organization; another organization's IDs are a 404, never a 403,
and a request with a foreign ID changes nothing in the organization that owns it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.models import Position
from tests.factories import (
    NOBODY,
    assert_problem,
    band,
    bearer,
    created,
    position_body,
)

# Positions here carry a band and a requirement, so that a leak of either would show.
NURSE = {
    "pay_band": band(60000, 80000),
    "requirements": [{"kind": "certification", "name": "RN License"}],
}
POLICY = {
    "weights": {
        "performance": 0.3,
        "leadership": 0.2,
        "development": 0.2,
        "requirements": 0.2,
        "experience": 0.1,
    },
    "window_months": 18,
    "saturation": {"leadership": 3, "development": 4},
    "thresholds": {"ready_now": 80, "ready_1_2_years": 50},
    "default_min_months_in_role": 12,
}


def assert_unauthorized(response: Any) -> dict[str, Any]:
    body = assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")
    return body


@dataclass
class World:
    """Organization A with a small history, and organization B with its own."""

    a: Any
    b: Any
    position: dict[str, Any]
    other_position: dict[str, Any]
    employee: dict[str, Any]
    event: dict[str, Any]
    b_position: dict[str, Any]
    b_employee: dict[str, Any]
    b_event: dict[str, Any]


def create(client: TestClient, headers: dict[str, str], path: str, body: dict) -> dict[str, Any]:
    return created(client.post(path, json=body, headers=headers))


@pytest.fixture
def world(client: TestClient, make_org: Callable[[str], Any]) -> World:
    a, b = make_org("Org A"), make_org("Org B")
    ha, hb = a.headers("admin"), b.headers("admin")
    position = create(client, ha, "/v1/positions", position_body("RN", 3, **NURSE))
    other = create(client, ha, "/v1/positions", position_body("RN-MGR", 4, **NURSE))
    employee = create(client, ha, "/v1/employees", {"external_id": "E-1", "display_name": "Ana"})
    events = f"/v1/employees/{employee['id']}/events"
    create(
        client,
        ha,
        events,
        {"type": "hire", "occurred_on": "2020-01-01", "position_id": position["id"]},
    )
    event = create(
        client, ha, events, {"type": "training_completed", "occurred_on": "2021-01-01", "name": "X"}
    )
    b_position = create(client, hb, "/v1/positions", position_body("B-RN", 3, **NURSE))
    b_employee = create(client, hb, "/v1/employees", {"external_id": "B-1"})
    b_event = create(
        client,
        hb,
        f"/v1/employees/{b_employee['id']}/events",
        {"type": "hire", "occurred_on": "2020-01-01", "position_id": b_position["id"]},
    )
    return World(a, b, position, other, employee, event, b_position, b_employee, b_event)


def snapshot(client: TestClient, headers: dict[str, str], employee_id: str) -> dict[str, Any]:
    """Everything an organization can read about itself (for 'nothing changed' checks)."""
    out = {}
    for name, path in {
        "positions": "/v1/positions",
        "employees": "/v1/employees",
        "events": f"/v1/employees/{employee_id}/events?include_voided=true",
        "employee": f"/v1/employees/{employee_id}",
        "policy": "/v1/scoring-policy",
    }.items():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        out[name] = response.json()
    return out


# --- authentication ---------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/v1/positions"),
    ("POST", "/v1/positions"),
    ("GET", f"/v1/positions/{NOBODY}"),
    ("PATCH", f"/v1/positions/{NOBODY}"),
    ("DELETE", f"/v1/positions/{NOBODY}"),
    ("GET", "/v1/employees"),
    ("POST", "/v1/employees"),
    ("GET", f"/v1/employees/{NOBODY}"),
    ("PATCH", f"/v1/employees/{NOBODY}"),
    ("DELETE", f"/v1/employees/{NOBODY}"),
    ("GET", f"/v1/employees/{NOBODY}/events"),
    ("POST", f"/v1/employees/{NOBODY}/events"),
    ("GET", f"/v1/employees/{NOBODY}/events/{NOBODY}"),
    ("DELETE", f"/v1/employees/{NOBODY}/events/{NOBODY}"),
    ("GET", f"/v1/comparisons?from_position_id={NOBODY}&to_position_id={NOBODY}"),
    ("GET", f"/v1/employees/{NOBODY}/readiness"),
    ("GET", "/v1/scoring-policy"),
    ("PUT", "/v1/scoring-policy"),
    ("GET", "/v1/scoring-policy/versions/1"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_missing_authorization_is_a_401_with_bearer_challenge(
    client: TestClient, org: Any, method: str, path: str
) -> None:
    response = client.request(method, path, json={})

    body = assert_unauthorized(response)
    assert "Authorization" in body["detail"] or "Bearer" in body["detail"]


@pytest.mark.parametrize(
    "key",
    ["not-a-key", "cm_00000000000000000000000000000000_secret", "cm_zz_secret"],
    ids=["garbage", "unknown-org", "bad-org-part"],
)
def test_unknown_key_is_a_401(client: TestClient, org: Any, key: str) -> None:
    response = client.get("/v1/positions", headers=bearer(key))

    assert_unauthorized(response)


def test_key_with_a_wrong_secret_for_a_real_org_is_a_401(client: TestClient, org: Any) -> None:
    prefix = org.admin.rsplit("_", 1)[0]

    response = client.get("/v1/positions", headers=bearer(f"{prefix}_wrong"))

    assert_unauthorized(response)


@pytest.mark.parametrize(
    "header",
    ["Basic {key}", "Token {key}", "{key}", "Bearer", "Bearer    ", "Bearer{key}"],
    ids=["basic", "token", "no-scheme", "no-token", "blank-token", "no-space"],
)
def test_malformed_authorization_is_a_401(client: TestClient, org: Any, header: str) -> None:
    response = client.get("/v1/positions", headers={"Authorization": header.format(key=org.admin)})

    assert_unauthorized(response)


def test_bearer_scheme_is_case_insensitive(client: TestClient, org: Any) -> None:
    response = client.get("/v1/positions", headers={"Authorization": f"bearer {org.admin}"})

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_bad_key_with_unparseable_body_is_a_401_not_a_400(
    client: TestClient, org: Any, database: Database
) -> None:
    response = client.post(
        "/v1/positions",
        content=b'{"code": "RN", oops',
        headers={"Authorization": "Bearer nope", "Content-Type": "application/json"},
    )

    assert_unauthorized(response)
    with database.transaction() as session:
        assert session.exec(select(Position)).all() == []


def test_missing_key_with_invalid_fields_is_a_401_not_a_422(client: TestClient, org: Any) -> None:
    response = client.post("/v1/positions", json={"level": "high"})

    assert_unauthorized(response)


@pytest.mark.parametrize(
    ("scope", "status", "slug"),
    [("read", 403, "forbidden"), ("write", 400, "bad-request")],
    ids=["read-key-is-a-403-not-a-400", "valid-key-is-a-400"],
)
def test_an_unparseable_body_is_judged_after_the_key_scope(
    client: TestClient, org: Any, scope: str, status: int, slug: str
) -> None:
    response = client.post(
        "/v1/positions",
        content=b"{not json",
        headers={**org.headers(scope), "Content-Type": "application/json"},
    )

    assert_problem(response, status, slug)


def test_read_key_with_invalid_fields_is_a_403_not_a_422(client: TestClient, org: Any) -> None:
    response = client.post("/v1/employees", json={"nope": 1}, headers=org.headers("read"))

    body = assert_problem(response, 403, "forbidden")
    assert "write" in body["detail"]


# --- scopes -----------------------------------------------------------------------------------


def test_read_key_can_read_everything(client: TestClient, world: World) -> None:
    read = world.a.headers("read")
    emp, pos = world.employee["id"], world.position["id"]

    positions = client.get("/v1/positions", headers=read)
    position = client.get(f"/v1/positions/{pos}", headers=read)
    employees = client.get("/v1/employees", headers=read)
    employee = client.get(f"/v1/employees/{emp}", headers=read)
    events = client.get(f"/v1/employees/{emp}/events", headers=read)
    event = client.get(f"/v1/employees/{emp}/events/{world.event['id']}", headers=read)
    comparison = client.get(
        "/v1/comparisons",
        params={"from_position_id": pos, "to_position_id": world.other_position["id"]},
        headers=read,
    )
    readiness = client.get(f"/v1/employees/{emp}/readiness", headers=read)
    policy = client.get("/v1/scoring-policy", headers=read)
    version = client.get("/v1/scoring-policy/versions/1", headers=read)

    assert [p["id"] for p in positions.json()["items"]] == [pos, world.other_position["id"]]
    assert position.json() == world.position
    assert [e["id"] for e in employees.json()["items"]] == [emp]
    assert employee.json()["current_position_id"] == pos
    assert [e["type"] for e in events.json()["items"]] == ["hire", "training_completed"]
    assert event.json() == world.event
    assert comparison.json()["move_type"] == "promotion"
    assert readiness.json()["employee_id"] == emp
    assert policy.json()["version"] == 1
    assert version.json()["version"] == 1


def test_read_key_cannot_write(client: TestClient, world: World) -> None:
    read = world.a.headers("read")
    emp, pos = world.employee["id"], world.position["id"]
    before = snapshot(client, world.a.headers(), emp)

    attempts = [
        client.post("/v1/positions", json=position_body("NEW", **NURSE), headers=read),
        client.patch(f"/v1/positions/{pos}", json={"title": "X"}, headers=read),
        client.delete(f"/v1/positions/{world.other_position['id']}", headers=read),
        client.post("/v1/employees", json={"external_id": "E-2"}, headers=read),
        client.patch(f"/v1/employees/{emp}", json={"display_name": "X"}, headers=read),
        client.post(
            f"/v1/employees/{emp}/events",
            json={"type": "skill_acquired", "occurred_on": "2022-01-01", "name": "Y"},
            headers=read,
        ),
        client.delete(
            f"/v1/employees/{emp}/events/{world.event['id']}",
            params={"reason": "x"},
            headers=read,
        ),
        client.delete(f"/v1/employees/{emp}", headers=read),
        client.put("/v1/scoring-policy", json=POLICY, headers=read),
    ]

    for response in attempts:
        assert_problem(response, 403, "forbidden")
    assert snapshot(client, world.a.headers(), emp) == before


def test_write_key_cannot_change_the_scoring_policy(client: TestClient, world: World) -> None:
    response = client.put("/v1/scoring-policy", json=POLICY, headers=world.a.headers("write"))

    body = assert_problem(response, 403, "forbidden")
    assert "admin" in body["detail"]
    policy = client.get("/v1/scoring-policy", headers=world.a.headers("read")).json()
    assert policy["version"] == 1
    assert policy["window_months"] == 24
    versions = client.get("/v1/scoring-policy/versions/2", headers=world.a.headers("read"))
    assert_problem(versions, 404, "not-found")


def test_write_key_cannot_erase_an_employee(client: TestClient, world: World) -> None:
    emp = world.employee["id"]
    before = snapshot(client, world.a.headers(), emp)

    response = client.delete(f"/v1/employees/{emp}", headers=world.a.headers("write"))

    body = assert_problem(response, 403, "forbidden")
    assert "admin" in body["detail"]
    assert snapshot(client, world.a.headers(), emp) == before


def test_write_key_can_write(client: TestClient, world: World) -> None:
    write = world.a.headers("write")
    emp = world.employee["id"]

    position = client.post("/v1/positions", json=position_body("NEW", **NURSE), headers=write)
    renamed = client.patch(f"/v1/employees/{emp}", json={"display_name": "A"}, headers=write)
    event = client.post(
        f"/v1/employees/{emp}/events",
        json={"type": "skill_acquired", "occurred_on": "2022-01-01", "name": "Y"},
        headers=write,
    )
    voided = client.delete(
        f"/v1/employees/{emp}/events/{world.event['id']}", params={"reason": "x"}, headers=write
    )

    assert position.status_code == 201 and position.json()["code"] == "NEW"
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "A"
    assert event.status_code == 201 and event.json()["name"] == "Y"
    assert voided.status_code == 200 and voided.json()["void_reason"] == "x"


def test_admin_can_change_the_scoring_policy(client: TestClient, world: World) -> None:
    response = client.put("/v1/scoring-policy", json=POLICY, headers=world.a.headers("admin"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2
    assert body["window_months"] == 18
    current = client.get("/v1/scoring-policy", headers=world.a.headers("read")).json()
    assert current["version"] == 2
    assert current["weights"] == POLICY["weights"]


def test_admin_can_erase_an_employee(client: TestClient, world: World) -> None:
    emp = world.employee["id"]

    response = client.delete(f"/v1/employees/{emp}", headers=world.a.headers("admin"))

    assert response.status_code == 204
    assert_problem(client.get(f"/v1/employees/{emp}", headers=world.a.headers()), 404, "not-found")


def test_healthz_needs_no_auth(client: TestClient) -> None:
    response = client.get("/v1/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_and_metrics_need_no_auth(client: TestClient) -> None:
    ready = client.get("/v1/readyz")
    metrics = client.get("/v1/metrics")

    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")


# --- tenant isolation -------------------------------------------------------------------------

# Each case: (name, method, path template, body or None). Templates name A's resources
# (`{pos}`, `{pos2}`, `{emp}`, `{ev}`) and B's own (`{bpos}`, `{bemp}`, `{bev}`).
FOREIGN = [
    ("get-position", "GET", "/v1/positions/{pos}", None),
    ("patch-position", "PATCH", "/v1/positions/{pos}", {"title": "Hijacked", "level": 9}),
    ("delete-position", "DELETE", "/v1/positions/{pos2}", None),
    ("get-employee", "GET", "/v1/employees/{emp}", None),
    ("patch-employee", "PATCH", "/v1/employees/{emp}", {"display_name": "Hijacked"}),
    ("erase-employee", "DELETE", "/v1/employees/{emp}", None),
    ("list-events", "GET", "/v1/employees/{emp}/events", None),
    (
        "post-event",
        "POST",
        "/v1/employees/{emp}/events",
        {"type": "skill_acquired", "occurred_on": "2022-01-01", "name": "Z"},
    ),
    ("get-event", "GET", "/v1/employees/{emp}/events/{ev}", None),
    ("void-event", "DELETE", "/v1/employees/{emp}/events/{ev}?reason=x", None),
    ("get-event-via-own-employee", "GET", "/v1/employees/{bemp}/events/{ev}", None),
    ("void-event-via-own-employee", "DELETE", "/v1/employees/{bemp}/events/{ev}?reason=x", None),
    ("readiness-of-employee", "GET", "/v1/employees/{emp}/readiness", None),
    (
        "readiness-target-position",
        "GET",
        "/v1/employees/{bemp}/readiness?target_position_id={pos}",
        None,
    ),
    ("compare-both", "GET", "/v1/comparisons?from_position_id={pos}&to_position_id={pos2}", None),
    ("compare-from", "GET", "/v1/comparisons?from_position_id={pos}&to_position_id={bpos}", None),
    ("compare-to", "GET", "/v1/comparisons?from_position_id={bpos}&to_position_id={pos}", None),
    (
        "compare-employee",
        "GET",
        "/v1/comparisons?from_position_id={bpos}&to_position_id={bpos}&employee_id={emp}",
        None,
    ),
]


def _fill(template: str, w: World) -> str:
    return template.format(
        pos=w.position["id"],
        pos2=w.other_position["id"],
        emp=w.employee["id"],
        ev=w.event["id"],
        bpos=w.b_position["id"],
        bemp=w.b_employee["id"],
        bev=w.b_event["id"],
    )


@pytest.mark.parametrize(
    ("method", "template", "body"), [c[1:] for c in FOREIGN], ids=[c[0] for c in FOREIGN]
)
def test_another_organizations_id_is_a_404_and_changes_nothing(
    client: TestClient, world: World, method: str, template: str, body: dict | None
) -> None:
    owner = world.a.headers("admin")
    before = snapshot(client, owner, world.employee["id"])
    b_before = snapshot(client, world.b.headers(), world.b_employee["id"])

    response = client.request(
        method, _fill(template, world), json=body, headers=world.b.headers("admin")
    )

    problem = assert_problem(response, 404, "not-found")
    # The same answer as for an ID that exists nowhere: nothing confirms it exists.
    unknown = client.request(
        method,
        _fill(template, world)
        .replace(world.position["id"], NOBODY)
        .replace(world.other_position["id"], NOBODY)
        .replace(world.employee["id"], NOBODY)
        .replace(world.event["id"], NOBODY),
        json=body,
        headers=world.b.headers("admin"),
    )
    assert unknown.status_code == 404
    assert set(problem) == set(unknown.json())
    assert snapshot(client, owner, world.employee["id"]) == before
    assert snapshot(client, world.b.headers(), world.b_employee["id"]) == b_before


def test_another_organizations_id_with_if_match_is_still_a_404(
    client: TestClient, world: World
) -> None:
    before = snapshot(client, world.a.headers(), world.employee["id"])
    hb = {**world.b.headers(), "If-Match": '"1"'}

    patched = client.patch(f"/v1/positions/{world.position['id']}", json={"title": "X"}, headers=hb)
    deleted = client.delete(f"/v1/positions/{world.position['id']}", headers=hb)

    assert_problem(patched, 404, "not-found")
    assert_problem(deleted, 404, "not-found")
    assert snapshot(client, world.a.headers(), world.employee["id"]) == before


def test_another_organizations_position_inside_a_body_is_a_422_on_that_field(
    client: TestClient, world: World
) -> None:
    before = snapshot(client, world.a.headers(), world.employee["id"])
    b_events = f"/v1/employees/{world.b_employee['id']}/events"

    response = client.post(
        b_events,
        json={
            "type": "position_change",
            "occurred_on": "2022-01-01",
            "position_id": world.position["id"],
        },
        headers=world.b.headers(),
    )

    problem = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["position_id"]
    listed = client.get(b_events, headers=world.b.headers()).json()["items"]
    assert [e["id"] for e in listed] == [world.b_event["id"]]
    assert snapshot(client, world.a.headers(), world.employee["id"]) == before


def test_lists_show_only_the_callers_organization(client: TestClient, world: World) -> None:
    hb = world.b.headers("read")

    positions = client.get("/v1/positions", headers=hb).json()
    employees = client.get("/v1/employees", headers=hb).json()
    by_external = client.get("/v1/employees", params={"external_id": "E-1"}, headers=hb).json()

    assert [p["id"] for p in positions["items"]] == [world.b_position["id"]]
    assert [e["id"] for e in employees["items"]] == [world.b_employee["id"]]
    assert by_external == {"items": [], "next_cursor": None}


def test_codes_and_external_ids_are_unique_per_organization_only(
    client: TestClient, world: World
) -> None:
    hb = world.b.headers()

    position = client.post("/v1/positions", json=position_body("RN", **NURSE), headers=hb)
    employee = client.post("/v1/employees", json={"external_id": "E-1"}, headers=hb)

    assert position.status_code == 201, position.text
    assert position.json()["id"] != world.position["id"]
    assert employee.status_code == 201, employee.text
    assert employee.json()["id"] != world.employee["id"]
    mine = client.get(f"/v1/positions/{world.position['id']}", headers=world.a.headers())
    assert mine.json() == world.position


def test_scoring_policy_versions_are_per_organization(client: TestClient, world: World) -> None:
    changed = client.put("/v1/scoring-policy", json=POLICY, headers=world.a.headers("admin"))
    assert changed.json()["version"] == 2

    b_current = client.get("/v1/scoring-policy", headers=world.b.headers()).json()
    b_version_2 = client.get("/v1/scoring-policy/versions/2", headers=world.b.headers())

    assert b_current["version"] == 1
    assert b_current["window_months"] == 24
    assert_problem(b_version_2, 404, "not-found")
