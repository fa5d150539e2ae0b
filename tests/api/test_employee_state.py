"""What an employee's events make of them over HTTP: status, position, salary and hire day,
and the advancement counts derived from the history."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.factories import (
    add_event,
    get_employee,
    list_events,
    make_employee,
    make_position,
    usd,
    utc_today,
    void,
)

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
