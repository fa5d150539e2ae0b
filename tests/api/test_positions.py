"""Positions over HTTP: the job architecture, its ETags, If-Match and the rules on deletion."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.models import Position
from tests import factories
from tests.factories import add_event, assert_problem, make_employee

# Every position here is this registered nurse unless the test says otherwise.
NURSE = {
    "title": "Registered Nurse",
    "level": 3,
    "pay_band": {"currency": "USD", "min": "60000", "max": "80000"},
    "requirements": [{"kind": "certification", "name": "RN License"}],
}


def position_body(**fields: Any) -> dict[str, Any]:
    """Return a valid position body; `fields` replace or add fields."""
    return factories.position_body(**(NURSE | fields))


def make_position(api: TestClient, **fields: Any) -> dict[str, Any]:
    """Create a position and return its JSON."""
    return factories.make_position(api, **(NURSE | fields))


def stored_positions(database: Database) -> list[Position]:
    with database.transaction() as session:
        return list(session.exec(select(Position)).all())


# --- create and read -------------------------------------------------------------------------


def test_create_returns_the_full_position_with_location_and_etag(api: TestClient) -> None:
    response = api.post(
        "/v1/positions",
        json={
            "code": "RN-MGR",
            "title": "Registered Nurse Manager",
            "family": "Nursing",
            "track": "management",
            "level": 4,
            "pay_band": {"currency": "USD", "min": 75000, "max": "95000.50"},
            "requirements": [
                {"kind": "certification", "name": "Nurse Executive (NE-BC)"},
                {"kind": "skill", "name": "Budgeting", "mandatory": False},
            ],
            "min_months_in_role": 18,
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == "RN-MGR"
    assert body["title"] == "Registered Nurse Manager"
    assert body["family"] == "Nursing"
    assert body["track"] == "management"
    assert body["level"] == 4
    assert body["pay_band"] == {
        "currency": "USD",
        "min": "75000.00",
        "max": "95000.50",
        "midpoint": "85000.25",
    }
    assert body["requirements"] == [
        {"kind": "certification", "name": "Nurse Executive (NE-BC)", "mandatory": True},
        {"kind": "skill", "name": "Budgeting", "mandatory": False},
    ]
    assert body["min_months_in_role"] == 18
    assert body["version"] == 1
    assert body["created_at"] and body["updated_at"]
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/positions/{body['id']}"


def test_get_returns_the_same_position_and_its_etag(api: TestClient) -> None:
    created = make_position(api, code="RN")

    response = api.get(f"/v1/positions/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


def test_get_unknown_position_is_a_404_problem(api: TestClient) -> None:
    response = api.get("/v1/positions/00000000-0000-4000-8000-000000000000")

    body = assert_problem(response, 404, "not-found")
    assert "00000000-0000-4000-8000-000000000000" in body["detail"]


def test_list_shows_created_positions_oldest_first(api: TestClient) -> None:
    first = make_position(api, code="A")
    second = make_position(api, code="B")
    third = make_position(api, code="C")

    response = api.get("/v1/positions")

    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["items"]] == [first["id"], second["id"], third["id"]]
    assert body["items"][0] == first
    assert body["next_cursor"] is None


def test_list_of_an_empty_organization_is_an_empty_page(api: TestClient) -> None:
    response = api.get("/v1/positions")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_duplicate_code_is_a_409_and_creates_nothing(api: TestClient, database: Database) -> None:
    make_position(api, code="RN", title="Original")

    response = api.post("/v1/positions", json=position_body(code="RN", title="Copy"))

    body = assert_problem(response, 409, "conflict")
    assert "RN" in body["detail"]
    rows = stored_positions(database)
    assert [(p.code, p.title) for p in rows] == [("RN", "Original")]


def test_missing_track_is_a_422_naming_track(api: TestClient, database: Database) -> None:
    body = position_body()
    del body["track"]

    response = api.post("/v1/positions", json=body)

    problem = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["track"]
    assert stored_positions(database) == []


# --- money: midpoint and band ----------------------------------------------------------------


def test_midpoint_defaults_to_the_mean_of_min_and_max(api: TestClient) -> None:
    created = make_position(api, pay_band={"currency": "USD", "min": 60000, "max": 80000})

    assert created["pay_band"]["midpoint"] == "70000.00"


def test_midpoint_rounds_half_up_to_cents(api: TestClient) -> None:
    # (100.00 + 100.03) / 2 = 100.015 -> 100.02; (0.01 + 0.02) / 2 = 0.015 -> 0.02
    one = make_position(api, pay_band={"currency": "EUR", "min": "100.00", "max": "100.03"})
    two = make_position(api, pay_band={"currency": "EUR", "min": 0.01, "max": 0.02})

    assert one["pay_band"] == {
        "currency": "EUR",
        "min": "100.00",
        "max": "100.03",
        "midpoint": "100.02",
    }
    assert two["pay_band"]["midpoint"] == "0.02"


def test_explicit_midpoint_is_kept(api: TestClient) -> None:
    created = make_position(
        api, pay_band={"currency": "USD", "min": 60000, "max": 80000, "midpoint": "72500.5"}
    )

    assert created["pay_band"]["midpoint"] == "72500.50"


def test_pay_band_may_be_null(api: TestClient) -> None:
    created = make_position(api, pay_band=None)

    assert created["pay_band"] is None
    assert api.get(f"/v1/positions/{created['id']}").json()["pay_band"] is None


def test_pay_band_may_be_omitted(api: TestClient) -> None:
    body = position_body()
    del body["pay_band"]

    response = api.post("/v1/positions", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["pay_band"] is None


def test_requirement_mandatory_defaults_to_true(api: TestClient) -> None:
    created = make_position(
        api,
        requirements=[
            {"kind": "training", "name": "Triage Basics"},
            {"kind": "skill", "name": "Spanish", "mandatory": False},
        ],
    )

    assert created["requirements"] == [
        {"kind": "training", "name": "Triage Basics", "mandatory": True},
        {"kind": "skill", "name": "Spanish", "mandatory": False},
    ]


def test_requirements_default_to_empty_and_min_months_to_null(api: TestClient) -> None:
    body = position_body()
    del body["requirements"]

    created = api.post("/v1/positions", json=body).json()

    assert created["requirements"] == []
    assert created["min_months_in_role"] is None


# --- PATCH ------------------------------------------------------------------------------------


def test_patch_changes_fields_bumps_version_and_etag(api: TestClient) -> None:
    created = make_position(api, code="RN", title="Nurse", min_months_in_role=12)

    response = api.patch(
        f"/v1/positions/{created['id']}", json={"title": "Staff Nurse", "min_months_in_role": 6}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Staff Nurse"
    assert body["min_months_in_role"] == 6
    assert body["code"] == "RN"
    assert body["pay_band"] == created["pay_band"]
    assert body["requirements"] == created["requirements"]
    assert body["version"] == 2
    assert body["created_at"] == created["created_at"]
    assert body["updated_at"] >= created["updated_at"]
    assert response.headers["etag"] == '"2"'
    again = api.get(f"/v1/positions/{created['id']}")
    assert again.json() == body
    assert again.headers["etag"] == '"2"'


def test_each_patch_bumps_the_version_again(api: TestClient) -> None:
    created = make_position(api)

    api.patch(f"/v1/positions/{created['id']}", json={"title": "One"})
    response = api.patch(f"/v1/positions/{created['id']}", json={"title": "Two"})

    assert response.json()["version"] == 3
    assert response.headers["etag"] == '"3"'


def test_patch_replaces_pay_band_whole(api: TestClient) -> None:
    created = make_position(
        api, pay_band={"currency": "USD", "min": 60000, "max": 80000, "midpoint": 75000}
    )

    response = api.patch(
        f"/v1/positions/{created['id']}",
        json={"pay_band": {"currency": "EUR", "min": 50000, "max": 52000}},
    )

    assert response.status_code == 200, response.text
    # The old explicit midpoint does not survive: the new band's default applies.
    assert response.json()["pay_band"] == {
        "currency": "EUR",
        "min": "50000.00",
        "max": "52000.00",
        "midpoint": "51000.00",
    }


def test_patch_with_null_pay_band_removes_the_band(api: TestClient) -> None:
    created = make_position(api)

    response = api.patch(f"/v1/positions/{created['id']}", json={"pay_band": None})

    assert response.status_code == 200, response.text
    assert response.json()["pay_band"] is None
    assert api.get(f"/v1/positions/{created['id']}").json()["pay_band"] is None


def test_patch_replaces_requirements_whole(api: TestClient) -> None:
    created = make_position(
        api,
        requirements=[
            {"kind": "certification", "name": "RN License"},
            {"kind": "skill", "name": "Phlebotomy"},
        ],
    )

    response = api.patch(
        f"/v1/positions/{created['id']}",
        json={"requirements": [{"kind": "training", "name": "Triage", "mandatory": False}]},
    )

    assert response.status_code == 200, response.text
    expected = [{"kind": "training", "name": "Triage", "mandatory": False}]
    assert response.json()["requirements"] == expected
    assert api.get(f"/v1/positions/{created['id']}").json()["requirements"] == expected


def test_patch_with_empty_requirements_clears_them(api: TestClient) -> None:
    created = make_position(api)

    response = api.patch(f"/v1/positions/{created['id']}", json={"requirements": []})

    assert response.json()["requirements"] == []


def test_patch_without_if_match_works(api: TestClient) -> None:
    created = make_position(api, level=3)

    response = api.patch(f"/v1/positions/{created['id']}", json={"level": 4})

    assert response.status_code == 200, response.text
    assert response.json()["level"] == 4


def test_patch_with_current_if_match_works(api: TestClient) -> None:
    created = make_position(api, title="Nurse")

    response = api.patch(
        f"/v1/positions/{created['id']}",
        json={"title": "Charge Nurse"},
        headers={"If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Charge Nurse"
    assert response.json()["version"] == 2


def test_patch_with_stale_if_match_is_a_412_and_changes_nothing(
    api: TestClient, database: Database
) -> None:
    created = make_position(api, title="Nurse", level=3)
    api.patch(f"/v1/positions/{created['id']}", json={"title": "Staff Nurse"})  # now version 2

    response = api.patch(
        f"/v1/positions/{created['id']}",
        json={"title": "Overwritten", "level": 9, "pay_band": None, "requirements": []},
        headers={"If-Match": '"1"'},
    )

    problem = assert_problem(response, 412, "precondition-failed")
    assert '"2"' in problem["detail"]
    current = api.get(f"/v1/positions/{created['id']}")
    assert current.headers["etag"] == '"2"'
    body = current.json()
    assert body["title"] == "Staff Nurse"
    assert body["level"] == 3
    assert body["version"] == 2
    assert body["pay_band"] == created["pay_band"]
    assert body["requirements"] == created["requirements"]
    [row] = stored_positions(database)
    assert (row.title, row.version) == ("Staff Nurse", 2)


def test_patch_to_a_taken_code_is_a_409_and_changes_nothing(api: TestClient) -> None:
    make_position(api, code="RN")
    other = make_position(api, code="LPN")

    response = api.patch(f"/v1/positions/{other['id']}", json={"code": "RN"})

    assert_problem(response, 409, "conflict")
    current = api.get(f"/v1/positions/{other['id']}").json()
    assert current["code"] == "LPN"
    assert current["version"] == 1


def test_patch_keeping_its_own_code_is_fine(api: TestClient) -> None:
    created = make_position(api, code="RN")

    response = api.patch(f"/v1/positions/{created['id']}", json={"code": "RN", "title": "X"})

    assert response.status_code == 200, response.text
    assert response.json()["code"] == "RN"


def test_patch_setting_track_to_null_is_a_422_and_changes_nothing(api: TestClient) -> None:
    created = make_position(api, track="individual")

    response = api.patch(f"/v1/positions/{created['id']}", json={"track": None})

    assert_problem(response, 422, "validation-error")
    assert api.get(f"/v1/positions/{created['id']}").json()["version"] == 1


def test_patch_unknown_position_is_a_404(api: TestClient) -> None:
    response = api.patch("/v1/positions/00000000-0000-4000-8000-000000000000", json={"title": "X"})

    assert_problem(response, 404, "not-found")


# --- DELETE -----------------------------------------------------------------------------------


def test_delete_without_if_match_removes_the_position(api: TestClient, database: Database) -> None:
    created = make_position(api)

    response = api.delete(f"/v1/positions/{created['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(api.get(f"/v1/positions/{created['id']}"), 404, "not-found")
    assert api.get("/v1/positions").json()["items"] == []
    assert stored_positions(database) == []


def test_delete_with_current_if_match_removes_the_position(api: TestClient) -> None:
    created = make_position(api)
    api.patch(f"/v1/positions/{created['id']}", json={"title": "Renamed"})

    response = api.delete(f"/v1/positions/{created['id']}", headers={"If-Match": '"2"'})

    assert response.status_code == 204
    assert_problem(api.get(f"/v1/positions/{created['id']}"), 404, "not-found")


def test_delete_with_stale_if_match_is_a_412_and_keeps_the_position(api: TestClient) -> None:
    created = make_position(api)
    api.patch(f"/v1/positions/{created['id']}", json={"title": "Renamed"})

    response = api.delete(f"/v1/positions/{created['id']}", headers={"If-Match": '"1"'})

    assert_problem(response, 412, "precondition-failed")
    still = api.get(f"/v1/positions/{created['id']}")
    assert still.status_code == 200
    assert still.json()["title"] == "Renamed"


def test_delete_of_a_position_an_event_names_is_a_409_and_keeps_it(
    api: TestClient, database: Database
) -> None:
    position = make_position(api, code="RN")
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2022-01-10", position_id=position["id"])

    response = api.delete(f"/v1/positions/{position['id']}")

    problem = assert_problem(response, 409, "conflict")
    assert "event" in problem["detail"].lower()
    assert api.get(f"/v1/positions/{position['id']}").json() == position
    assert [p.id for p in stored_positions(database)] == [position["id"]]
    assert (
        api.get(f"/v1/employees/{employee['id']}").json()["current_position_id"] == (position["id"])
    )


def test_delete_of_a_position_named_only_by_a_voided_event_is_still_a_409(
    api: TestClient,
) -> None:
    # A voided event stays in the history, so it still names the position.
    position = make_position(api)
    employee = make_employee(api)
    event = add_event(api, employee["id"], "hire", "2022-01-10", position_id=position["id"])
    voided = api.request(
        "DELETE",
        f"/v1/employees/{employee['id']}/events/{event['id']}",
        json={"reason": "entered twice"},
    )
    assert voided.status_code == 200, voided.text

    response = api.delete(f"/v1/positions/{position['id']}")

    assert_problem(response, 409, "conflict")
    assert api.get(f"/v1/positions/{position['id']}").status_code == 200


def test_delete_unknown_position_is_a_404(api: TestClient) -> None:
    response = api.delete("/v1/positions/00000000-0000-4000-8000-000000000000")

    assert_problem(response, 404, "not-found")


def test_code_of_a_deleted_position_can_be_reused(api: TestClient) -> None:
    created = make_position(api, code="RN")
    api.delete(f"/v1/positions/{created['id']}")

    again = api.post("/v1/positions", json=position_body(code="RN"))

    assert again.status_code == 201, again.text
    assert again.json()["id"] != created["id"]
    assert again.json()["version"] == 1
