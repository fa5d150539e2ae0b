"""Advancement on the employee (SPEC 9): `GET /v1/employees/{id}` counts promotions, lateral
moves, demotions, trainings, certifications and skills, and months in the current role."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    NO_ADVANCEMENT,
    create_employee,
    create_position,
    get_employee,
    record,
    void_event,
)

# What the career below counts, the months in the current role aside.
COUNTS = {
    "promotions": 2,
    "lateral_moves": 1,
    "demotions": 1,
    "trainings": 2,
    "certifications": 1,
    "skills": 3,
}


# --- small local helpers -------------------------------------------------------------------


def months_since(start: date) -> int:
    """Whole calendar months from `start` to today (UTC), rounded down."""
    today = datetime.now(UTC).date()
    months = (today.year - start.year) * 12 + today.month - start.month
    return months - 1 if today.day < start.day else months


def advancement(api: TestClient, employee_id: str) -> dict[str, Any]:
    return dict(get_employee(api, employee_id)["advancement"])


class Career:
    def __init__(self, employee_id: str, positions: dict[str, str], events: dict[str, str]):
        self.employee_id = employee_id
        self.positions = positions
        self.events = events


@pytest.fixture
def career(api: TestClient) -> Career:
    """RN (2) -> RN-MGR (3) promotion -> CHARGE (3) lateral -> DIR (4) promotion -> CHARGE
    demotion on 2024-01-01; 2 trainings, 1 certification, 3 skills, and evidence that is not
    development (a review, a leadership activity, an initiative)."""
    positions = {
        code: create_position(api, code, level)
        for code, level in (("RN", 2), ("RN-MGR", 3), ("CHARGE", 3), ("DIR", 4))
    }
    e = create_employee(api, "E-1")
    ev: dict[str, str] = {}
    ev["hire"] = record(api, e, "hire", "2020-01-01", position_id=positions["RN"])
    ev["promotion_1"] = record(api, e, "promotion", "2021-01-01", position_id=positions["RN-MGR"])
    ev["lateral"] = record(api, e, "position_change", "2022-01-01", position_id=positions["CHARGE"])
    ev["promotion_2"] = record(
        api, e, "position_change", "2023-01-01", position_id=positions["DIR"]
    )
    ev["demotion"] = record(api, e, "demotion", "2024-01-01", position_id=positions["CHARGE"])
    ev["training_1"] = record(api, e, "training_completed", "2020-05-01", name="ACLS")
    ev["training_2"] = record(api, e, "training_completed", "2021-05-01", name="PALS")
    ev["certification"] = record(api, e, "certification_earned", "2022-05-01", name="NE-BC")
    for n, day in enumerate(("2022-06-01", "2023-06-01", "2024-06-01"), start=1):
        ev[f"skill_{n}"] = record(api, e, "skill_acquired", day, name=f"Skill {n}")
    record(api, e, "performance_review", "2023-03-01", rating=4)
    record(api, e, "leadership_activity", "2023-04-01", name="Led the huddle")
    record(api, e, "initiative", "2023-05-01", description="Falls prevention")
    record(api, e, "salary_change", "2023-07-01", salary={"amount": 70000, "currency": "USD"})
    return Career(e, positions, ev)


# --- counts --------------------------------------------------------------------------------


def test_advancement_counts_each_kind_of_move_and_development(
    api: TestClient, career: Career
) -> None:
    assert advancement(api, career.employee_id) == {
        **COUNTS,
        "months_in_current_role": months_since(date(2024, 1, 1)),
    }


def test_the_list_shows_the_same_advancement(api: TestClient, career: Career) -> None:
    response = api.get("/v1/employees", params={"external_id": "E-1"})
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["advancement"] == advancement(api, career.employee_id)


def test_a_person_without_events_has_zero_advancement(api: TestClient) -> None:
    e = create_employee(api, "E-0")
    assert advancement(api, e) == NO_ADVANCEMENT


# --- corrections ---------------------------------------------------------------------------


def test_voiding_a_move_lowers_its_count(api: TestClient, career: Career) -> None:
    void_event(api, career.employee_id, career.events["lateral"])

    got = advancement(api, career.employee_id)
    assert (got["promotions"], got["lateral_moves"], got["demotions"]) == (2, 0, 1)

    void_event(api, career.employee_id, career.events["demotion"])

    got = advancement(api, career.employee_id)
    assert (got["promotions"], got["lateral_moves"], got["demotions"]) == (2, 0, 0)
    # The role held now is the director role, since 2023-01-01.
    assert got["months_in_current_role"] == months_since(date(2023, 1, 1))
    assert get_employee(api, career.employee_id)["current_position_id"] == career.positions["DIR"]


def test_voiding_development_lowers_its_count(api: TestClient, career: Career) -> None:
    void_event(api, career.employee_id, career.events["training_1"])
    void_event(api, career.employee_id, career.events["skill_2"])

    got = advancement(api, career.employee_id)
    assert (got["trainings"], got["certifications"], got["skills"]) == (1, 1, 2)


def test_moves_are_recounted_from_the_levels_as_they_are_now(
    api: TestClient, career: Career
) -> None:
    # CHARGE moves up to level 4: RN-MGR -> CHARGE becomes a promotion, CHARGE -> DIR and
    # DIR -> CHARGE become lateral moves.
    response = api.patch(f"/v1/positions/{career.positions['CHARGE']}", json={"level": 4})
    assert response.status_code == 200, response.text

    got = advancement(api, career.employee_id)
    assert (got["promotions"], got["lateral_moves"], got["demotions"]) == (2, 2, 0)


def test_scheduled_events_count_only_from_their_day(api: TestClient, career: Career) -> None:
    before = advancement(api, career.employee_id)

    record(
        api,
        career.employee_id,
        "promotion",
        "2199-01-01",
        position_id=career.positions["DIR"],
    )
    record(api, career.employee_id, "training_completed", "2199-02-01", name="Future course")

    assert advancement(api, career.employee_id) == before


# --- leaving -------------------------------------------------------------------------------


def test_months_in_current_role_is_null_after_an_exit_and_counts_stay(
    api: TestClient, career: Career
) -> None:
    record(api, career.employee_id, "exit", "2024-12-31")

    person = get_employee(api, career.employee_id)
    assert person["status"] == "exited"
    assert person["current_position_id"] is None
    assert person["advancement"] == {**COUNTS, "months_in_current_role": None}


def test_a_rehire_starts_a_new_role(api: TestClient, career: Career) -> None:
    record(api, career.employee_id, "exit", "2024-12-31")
    record(api, career.employee_id, "hire", "2025-03-01", position_id=career.positions["RN"])

    person = get_employee(api, career.employee_id)
    assert person["status"] == "active"
    assert person["advancement"]["months_in_current_role"] == months_since(date(2025, 3, 1))
    assert person["advancement"]["promotions"] == 2
