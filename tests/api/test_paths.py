"""Observed career paths (SPEC 3, 8 and 9): `GET /v1/mobility/paths?from_position_id=` lists
the moves people actually made out of a position, with counts, shares, median months before
the move and median pay change, most frequent first."""

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
    usd,
    void_event,
)

# --- small local helpers -------------------------------------------------------------------


def paths(api: TestClient, from_position_id: str, **params: Any) -> dict[str, Any]:
    return ok(
        api.get("/v1/mobility/paths", params={"from_position_id": from_position_id, **params})
    )


@pytest.fixture
def positions(api: TestClient) -> dict[str, str]:
    """RN (level 2), RN-MGR (3), RN-TRIAGE (2) and ER-RN (2), by code."""
    return {
        code: create_position(api, code, level)
        for code, level in (("RN", 2), ("RN-MGR", 3), ("RN-TRIAGE", 2), ("ER-RN", 2))
    }


@pytest.fixture
def history(api: TestClient, positions: dict[str, str]) -> dict[str, str]:
    """From RN: three promotions to RN-MGR after 12, 18 and 30 months (pay +10 %, +20 % via a
    same-day salary change, and none), one lateral move to RN-TRIAGE after 6 months at the
    same pay; plus moves that must not count."""
    rn, mgr, triage, er = (positions[c] for c in ("RN", "RN-MGR", "RN-TRIAGE", "ER-RN"))
    people = {x: create_employee(api, x) for x in ("P-1", "P-2", "P-3", "P-4", "P-5", "P-6")}

    p = people["P-1"]
    record(api, p, "hire", "2020-01-01", position_id=rn, salary=usd(50000))
    record(api, p, "promotion", "2021-01-01", position_id=mgr, salary=usd(55000))

    p = people["P-2"]
    record(api, p, "hire", "2020-01-01", position_id=rn, salary=usd(60000))
    record(api, p, "position_change", "2021-07-01", position_id=mgr)
    record(api, p, "salary_change", "2021-07-01", salary=usd(72000))

    p = people["P-3"]  # no salary before the move: no pay change; the later raise is not it
    record(api, p, "hire", "2019-01-01", position_id=rn)
    record(api, p, "promotion", "2021-07-01", position_id=mgr)
    record(api, p, "salary_change", "2021-08-01", salary=usd(80000))

    p = people["P-4"]  # lateral at the same pay, then a promotion from Triage (not from RN)
    record(api, p, "hire", "2020-01-01", position_id=rn, salary=usd(70000))
    record(api, p, "lateral_move", "2020-07-01", position_id=triage)
    record(api, p, "promotion", "2022-01-01", position_id=mgr, salary=usd(80000))

    p = people["P-5"]  # a move from another position
    record(api, p, "hire", "2020-01-01", position_id=er, salary=usd(50000))
    record(api, p, "promotion", "2021-01-01", position_id=mgr, salary=usd(60000))

    p = people["P-6"]  # a voided move from RN
    record(api, p, "hire", "2020-01-01", position_id=rn, salary=usd(50000))
    voided = record(api, p, "promotion", "2020-06-01", position_id=mgr, salary=usd(90000))
    void_event(api, p, voided)
    return people


# --- counts, shares and medians ------------------------------------------------------------


def test_paths_from_rn_count_share_and_medians(
    api: TestClient, positions: dict[str, str], history: dict[str, str]
) -> None:
    page = paths(api, positions["RN"])

    assert page == {
        "items": [
            {
                "to_position_id": positions["RN-MGR"],
                "to_position_code": "RN-MGR",
                "count": 3,
                "share": 0.75,
                "median_months_before_move": 18.0,
                "median_pay_change_percent": 15.0,
                "classification": "promotion",
            },
            {
                "to_position_id": positions["RN-TRIAGE"],
                "to_position_code": "RN-TRIAGE",
                "count": 1,
                "share": 0.25,
                "median_months_before_move": 6.0,
                "median_pay_change_percent": 0.0,
                "classification": "lateral",
            },
        ],
        "next_cursor": None,
    }


def test_since_keeps_moves_on_or_after_the_day(
    api: TestClient, positions: dict[str, str], history: dict[str, str]
) -> None:
    # 2021-01-01 drops the lateral move of 2020-07-01 but keeps P-1's promotion of that day.
    items = paths(api, positions["RN"], since="2021-01-01")["items"]
    assert [(p["to_position_code"], p["count"], p["share"]) for p in items] == [("RN-MGR", 3, 1.0)]

    # 2021-07-01 leaves P-2 (18 months, +20 %) and P-3 (30 months, no pay change).
    (only,) = paths(api, positions["RN"], since="2021-07-01")["items"]
    assert only["count"] == 2
    assert only["share"] == 1.0
    assert only["median_months_before_move"] == 24.0
    assert only["median_pay_change_percent"] == 20.0

    assert paths(api, positions["RN"], since="2021-07-02") == {"items": [], "next_cursor": None}


def test_moves_from_other_positions_are_theirs_not_rns(
    api: TestClient, positions: dict[str, str], history: dict[str, str]
) -> None:
    # P-4's Triage -> RN-MGR: 18 months, 70,000 -> 80,000.
    (from_triage,) = paths(api, positions["RN-TRIAGE"])["items"]
    assert from_triage["to_position_code"] == "RN-MGR"
    assert from_triage["count"] == 1
    assert from_triage["median_months_before_move"] == 18.0
    assert from_triage["median_pay_change_percent"] == pytest.approx(14.29)
    assert from_triage["classification"] == "promotion"

    (from_er,) = paths(api, positions["ER-RN"])["items"]
    assert (from_er["to_position_code"], from_er["count"]) == ("RN-MGR", 1)
    assert from_er["median_months_before_move"] == 12.0
    assert from_er["median_pay_change_percent"] == 20.0

    # Nobody has left RN-MGR.
    assert paths(api, positions["RN-MGR"]) == {"items": [], "next_cursor": None}


def test_voiding_a_move_removes_it_from_the_paths(
    api: TestClient, positions: dict[str, str], history: dict[str, str]
) -> None:
    events = api.get(f"/v1/employees/{history['P-1']}/events").json()["items"]
    promotion = next(e for e in events if e["type"] == "promotion")

    void_event(api, history["P-1"], promotion["id"])

    first, second = paths(api, positions["RN"])["items"]
    assert (first["to_position_code"], first["count"], first["share"]) == ("RN-MGR", 2, 0.6667)
    assert first["median_months_before_move"] == 24.0
    assert first["median_pay_change_percent"] == 20.0
    assert (second["to_position_code"], second["count"], second["share"]) == (
        "RN-TRIAGE",
        1,
        0.3333,
    )


def test_a_demotion_with_a_pay_cut_out_of_the_manager_role(
    api: TestClient, positions: dict[str, str], history: dict[str, str]
) -> None:
    record(
        api,
        history["P-1"],
        "demotion",
        "2023-01-01",
        position_id=positions["RN"],
        salary=usd(49500),
    )

    assert paths(api, positions["RN-MGR"])["items"] == [
        {
            "to_position_id": positions["RN"],
            "to_position_code": "RN",
            "count": 1,
            "share": 1.0,
            "median_months_before_move": 24.0,
            "median_pay_change_percent": -10.0,
            "classification": "demotion",
        }
    ]
    # Coming back to RN is no move out of RN: RN's paths are unchanged.
    assert [p["count"] for p in paths(api, positions["RN"])["items"]] == [3, 1]


def test_pay_change_reads_the_salary_in_force_the_day_before_and_after_the_move_day(
    api: TestClient, positions: dict[str, str]
) -> None:
    er, mgr = positions["ER-RN"], positions["RN-MGR"]
    # a raise the day before the move is the base; a raise on the move day, recorded
    # before the move, is the new pay: 60,000 -> 66,000 is +10 %.
    q1 = create_employee(api, "Q-1")
    record(api, q1, "hire", "2020-01-01", position_id=er, salary=usd(50000))
    record(api, q1, "salary_change", "2020-12-31", salary=usd(60000))
    record(api, q1, "salary_change", "2021-01-01", salary=usd(66000))
    record(api, q1, "promotion", "2021-01-01", position_id=mgr)
    # a raise two weeks after the move is not the move's: 0 %.
    q2 = create_employee(api, "Q-2")
    record(api, q2, "hire", "2020-01-01", position_id=er, salary=usd(50000))
    record(api, q2, "promotion", "2021-01-01", position_id=mgr)
    record(api, q2, "salary_change", "2021-01-15", salary=usd(60000))
    # a move from ER-RN with pay -> 12 months later, +30 %.
    q3 = create_employee(api, "Q-3")
    record(api, q3, "hire", "2020-01-01", position_id=er, salary=usd(50000))
    record(api, q3, "promotion", "2021-01-01", position_id=mgr, salary=usd(65000))

    (only,) = paths(api, er)["items"]

    assert only["count"] == 3
    assert only["median_months_before_move"] == 12.0
    assert only["median_pay_change_percent"] == 10.0


def test_pages_are_most_frequent_first(
    api: TestClient, positions: dict[str, str], history: dict[str, str]
) -> None:
    first = paths(api, positions["RN"], limit=1)
    assert [p["to_position_code"] for p in first["items"]] == ["RN-MGR"]
    assert first["next_cursor"]
    second = paths(api, positions["RN"], limit=1, cursor=first["next_cursor"])
    assert [p["to_position_code"] for p in second["items"]] == ["RN-TRIAGE"]
    assert second["next_cursor"] is None


# --- bad requests --------------------------------------------------------------------------


def test_unknown_position_is_a_404(api: TestClient, history: dict[str, str]) -> None:
    response = api.get(
        "/v1/mobility/paths", params={"from_position_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert_problem(response, 404, "not-found")


def test_another_organizations_position_is_a_404(
    api: TestClient,
    positions: dict[str, str],
    history: dict[str, str],
    make_org: Callable[[str], Any],
) -> None:
    other = make_org("Globex Care")
    response = api.get(
        "/v1/mobility/paths",
        params={"from_position_id": positions["RN"]},
        headers=other.headers("read"),
    )
    assert_problem(response, 404, "not-found")
    assert "RN-MGR" not in response.text


def test_from_position_id_is_required(api: TestClient) -> None:
    body = assert_problem(api.get("/v1/mobility/paths"), 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["from_position_id"]


def test_a_bad_since_is_a_422(api: TestClient, positions: dict[str, str]) -> None:
    response = api.get(
        "/v1/mobility/paths", params={"from_position_id": positions["RN"], "since": "yesterday"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["since"]
