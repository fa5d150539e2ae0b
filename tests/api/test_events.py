"""Career events over HTTP: voiding, the fields each event type takes, and listing with
filters."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent
from tests.factories import (
    add_event,
    assert_problem,
    error_fields,
    get_employee,
    get_event,
    hire,
    list_events,
    make_employee,
    make_position,
    post_event,
    stored_events,
    usd,
    void,
)

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
    employee = hire(api, "E-1", rn["id"], "2018-01-01")

    response = post_event(api, employee, "exit", "2020-01-01", salary=usd("1000"))

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["salary"]
    assert get_employee(api, employee)["status"] == "active"


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
