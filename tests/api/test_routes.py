"""Routes (SPEC 11): `GET /v1/mobility/routes?from_position_id=&to_position_id=&max_steps=`
lists the chains of positions people actually held on their way from one position to
another, with counts and median months, most frequent first; on a hand-built history
with a person who passes through twice, a voided move, a rehire and a round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    assert_problem,
    create_employee,
    create_position,
    ok,
    record,
)

# --- small local helpers -------------------------------------------------------------------


def person(api: TestClient, external_id: str, moves: list[tuple[str, str, str | None]]) -> str:
    """Create a person and record (type, day, position) events in that order."""
    employee_id = create_employee(api, external_id)
    for type_, day, position_id in moves:
        held = {} if position_id is None else {"position_id": position_id}
        record(api, employee_id, type_, day, **held)
    return employee_id


def routes(api: TestClient, from_id: str, to_id: str, **params: Any) -> dict[str, Any]:
    return ok(
        api.get(
            "/v1/mobility/routes",
            params={"from_position_id": from_id, "to_position_id": to_id, **params},
        )
    )


@pytest.fixture
def p(api: TestClient) -> dict[str, str]:
    """A (level 2), B (2), C (3), X (3) and D (4), by code."""
    return {
        code: create_position(api, code, level)
        for code, level in (("A", 2), ("B", 2), ("C", 3), ("X", 3), ("D", 4))
    }


MOVE = "position_change"


@pytest.fixture
def history(api: TestClient, p: dict[str, str]) -> None:
    """Trips from A to D, with the months each took (from taking up A to taking up D)."""
    a, b, c, x, d = (p[k] for k in "ABCXD")
    # A, B, D three times: 18, 12, and 12 months (P-4's first trip; their second is not
    # counted again).
    person(
        api, "P-1", [("hire", "2020-01-01", a), (MOVE, "2020-07-01", b), (MOVE, "2021-07-01", d)]
    )
    person(
        api, "P-2", [("hire", "2020-01-01", a), (MOVE, "2020-04-01", b), (MOVE, "2021-01-01", d)]
    )
    person(
        api,
        "P-4",
        [
            ("hire", "2018-01-01", a),
            (MOVE, "2018-07-01", b),
            (MOVE, "2019-01-01", d),  # 12 months
            (MOVE, "2019-06-01", a),
            (MOVE, "2020-01-01", b),
            (MOVE, "2021-01-01", d),  # 19 months: the same route again
        ],
    )
    # A, C, D once: 24 months.
    person(
        api, "P-3", [("hire", "2019-01-01", a), (MOVE, "2020-01-01", c), (MOVE, "2021-01-01", d)]
    )
    # A, X, D once: 6 months (a tie with A, C, D on count and moves, shorter median).
    person(
        api, "P-9", [("hire", "2020-01-01", a), (MOVE, "2020-03-01", x), (MOVE, "2020-07-01", d)]
    )
    # A, D straight: the move through B was voided (8 months); and a trip that went back to
    # A counts from there (A, B, A, D is A, D in 2 months).
    p5 = person(
        api, "P-5", [("hire", "2020-01-01", a), (MOVE, "2020-03-01", b), (MOVE, "2020-09-01", d)]
    )
    events = api.get(f"/v1/employees/{p5}/events", params={"type": MOVE}).json()["items"]
    through_b = next(e for e in events if e["position_id"] == b)
    voided = api.request(
        "DELETE",
        f"/v1/employees/{p5}/events/{through_b['id']}",
        json={"reason": "never moved to B"},
    )
    assert voided.status_code == 200, voided.text
    person(
        api,
        "P-8",
        [
            ("hire", "2020-01-01", a),
            (MOVE, "2020-02-01", b),
            (MOVE, "2020-03-01", a),
            (MOVE, "2020-05-01", d),
        ],
    )
    # A rehire breaks the chain: A, B, exit, then rehired in B and on to D is no route.
    person(
        api,
        "P-6",
        [
            ("hire", "2015-01-01", a),
            (MOVE, "2016-01-01", b),
            ("exit", "2016-06-01", None),
            ("hire", "2017-01-01", b),
            (MOVE, "2018-01-01", d),
        ],
    )
    # Four moves: A, C, B, X, D in 29 months, beyond the default of 3.
    person(
        api,
        "P-7",
        [
            ("hire", "2020-01-01", a),
            (MOVE, "2020-06-01", c),
            (MOVE, "2021-01-01", b),
            (MOVE, "2021-06-01", x),
            (MOVE, "2022-06-01", d),
        ],
    )
    # Someone who never held A.
    person(api, "P-10", [("hire", "2020-01-01", b), (MOVE, "2021-01-01", d)])


def ids(p: dict[str, str], codes: str) -> list[str]:
    return [p[code] for code in codes]


# --- counts, medians and order ---------------------------------------------------------------


def test_routes_from_a_to_d_with_counts_and_medians(
    api: TestClient, p: dict[str, str], history: None
) -> None:
    assert routes(api, p["A"], p["D"]) == {
        "items": [
            {"positions": ids(p, "ABD"), "count": 3, "median_months": 12.0},
            {"positions": ids(p, "AD"), "count": 2, "median_months": 5.0},
            {"positions": ids(p, "AXD"), "count": 1, "median_months": 6.0},
            {"positions": ids(p, "ACD"), "count": 1, "median_months": 24.0},
        ],
        "next_cursor": None,
    }


def test_max_steps_bounds_the_moves_on_a_route(
    api: TestClient, p: dict[str, str], history: None
) -> None:
    longer = routes(api, p["A"], p["D"], max_steps=4)["items"]
    assert longer[-1] == {"positions": ids(p, "ACBXD"), "count": 1, "median_months": 29.0}
    assert len(longer) == 5
    assert routes(api, p["A"], p["D"], max_steps=1)["items"] == [
        {"positions": ids(p, "AD"), "count": 2, "median_months": 5.0}
    ]


def test_a_round_trip_back_to_the_same_position(
    api: TestClient, p: dict[str, str], history: None
) -> None:
    assert routes(api, p["A"], p["A"])["items"] == [
        {"positions": ids(p, "ABA"), "count": 1, "median_months": 2.0},
        {"positions": ids(p, "ABDA"), "count": 1, "median_months": 17.0},
    ]


def test_routes_between_positions_nobody_moved_between_are_empty(
    api: TestClient, p: dict[str, str], history: None
) -> None:
    assert routes(api, p["D"], p["B"], max_steps=1) == {"items": [], "next_cursor": None}
    assert routes(api, p["D"], p["B"], max_steps=2)["items"] == [
        {"positions": ids(p, "DAB"), "count": 1, "median_months": 12.0}
    ]
    assert routes(api, p["X"], p["C"]) == {"items": [], "next_cursor": None}


def test_routes_page_like_the_other_lists(
    api: TestClient, p: dict[str, str], history: None
) -> None:
    first = routes(api, p["A"], p["D"], limit=3)
    assert [i["positions"] for i in first["items"]] == [ids(p, "ABD"), ids(p, "AD"), ids(p, "AXD")]
    assert first["next_cursor"]
    second = routes(api, p["A"], p["D"], limit=3, cursor=first["next_cursor"])
    assert second == {
        "items": [{"positions": ids(p, "ACD"), "count": 1, "median_months": 24.0}],
        "next_cursor": None,
    }


def test_a_read_key_may_ask(client: TestClient, org: Any, p: dict[str, str], history: None) -> None:
    response = client.get(
        "/v1/mobility/routes",
        params={"from_position_id": p["A"], "to_position_id": p["D"]},
        headers=org.headers("read"),
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 4


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", ["0", "6", "three"])
def test_max_steps_outside_1_to_5_is_a_422_naming_it(
    api: TestClient, p: dict[str, str], steps: str
) -> None:
    response = api.get(
        "/v1/mobility/routes",
        params={"from_position_id": p["A"], "to_position_id": p["D"], "max_steps": steps},
    )
    body = assert_problem(response, 422, "validation-error")
    assert [(e["field"], e["in"]) for e in body["errors"]] == [("max_steps", "query")]


@pytest.mark.parametrize("which", ["from_position_id", "to_position_id"])
@pytest.mark.parametrize("bad", ["00000000-0000-4000-8000-000000000000", "x" * 150])
def test_an_unknown_position_either_side_is_a_404(
    api: TestClient, p: dict[str, str], which: str, bad: str
) -> None:
    params = {"from_position_id": p["A"], "to_position_id": p["D"], which: bad}
    assert_problem(api.get("/v1/mobility/routes", params=params), 404, "not-found")


def test_another_organizations_positions_are_a_404(
    api: TestClient, p: dict[str, str], history: None, make_org: Callable[[str], Any]
) -> None:
    other = make_org("Globex Care")
    response = api.get(
        "/v1/mobility/routes",
        params={"from_position_id": p["A"], "to_position_id": p["D"]},
        headers=other.headers("read"),
    )
    assert_problem(response, 404, "not-found")


def test_both_positions_are_required(api: TestClient) -> None:
    body = assert_problem(api.get("/v1/mobility/routes"), 422, "validation-error")
    assert sorted(e["field"] for e in body["errors"]) == ["from_position_id", "to_position_id"]
