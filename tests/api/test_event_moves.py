"""Moves over HTTP: how a position change is classified against the levels, what the
history must hold for a move to be accepted, and re-classification when the history or a
level changes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.factories import (
    NOBODY,
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
    void,
)

# --- classification of moves ------------------------------------------------------------------


def test_position_change_is_classified_against_the_levels(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level3b = make_position(api, level=3)
    level5 = make_position(api, level=5)
    employee = hire(api, "E-1", level3["id"], "2018-01-01")

    up = add_event(api, employee, "position_change", "2019-01-01", position_id=level5["id"])
    down = add_event(api, employee, "position_change", "2020-01-01", position_id=level3["id"])
    side = add_event(api, employee, "position_change", "2021-01-01", position_id=level3b["id"])

    assert (up["classification"], down["classification"], side["classification"]) == (
        "promotion",
        "demotion",
        "lateral",
    )
    stored = {e["id"]: e["classification"] for e in list_events(api, employee)}
    assert stored[up["id"]] == "promotion"
    assert stored[down["id"]] == "demotion"
    assert stored[side["id"]] == "lateral"
    assert get_event(api, employee, up["id"])["classification"] == "promotion"
    advancement = get_employee(api, employee)["advancement"]
    moves = (advancement["promotions"], advancement["lateral_moves"], advancement["demotions"])
    assert moves == (1, 1, 1)


def test_asserted_move_that_agrees_with_the_levels_is_accepted(api: TestClient) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = hire(api, "E-1", rn["id"], "2018-01-01")

    lateral = add_event(api, employee, "lateral_move", "2019-01-01", position_id=triage["id"])
    promotion = add_event(api, employee, "promotion", "2020-01-01", position_id=manager["id"])

    assert lateral["type"] == "lateral_move"
    assert lateral["classification"] == "lateral"
    assert promotion["type"] == "promotion"
    assert promotion["classification"] == "promotion"


def test_asserted_promotion_contradicting_the_levels_is_a_422_and_stores_nothing(
    api: TestClient, database: Database
) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    employee = hire(api, "E-1", rn["id"], "2018-01-01")

    response = post_event(api, employee, "promotion", "2019-01-01", position_id=triage["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["type"]
    assert "lateral" in problem["errors"][0]["message"]
    assert [e["type"] for e in list_events(api, employee, include_voided=True)] == ["hire"]
    assert [e.type for e in stored_events(database, employee)] == ["hire"]
    assert get_employee(api, employee)["current_position_id"] == rn["id"]


@pytest.mark.parametrize(
    ("kind", "to", "field"),
    [
        ("demotion", "manager", "type"),  # the levels make it a promotion
        ("position_change", "rn", "position_id"),  # the position already held
        ("position_change", NOBODY, "position_id"),  # no such position
    ],
    ids=["asserted-demotion-that-is-a-promotion", "position-already-held", "unknown-position"],
)
def test_a_move_the_positions_refuse_is_a_422_naming_the_field(
    api: TestClient, kind: str, to: str, field: str
) -> None:
    positions = {
        "rn": make_position(api, level=3)["id"],
        "manager": make_position(api, level=4)["id"],
    }
    employee = hire(api, "E-1", positions["rn"], "2018-01-01")

    response = post_event(api, employee, kind, "2019-01-01", position_id=positions.get(to, to))

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == [field]
    assert len(list_events(api, employee)) == 1


def test_move_before_the_hire_is_a_422_that_says_to_record_the_hire(
    api: TestClient, database: Database
) -> None:
    rn = make_position(api, level=3)
    manager = make_position(api, level=4)
    employee = hire(api, "E-1", rn["id"], "2020-01-01")

    response = post_event(api, employee, "position_change", "2019-06-01", position_id=manager["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["occurred_on"]
    assert "hire" in problem["errors"][0]["message"]
    assert "hire" in problem["detail"]
    assert [e.type for e in stored_events(database, employee)] == ["hire"]


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
    employee = hire(api, "E-1", rn["id"], "2018-01-01")
    add_event(api, employee, "exit", "2019-01-01")

    response = post_event(api, employee, "promotion", "2020-01-01", position_id=manager["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["occurred_on"]
    assert "hire" in problem["errors"][0]["message"]
    assert [e["type"] for e in list_events(api, employee)] == ["hire", "exit"]


def test_second_hire_while_employed_is_a_422(api: TestClient, database: Database) -> None:
    rn = make_position(api, level=3)
    other = make_position(api, level=3)
    employee = hire(api, "E-1", rn["id"], "2018-01-01")

    response = post_event(api, employee, "hire", "2019-01-01", position_id=other["id"])

    problem = assert_problem(response, 422, "validation-error")
    assert error_fields(problem) == ["type"]
    assert [e.type for e in stored_events(database, employee)] == ["hire"]
    now = get_employee(api, employee)
    assert (now["current_position_id"], now["hired_on"]) == (rn["id"], "2018-01-01")


def test_back_filled_earlier_move_re_classifies_a_later_one(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level5a = make_position(api, level=5)
    level5b = make_position(api, level=5)
    employee = hire(api, "E-1", level3["id"], "2018-01-01")
    later = add_event(api, employee, "position_change", "2022-01-01", position_id=level5b["id"])
    assert later["classification"] == "promotion"

    earlier = add_event(api, employee, "position_change", "2020-01-01", position_id=level5a["id"])

    assert earlier["classification"] == "promotion"
    assert get_event(api, employee, later["id"])["classification"] == "lateral"
    listed = list_events(api, employee)
    assert [(e["id"], e["classification"]) for e in listed] == [
        (listed[0]["id"], None),
        (earlier["id"], "promotion"),
        (later["id"], "lateral"),
    ]
    advancement = get_employee(api, employee)["advancement"]
    assert (advancement["promotions"], advancement["lateral_moves"]) == (1, 1)


def test_back_filled_move_that_breaks_a_later_asserted_kind_is_a_422(
    api: TestClient, database: Database
) -> None:
    level3 = make_position(api, level=3)
    level5a = make_position(api, level=5)
    level5b = make_position(api, level=5)
    employee = hire(api, "E-1", level3["id"], "2018-01-01")
    add_event(api, employee, "promotion", "2022-01-01", position_id=level5b["id"])

    response = post_event(api, employee, "position_change", "2020-01-01", position_id=level5a["id"])

    assert_problem(response, 422, "validation-error")
    assert [e.type for e in stored_events(database, employee)] == ["hire", "promotion"]


def test_voiding_an_earlier_move_re_classifies_later_ones(api: TestClient) -> None:
    level3 = make_position(api, level=3)
    level5a = make_position(api, level=5)
    level5b = make_position(api, level=5)
    employee = hire(api, "E-1", level3["id"], "2018-01-01")
    earlier = add_event(api, employee, "position_change", "2020-01-01", position_id=level5a["id"])
    later = add_event(api, employee, "position_change", "2022-01-01", position_id=level5b["id"])
    assert get_event(api, employee, later["id"])["classification"] == "lateral"

    response = void(api, employee, earlier["id"], reason="never happened")

    assert response.status_code == 200, response.text
    assert get_event(api, employee, later["id"])["classification"] == "promotion"
    advancement = get_employee(api, employee)["advancement"]
    assert (advancement["promotions"], advancement["lateral_moves"]) == (1, 0)


def test_changing_a_position_level_re_classifies_stored_moves(api: TestClient) -> None:
    rn = make_position(api, level=3)
    triage = make_position(api, level=3)
    employee = hire(api, "E-1", rn["id"], "2018-01-01")
    move = add_event(api, employee, "position_change", "2020-01-01", position_id=triage["id"])
    assert move["classification"] == "lateral"

    patched = api.patch(f"/v1/positions/{triage['id']}", json={"level": 2})

    assert patched.status_code == 200, patched.text
    assert get_event(api, employee, move["id"])["classification"] == "demotion"
