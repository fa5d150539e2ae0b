"""Employees over HTTP: creating and finding people, renaming them, and erasing a person
with every trace of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import or_
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent, Employee, IdempotencyRecord
from tests.factories import (
    NO_ADVANCEMENT,
    add_event,
    assert_problem,
    get_employee,
    make_employee,
    make_position,
    stored_events,
)

# --- employees --------------------------------------------------------------------------------


def test_created_employee_is_pending_with_empty_advancement(api: TestClient) -> None:
    response = api.post("/v1/employees", json={"external_id": "E-1", "display_name": "Ana Ruiz"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["external_id"] == "E-1"
    assert body["display_name"] == "Ana Ruiz"
    assert body["created_at"]
    assert body["status"] == "pending"
    assert body["current_position_id"] is None
    assert body["current_salary"] is None
    assert body["hired_on"] is None
    assert body["advancement"] == NO_ADVANCEMENT
    assert response.headers["location"] == f"/v1/employees/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert get_employee(api, body["id"]) == body


def test_display_name_is_optional(api: TestClient) -> None:
    body = make_employee(api, "E-1")

    assert body["display_name"] is None


def test_duplicate_external_id_is_a_409_and_creates_nothing(
    api: TestClient, database: Database
) -> None:
    make_employee(api, "E-1", display_name="First")

    response = api.post("/v1/employees", json={"external_id": "E-1", "display_name": "Second"})

    problem = assert_problem(response, 409, "conflict")
    assert "E-1" in problem["detail"]
    with database.transaction() as session:
        rows = session.exec(select(Employee)).all()
    assert [(e.external_id, e.display_name) for e in rows] == [("E-1", "First")]


def test_find_by_external_id_returns_a_page_of_one(api: TestClient) -> None:
    make_employee(api, "E-1")
    wanted = make_employee(api, "E-2")
    make_employee(api, "E-3")

    response = api.get("/v1/employees", params={"external_id": "E-2"})

    assert response.status_code == 200
    assert response.json() == {"items": [wanted], "next_cursor": None}


def test_find_by_unknown_external_id_returns_an_empty_page(api: TestClient) -> None:
    make_employee(api, "E-1")

    response = api.get("/v1/employees", params={"external_id": "nobody"})

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_employees_are_listed_oldest_first(api: TestClient) -> None:
    ids = [make_employee(api, f"E-{n}")["id"] for n in range(3)]

    body = api.get("/v1/employees").json()

    assert [e["id"] for e in body["items"]] == ids
    assert body["next_cursor"] is None


def test_unknown_employee_is_a_404(api: TestClient) -> None:
    response = api.get("/v1/employees/00000000-0000-4000-8000-000000000000")

    assert_problem(response, 404, "not-found")


# --- rename -----------------------------------------------------------------------------------


def test_patch_renames_with_current_if_match(api: TestClient) -> None:
    employee = make_employee(api, "E-1", display_name="Ana Ruiz")

    response = api.patch(
        f"/v1/employees/{employee['id']}",
        json={"display_name": "Ana Ruiz-Lopez"},
        headers={"If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Ana Ruiz-Lopez"
    assert response.json()["external_id"] == "E-1"
    assert response.headers["etag"] == '"2"'
    again = api.get(f"/v1/employees/{employee['id']}")
    assert again.json()["display_name"] == "Ana Ruiz-Lopez"
    assert again.headers["etag"] == '"2"'


def test_patch_without_if_match_renames(api: TestClient) -> None:
    employee = make_employee(api, "E-1", display_name="Ana")

    response = api.patch(f"/v1/employees/{employee['id']}", json={"external_id": "E-1b"})

    assert response.status_code == 200, response.text
    assert response.json()["external_id"] == "E-1b"
    found = api.get("/v1/employees", params={"external_id": "E-1b"}).json()["items"]
    assert [e["id"] for e in found] == [employee["id"]]


def test_patch_with_stale_if_match_is_a_412_and_keeps_the_name(api: TestClient) -> None:
    employee = make_employee(api, "E-1", display_name="Ana")
    api.patch(f"/v1/employees/{employee['id']}", json={"display_name": "Ana R."})

    response = api.patch(
        f"/v1/employees/{employee['id']}",
        json={"display_name": "Overwritten"},
        headers={"If-Match": '"1"'},
    )

    assert_problem(response, 412, "precondition-failed")
    again = api.get(f"/v1/employees/{employee['id']}")
    assert again.json()["display_name"] == "Ana R."
    assert again.headers["etag"] == '"2"'


def test_patch_to_a_taken_external_id_is_a_409(api: TestClient) -> None:
    make_employee(api, "E-1")
    bob = make_employee(api, "E-2")

    response = api.patch(f"/v1/employees/{bob['id']}", json={"external_id": "E-1"})

    assert_problem(response, 409, "conflict")
    assert get_employee(api, bob["id"])["external_id"] == "E-2"


# --- erasure ----------------------------------------------------------------------------------


def _idempotency_rows_about(database: Database, employee_id: str) -> list[IdempotencyRecord]:
    with database.transaction() as session:
        return list(
            session.exec(
                select(IdempotencyRecord).where(
                    or_(
                        IdempotencyRecord.employee_id == employee_id,
                        IdempotencyRecord.path.contains(employee_id),
                    )
                )
            ).all()
        )


def _erasure_fixture(
    api: TestClient,
) -> tuple[dict[str, Any], dict[str, Any], Callable[[str], dict[str, str]]]:
    """Create Ana (with history, some of it sent with Idempotency-Keys) and Bob."""
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)

    def key(value: str) -> dict[str, str]:
        return {"Idempotency-Key": value}

    created = api.post(
        "/v1/employees", json={"external_id": "E-ana", "display_name": "Ana"}, headers=key("c-1")
    )
    assert created.status_code == 201, created.text
    ana = created.json()
    path = f"/v1/employees/{ana['id']}/events"
    hired = api.post(
        path,
        json={"type": "hire", "occurred_on": "2019-01-01", "position_id": rn["id"]},
        headers=key("e-1"),
    )
    assert hired.status_code == 201, hired.text
    rejected = api.post(
        path,
        json={"type": "training_completed", "occurred_on": "2020-01-01", "rating": 3},
        headers=key("e-2"),
    )
    assert rejected.status_code == 422, rejected.text
    add_event(api, ana["id"], "promotion", "2021-01-01", position_id=manager["id"])
    bob = make_employee(api, "E-bob")
    bob_hire = api.post(
        f"/v1/employees/{bob['id']}/events",
        json={"type": "hire", "occurred_on": "2019-01-01", "position_id": rn["id"]},
        headers=key("e-1"),
    )
    assert bob_hire.status_code == 201, bob_hire.text
    return ana, bob, key


def bob_position(api: TestClient, employee_id: str) -> str:
    return get_employee(api, employee_id)["current_position_id"]


def test_erasure_needs_the_admin_scope(client: TestClient, org: Any, database: Database) -> None:
    client.headers.update(org.headers("admin"))
    ana, _, _ = _erasure_fixture(client)

    response = client.delete(f"/v1/employees/{ana['id']}", headers=org.headers("write"))

    assert_problem(response, 403, "forbidden")
    assert get_employee(client, ana["id"])["external_id"] == "E-ana"
    assert [e.type for e in stored_events(database, ana["id"])] == ["hire", "promotion"]


def test_erasure_removes_the_person_their_events_and_idempotency_records(
    api: TestClient, database: Database
) -> None:
    ana, bob, key = _erasure_fixture(api)
    rn_id = bob_position(api, bob["id"])
    assert len(_idempotency_rows_about(database, ana["id"])) == 3

    response = api.delete(f"/v1/employees/{ana['id']}")

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_problem(api.get(f"/v1/employees/{ana['id']}"), 404, "not-found")
    assert_problem(api.get(f"/v1/employees/{ana['id']}/events"), 404, "not-found")
    assert api.get("/v1/employees", params={"external_id": "E-ana"}).json()["items"] == []
    with database.transaction() as session:
        assert session.exec(select(Employee).where(Employee.id == ana["id"])).all() == []
        assert (
            session.exec(select(CareerEvent).where(CareerEvent.employee_id == ana["id"])).all()
            == []
        )
    assert _idempotency_rows_about(database, ana["id"]) == []
    # Nothing replays her history any more: a retry of her hire runs again, and finds no one.
    retry = api.post(
        f"/v1/employees/{ana['id']}/events",
        json={"type": "hire", "occurred_on": "2019-01-01", "position_id": rn_id},
        headers=key("e-1"),
    )
    assert_problem(retry, 404, "not-found")
    assert "idempotent-replayed" not in retry.headers
    # Bob is untouched, and so is his own idempotency record.
    assert get_employee(api, bob["id"])["status"] == "active"
    assert len(stored_events(database, bob["id"])) == 1
    assert len(_idempotency_rows_about(database, bob["id"])) == 1


def test_erased_person_leaves_no_trace_in_stored_responses(
    api: TestClient, database: Database
) -> None:
    ana, _, key = _erasure_fixture(api)
    # A retry of Ana's creation that clashed with her: its stored answer names her.
    clash = api.post("/v1/employees", json={"external_id": "E-ana"}, headers=key("c-2"))
    assert clash.status_code == 409, clash.text

    api.delete(f"/v1/employees/{ana['id']}")

    with database.transaction() as session:
        bodies = [r.response_body or b"" for r in session.exec(select(IdempotencyRecord)).all()]
    assert not [b for b in bodies if ana["id"].encode() in b or b"E-ana" in b]


def test_erasure_cannot_be_repeated(api: TestClient) -> None:
    ana = make_employee(api, "E-ana")
    assert api.delete(f"/v1/employees/{ana['id']}").status_code == 204

    response = api.delete(f"/v1/employees/{ana['id']}")

    assert_problem(response, 404, "not-found")


def test_external_id_of_an_erased_person_can_be_used_again(api: TestClient) -> None:
    ana = make_employee(api, "E-ana")
    api.delete(f"/v1/employees/{ana['id']}")

    again = make_employee(api, "E-ana")

    assert again["id"] != ana["id"]
    assert again["status"] == "pending"
