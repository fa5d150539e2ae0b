"""Moves over HTTP: how a position change is classified against the levels, what the
history must hold for a move to be accepted, and re-classification when the history or a
level changes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.db import Database
from tests.factories import (
    add_event,
    assert_problem,
    error_fields,
    get_employee,
    get_event,
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
