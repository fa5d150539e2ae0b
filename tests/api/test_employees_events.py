"""Employees and their career events over HTTP: derived state, validation against the
history, classification of moves, voiding, filters, erasure and renaming."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import or_
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent, Employee, IdempotencyRecord

PROBLEM_JSON = "application/problem+json"
_codes = count(1)


def make_position(api: TestClient, level: int = 3, **overrides: Any) -> dict[str, Any]:
    """Create a position at `level` and return its JSON."""
    body: dict[str, Any] = {
        "code": f"P-{next(_codes)}",
        "title": f"Role at level {level}",
        "family": "Nursing",
        "track": "individual",
        "level": level,
        "pay_band": {"currency": "USD", "min": 50000, "max": 90000},
    }
    body.update(overrides)
    response = api.post("/v1/positions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def make_employee(api: TestClient, external_id: str = "E-1", **overrides: Any) -> dict[str, Any]:
    response = api.post("/v1/employees", json={"external_id": external_id, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def post_event(api: TestClient, employee_id: str, type_: str, on: str, **fields: Any) -> Any:
    """POST an event and return the raw response."""
    return api.post(
        f"/v1/employees/{employee_id}/events", json={"type": type_, "occurred_on": on, **fields}
    )


def add_event(api: TestClient, employee_id: str, type_: str, on: str, **fields: Any) -> dict:
    """Record an event that must be accepted and return its JSON."""
    response = post_event(api, employee_id, type_, on, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def get_employee(api: TestClient, employee_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/employees/{employee_id}")
    assert response.status_code == 200, response.text
    return response.json()


def list_events(api: TestClient, employee_id: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/v1/employees/{employee_id}/events", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return body["items"]


def get_event(api: TestClient, employee_id: str, event_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/employees/{employee_id}/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()


def void(api: TestClient, employee_id: str, event_id: str, reason: str | None = "typo") -> Any:
    params = {"reason": reason} if reason is not None else {}
    return api.delete(f"/v1/employees/{employee_id}/events/{event_id}", params=params)


def stored_events(database: Database, employee_id: str) -> list[CareerEvent]:
    with database.transaction() as session:
        return list(
            session.exec(select(CareerEvent).where(CareerEvent.employee_id == employee_id)).all()
        )


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def error_fields(problem: dict[str, Any]) -> list[str]:
    return [e["field"] for e in problem["errors"]]


def utc_today() -> date:
    return datetime.now(UTC).date()


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
    assert body["advancement"] == {
        "promotions": 0,
        "lateral_moves": 0,
        "demotions": 0,
        "trainings": 0,
        "certifications": 0,
        "skills": 0,
        "months_in_current_role": None,
    }
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


# --- derived state ----------------------------------------------------------------------------


def test_hire_makes_the_employee_active_in_the_position_with_the_salary(api: TestClient) -> None:
    rn = make_position(api, level=3)
    employee = make_employee(api)

    event = add_event(
        api, employee["id"], "hire", "2021-02-01", position_id=rn["id"], salary=usd("70000")
    )

    assert event["type"] == "hire"
    assert event["employee_id"] == employee["id"]
    assert event["occurred_on"] == "2021-02-01"
    assert event["position_id"] == rn["id"]
    assert event["salary"] == {"amount": "70000.00", "currency": "USD"}
    assert event["classification"] is None
    assert event["voided_at"] is None and event["void_reason"] is None
    assert event["recorded_at"]
    now = get_employee(api, employee["id"])
    assert now["status"] == "active"
    assert now["current_position_id"] == rn["id"]
    assert now["current_salary"] == {"amount": "70000.00", "currency": "USD"}
    assert now["hired_on"] == "2021-02-01"


def test_employee_with_only_development_events_stays_pending(api: TestClient) -> None:
    employee = make_employee(api)
    add_event(api, employee["id"], "training_completed", "2021-01-01", name="BLS")

    now = get_employee(api, employee["id"])

    assert now["status"] == "pending"
    assert now["current_position_id"] is None
    assert now["hired_on"] is None
    assert now["advancement"]["trainings"] == 1


def test_exit_clears_position_and_salary_but_keeps_hired_on(api: TestClient) -> None:
    rn = make_position(api)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2020-03-01", position_id=rn["id"], salary=usd("70000"))

    add_event(api, employee["id"], "exit", "2023-06-30")

    now = get_employee(api, employee["id"])
    assert now["status"] == "exited"
    assert now["current_position_id"] is None
    assert now["current_salary"] is None
    assert now["hired_on"] == "2020-03-01"
    assert now["advancement"]["months_in_current_role"] is None


def test_hire_after_exit_is_a_rehire(api: TestClient) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"], salary=usd("60000"))
    add_event(api, employee["id"], "exit", "2020-01-01")

    add_event(
        api, employee["id"], "hire", "2022-05-01", position_id=triage["id"], salary=usd("72000")
    )

    now = get_employee(api, employee["id"])
    assert now["status"] == "active"
    assert now["current_position_id"] == triage["id"]
    assert now["current_salary"] == {"amount": "72000.00", "currency": "USD"}
    assert now["hired_on"] == "2022-05-01"


def test_move_without_salary_keeps_the_previous_salary(api: TestClient) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2020-01-01", position_id=rn["id"], salary=usd("70000"))

    move = add_event(api, employee["id"], "position_change", "2021-01-01", position_id=triage["id"])

    assert move["salary"] is None
    now = get_employee(api, employee["id"])
    assert now["current_position_id"] == triage["id"]
    assert now["current_salary"] == {"amount": "70000.00", "currency": "USD"}


def test_move_with_salary_and_salary_change_set_the_current_salary(api: TestClient) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2020-01-01", position_id=rn["id"], salary=usd("70000"))
    add_event(
        api,
        employee["id"],
        "position_change",
        "2021-01-01",
        position_id=manager["id"],
        salary=usd("85000.5"),
    )
    assert get_employee(api, employee["id"])["current_salary"]["amount"] == "85000.50"

    add_event(api, employee["id"], "salary_change", "2022-01-01", salary=usd("90000"))

    assert get_employee(api, employee["id"])["current_salary"] == {
        "amount": "90000.00",
        "currency": "USD",
    }


def test_future_dated_move_is_accepted_but_counts_from_its_day(api: TestClient) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2020-01-01", position_id=rn["id"], salary=usd("70000"))
    future = (utc_today() + timedelta(days=60)).isoformat()

    move = add_event(
        api,
        employee["id"],
        "position_change",
        future,
        position_id=manager["id"],
        salary=usd("90000"),
    )

    assert move["occurred_on"] == future
    assert move["classification"] == "promotion"
    now = get_employee(api, employee["id"])
    assert now["current_position_id"] == rn["id"]
    assert now["current_salary"]["amount"] == "70000.00"
    assert now["advancement"]["promotions"] == 0
    assert [e["id"] for e in list_events(api, employee["id"])][-1] == move["id"]


def test_future_dated_hire_leaves_the_employee_pending_today(api: TestClient) -> None:
    rn = make_position(api)
    employee = make_employee(api)
    future = (utc_today() + timedelta(days=30)).isoformat()

    add_event(api, employee["id"], "hire", future, position_id=rn["id"])

    now = get_employee(api, employee["id"])
    assert now["status"] == "pending"
    assert now["hired_on"] is None


# --- classification of moves ------------------------------------------------------------------


def test_position_change_is_classified_against_the_levels(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level3b = make_position(api, level=3)
    level5 = make_position(api, level=5)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=level3["id"])

    up = add_event(api, employee["id"], "position_change", "2019-01-01", position_id=level5["id"])
    down = add_event(api, employee["id"], "position_change", "2020-01-01", position_id=level3["id"])
    side = add_event(
        api, employee["id"], "position_change", "2021-01-01", position_id=level3b["id"]
    )

    assert (up["classification"], down["classification"], side["classification"]) == (
        "promotion",
        "demotion",
        "lateral",
    )
    stored = {e["id"]: e["classification"] for e in list_events(api, employee["id"])}
    assert stored[up["id"]] == "promotion"
    assert stored[down["id"]] == "demotion"
    assert stored[side["id"]] == "lateral"
    assert get_event(api, employee["id"], up["id"])["classification"] == "promotion"
    advancement = get_employee(api, employee["id"])["advancement"]
    moves = (advancement["promotions"], advancement["lateral_moves"], advancement["demotions"])
    assert moves == (1, 1, 1)


def test_asserted_move_that_agrees_with_the_levels_is_accepted(api: TestClient) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    lateral = add_event(api, employee["id"], "lateral_move", "2019-01-01", position_id=triage["id"])
    promotion = add_event(api, employee["id"], "promotion", "2020-01-01", position_id=manager["id"])

    assert lateral["type"] == "lateral_move"
    assert lateral["classification"] == "lateral"
    assert promotion["type"] == "promotion"
    assert promotion["classification"] == "promotion"


def test_asserted_promotion_contradicting_the_levels_is_a_422_and_stores_nothing(
    api: TestClient, database: Database
) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    response = post_event(api, employee["id"], "promotion", "2019-01-01", position_id=triage["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["type"]
    assert "lateral" in problem["errors"][0]["message"]
    assert [e["type"] for e in list_events(api, employee["id"], include_voided=True)] == ["hire"]
    assert [e.type for e in stored_events(database, employee["id"])] == ["hire"]
    assert get_employee(api, employee["id"])["current_position_id"] == rn["id"]


def test_asserted_demotion_that_is_a_promotion_is_a_422(api: TestClient) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    response = post_event(api, employee["id"], "demotion", "2019-01-01", position_id=manager["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["type"]
    assert len(list_events(api, employee["id"])) == 1


def test_move_before_the_hire_is_a_422_that_says_to_record_the_hire(
    api: TestClient, database: Database
) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2020-01-01", position_id=rn["id"])

    response = post_event(
        api, employee["id"], "position_change", "2019-06-01", position_id=manager["id"]
    )

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["occurred_on"]
    assert "hire" in problem["errors"][0]["message"]
    assert "hire" in problem["detail"]
    assert [e.type for e in stored_events(database, employee["id"])] == ["hire"]


def test_move_of_someone_never_hired_is_a_422(api: TestClient, database: Database) -> None:
    manager = make_position(api, level=4)
    employee = make_employee(api)

    response = post_event(
        api, employee["id"], "position_change", "2019-06-01", position_id=manager["id"]
    )

    problem = assert_problem(response, 422, "validation-error")
    assert "hire" in problem["errors"][0]["message"]
    assert stored_events(database, employee["id"]) == []


def test_move_after_an_exit_is_a_422_that_says_to_record_the_hire(api: TestClient) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])
    add_event(api, employee["id"], "exit", "2019-01-01")

    response = post_event(api, employee["id"], "promotion", "2020-01-01", position_id=manager["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["occurred_on"]
    assert "hire" in problem["errors"][0]["message"]
    assert [e["type"] for e in list_events(api, employee["id"])] == ["hire", "exit"]


def test_move_to_the_position_already_held_is_a_422(api: TestClient) -> None:
    rn = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    response = post_event(
        api, employee["id"], "position_change", "2019-01-01", position_id=rn["id"]
    )

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["position_id"]
    assert len(list_events(api, employee["id"])) == 1


def test_second_hire_while_employed_is_a_422(api: TestClient, database: Database) -> None:
    rn = make_position(api, level=3)
    other = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    response = post_event(api, employee["id"], "hire", "2019-01-01", position_id=other["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["type"]
    assert [e.type for e in stored_events(database, employee["id"])] == ["hire"]
    now = get_employee(api, employee["id"])
    assert (now["current_position_id"], now["hired_on"]) == (rn["id"], "2018-01-01")


def test_move_to_an_unknown_position_is_a_422_on_position_id(api: TestClient) -> None:
    rn = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    response = post_event(
        api,
        employee["id"],
        "position_change",
        "2019-01-01",
        position_id="00000000-0000-4000-8000-000000000000",
    )

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["position_id"]
    assert len(list_events(api, employee["id"])) == 1


def test_back_filled_earlier_move_re_classifies_a_later_one(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level5a = make_position(api, level=5)
    level5b = make_position(api, level=5)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=level3["id"])
    later = add_event(
        api, employee["id"], "position_change", "2022-01-01", position_id=level5b["id"]
    )
    assert later["classification"] == "promotion"

    earlier = add_event(
        api, employee["id"], "position_change", "2020-01-01", position_id=level5a["id"]
    )

    assert earlier["classification"] == "promotion"
    assert get_event(api, employee["id"], later["id"])["classification"] == "lateral"
    listed = list_events(api, employee["id"])
    assert [(e["id"], e["classification"]) for e in listed] == [
        (listed[0]["id"], None),
        (earlier["id"], "promotion"),
        (later["id"], "lateral"),
    ]
    advancement = get_employee(api, employee["id"])["advancement"]
    assert (advancement["promotions"], advancement["lateral_moves"]) == (1, 1)


def test_back_filled_move_that_breaks_a_later_asserted_kind_is_a_422(
    api: TestClient, database: Database
) -> None:
    level3 = make_position(api, level=3)
    level5a = make_position(api, level=5)
    level5b = make_position(api, level=5)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=level3["id"])
    add_event(api, employee["id"], "promotion", "2022-01-01", position_id=level5b["id"])

    response = post_event(
        api, employee["id"], "position_change", "2020-01-01", position_id=level5a["id"]
    )

    assert_problem(response, 422, "validation-error")
    assert [e.type for e in stored_events(database, employee["id"])] == ["hire", "promotion"]


def test_voiding_an_earlier_move_re_classifies_later_ones(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level5a = make_position(api, level=5)
    level5b = make_position(api, level=5)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=level3["id"])
    earlier = add_event(
        api, employee["id"], "position_change", "2020-01-01", position_id=level5a["id"]
    )
    later = add_event(
        api, employee["id"], "position_change", "2022-01-01", position_id=level5b["id"]
    )
    assert get_event(api, employee["id"], later["id"])["classification"] == "lateral"

    response = void(api, employee["id"], earlier["id"], reason="never happened")

    assert response.status_code == 200, response.text
    assert get_event(api, employee["id"], later["id"])["classification"] == "promotion"
    advancement = get_employee(api, employee["id"])["advancement"]
    assert (advancement["promotions"], advancement["lateral_moves"]) == (1, 0)


def test_changing_a_position_level_re_classifies_stored_moves(api: TestClient) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])
    move = add_event(api, employee["id"], "position_change", "2020-01-01", position_id=triage["id"])
    assert move["classification"] == "lateral"

    patched = api.patch(f"/v1/positions/{triage['id']}", json={"level": 2})

    assert patched.status_code == 200, patched.text
    assert get_event(api, employee["id"], move["id"])["classification"] == "demotion"


# --- voiding ----------------------------------------------------------------------------------


def test_void_with_reason_in_query_answers_the_voided_event(api: TestClient) -> None:
    employee = make_employee(api)
    event = add_event(api, employee["id"], "training_completed", "2021-01-01", name="BLS")

    response = void(api, employee["id"], event["id"], reason="entered twice")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == event["id"]
    assert body["name"] == "BLS"
    assert body["void_reason"] == "entered twice"
    assert body["voided_at"] is not None
    assert get_event(api, employee["id"], event["id"]) == body


def test_void_with_reason_in_body_answers_the_voided_event(api: TestClient) -> None:
    employee = make_employee(api)
    event = add_event(api, employee["id"], "skill_acquired", "2021-01-01", name="Spanish")

    response = api.request(
        "DELETE",
        f"/v1/employees/{employee['id']}/events/{event['id']}",
        json={"reason": "wrong person"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["void_reason"] == "wrong person"
    assert response.json()["voided_at"] is not None


def test_void_without_reason_is_a_422_and_leaves_the_event(
    api: TestClient, database: Database
) -> None:
    employee = make_employee(api)
    event = add_event(api, employee["id"], "training_completed", "2021-01-01", name="BLS")

    missing = void(api, employee["id"], event["id"], reason=None)
    blank = void(api, employee["id"], event["id"], reason="   ")

    for response in (missing, blank):
        problem = assert_problem(response, 422, "validation-error")
        assert error_fields(problem) == ["reason"]
    assert get_event(api, employee["id"], event["id"])["voided_at"] is None
    [row] = stored_events(database, employee["id"])
    assert row.voided_at is None and row.void_reason is None


def test_second_void_is_a_409_and_keeps_the_first_reason(api: TestClient) -> None:
    employee = make_employee(api)
    event = add_event(api, employee["id"], "training_completed", "2021-01-01", name="BLS")
    first = void(api, employee["id"], event["id"], reason="first reason").json()

    response = void(api, employee["id"], event["id"], reason="second reason")

    assert_problem(response, 409, "conflict")
    again = get_event(api, employee["id"], event["id"])
    assert again["void_reason"] == "first reason"
    assert again["voided_at"] == first["voided_at"]


def test_voided_events_are_hidden_unless_include_voided(api: TestClient) -> None:
    employee = make_employee(api)
    kept = add_event(api, employee["id"], "training_completed", "2021-01-01", name="BLS")
    gone = add_event(api, employee["id"], "training_completed", "2021-02-01", name="ACLS")
    void(api, employee["id"], gone["id"])

    default = list_events(api, employee["id"])
    everything = list_events(api, employee["id"], include_voided="true")

    assert [e["id"] for e in default] == [kept["id"]]
    assert [e["id"] for e in everything] == [kept["id"], gone["id"]]
    assert everything[1]["void_reason"] == "typo"
    assert get_employee(api, employee["id"])["advancement"]["trainings"] == 1


def test_voiding_a_move_restores_the_previous_position(api: TestClient) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"], salary=usd("70000"))
    move = add_event(
        api,
        employee["id"],
        "promotion",
        "2020-01-01",
        position_id=manager["id"],
        salary=usd("90000"),
    )

    void(api, employee["id"], move["id"])

    now = get_employee(api, employee["id"])
    assert now["current_position_id"] == rn["id"]
    assert now["current_salary"]["amount"] == "70000.00"
    assert now["advancement"]["promotions"] == 0


# --- event fields and listing -----------------------------------------------------------------


def test_rating_on_a_training_is_a_422_naming_rating(api: TestClient, database: Database) -> None:
    employee = make_employee(api)

    response = post_event(
        api, employee["id"], "training_completed", "2021-01-01", name="BLS", rating=4
    )

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["rating"]
    assert problem["errors"][0]["in"] == "body"
    assert "rating" in problem["detail"]
    assert stored_events(database, employee["id"]) == []


def test_training_without_name_is_a_422_naming_name(api: TestClient) -> None:
    employee = make_employee(api)

    response = post_event(api, employee["id"], "training_completed", "2021-01-01")

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["name"]
    assert list_events(api, employee["id"]) == []


def test_salary_on_an_exit_is_a_422_naming_salary(api: TestClient) -> None:
    rn = make_position(api)
    employee = make_employee(api)
    add_event(api, employee["id"], "hire", "2018-01-01", position_id=rn["id"])

    response = post_event(api, employee["id"], "exit", "2020-01-01", salary=usd("1000"))

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["salary"]
    assert get_employee(api, employee["id"])["status"] == "active"


def test_description_is_allowed_on_every_type(api: TestClient) -> None:
    employee = make_employee(api)

    review = add_event(
        api, employee["id"], "performance_review", "2021-01-01", rating=4, description="solid"
    )
    lead = add_event(
        api, employee["id"], "leadership_activity", "2021-02-01", description="led huddles"
    )

    assert (review["rating"], review["description"]) == (4, "solid")
    assert (lead["name"], lead["description"]) == (None, "led huddles")


def test_events_are_listed_by_occurred_on_then_arrival(api: TestClient) -> None:
    employee = make_employee(api)
    a = add_event(api, employee["id"], "training_completed", "2021-03-01", name="A")
    b = add_event(api, employee["id"], "training_completed", "2020-05-01", name="B")
    c = add_event(api, employee["id"], "training_completed", "2021-03-01", name="C")
    d = add_event(api, employee["id"], "training_completed", "2019-01-01", name="D")
    e = add_event(api, employee["id"], "training_completed", "2021-03-01", name="E")

    listed = list_events(api, employee["id"])

    assert [x["id"] for x in listed] == [d["id"], b["id"], a["id"], c["id"], e["id"]]


def _filter_history(api: TestClient) -> tuple[str, dict[str, dict[str, Any]]]:
    rn = make_position(api)
    employee = make_employee(api)
    eid = employee["id"]
    events = {
        "hire": add_event(api, eid, "hire", "2020-01-01", position_id=rn["id"]),
        "training": add_event(api, eid, "training_completed", "2020-06-01", name="BLS"),
        "cert": add_event(api, eid, "certification_earned", "2020-06-30", name="CEN"),
        "review": add_event(api, eid, "performance_review", "2020-07-01", rating=4),
        "skill": add_event(api, eid, "skill_acquired", "2021-01-01", name="Spanish"),
    }
    return eid, events


def test_type_filter_takes_a_comma_separated_list(api: TestClient) -> None:
    eid, ev = _filter_history(api)

    listed = list_events(api, eid, type="training_completed, certification_earned")

    assert [e["id"] for e in listed] == [ev["training"]["id"], ev["cert"]["id"]]
    assert [e["id"] for e in list_events(api, eid, type="hire")] == [ev["hire"]["id"]]


def test_from_and_to_are_inclusive(api: TestClient) -> None:
    eid, ev = _filter_history(api)

    listed = list_events(api, eid, **{"from": "2020-06-01", "to": "2020-07-01"})

    assert [e["id"] for e in listed] == [
        ev["training"]["id"],
        ev["cert"]["id"],
        ev["review"]["id"],
    ]
    only_from = list_events(api, eid, **{"from": "2020-07-01"})
    assert [e["id"] for e in only_from] == [ev["review"]["id"], ev["skill"]["id"]]
    only_to = list_events(api, eid, to="2020-06-01")
    assert [e["id"] for e in only_to] == [ev["hire"]["id"], ev["training"]["id"]]


def test_type_and_date_filters_combine(api: TestClient) -> None:
    eid, ev = _filter_history(api)

    listed = list_events(
        api, eid, type="training_completed,skill_acquired", **{"from": "2020-07-01"}
    )

    assert [e["id"] for e in listed] == [ev["skill"]["id"]]


def test_unknown_event_type_in_filter_is_a_422(api: TestClient) -> None:
    eid, _ = _filter_history(api)

    response = api.get(f"/v1/employees/{eid}/events", params={"type": "hire,bogus"})

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["type"]
    assert problem["errors"][0]["in"] == "query"


def test_event_of_another_employee_through_this_path_is_a_404(api: TestClient) -> None:
    ana = make_employee(api, "E-ana")
    bob = make_employee(api, "E-bob")
    event = add_event(api, ana["id"], "training_completed", "2021-01-01", name="BLS")

    got = api.get(f"/v1/employees/{bob['id']}/events/{event['id']}")
    voided = void(api, bob["id"], event["id"])

    assert_problem(got, 404, "not-found")
    assert_problem(voided, 404, "not-found")
    assert get_event(api, ana["id"], event["id"])["voided_at"] is None


def test_events_of_an_unknown_employee_are_a_404(api: TestClient, database: Database) -> None:
    missing = "00000000-0000-4000-8000-000000000000"

    listed = api.get(f"/v1/employees/{missing}/events")
    posted = post_event(api, missing, "training_completed", "2021-01-01", name="BLS")

    assert_problem(listed, 404, "not-found")
    assert_problem(posted, 404, "not-found")
    with database.transaction() as session:
        assert session.exec(select(CareerEvent)).all() == []


# --- advancement ------------------------------------------------------------------------------


def test_advancement_counts_moves_and_development_up_to_today(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level3b = make_position(api, level=3)
    level4 = make_position(api, level=4)
    level2 = make_position(api, level=2)
    employee = make_employee(api)
    eid = employee["id"]
    add_event(api, eid, "hire", "2015-01-01", position_id=level3["id"])
    add_event(api, eid, "promotion", "2016-01-01", position_id=level4["id"])
    add_event(api, eid, "demotion", "2017-01-01", position_id=level2["id"])
    add_event(api, eid, "promotion", "2018-01-01", position_id=level3["id"])
    add_event(api, eid, "lateral_move", "2020-01-01", position_id=level3b["id"])
    add_event(api, eid, "training_completed", "2019-01-01", name="BLS")
    add_event(api, eid, "training_completed", "2019-02-01", name="ACLS")
    voided = add_event(api, eid, "training_completed", "2019-03-01", name="PALS")
    void(api, eid, voided["id"])
    add_event(api, eid, "certification_earned", "2019-04-01", name="CEN")
    add_event(api, eid, "skill_acquired", "2019-05-01", name="Spanish")
    add_event(api, eid, "skill_acquired", "2019-06-01", name="Triage")
    future = (utc_today() + timedelta(days=10)).isoformat()
    add_event(api, eid, "certification_earned", future, name="Future cert")

    advancement = get_employee(api, eid)["advancement"]

    today = utc_today()
    months = (today.year - 2020) * 12 + (today.month - 1)
    assert advancement == {
        "promotions": 2,
        "lateral_moves": 1,
        "demotions": 1,
        "trainings": 2,
        "certifications": 1,
        "skills": 2,
        "months_in_current_role": months,
    }


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
