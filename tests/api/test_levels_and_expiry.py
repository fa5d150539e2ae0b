"""Skill levels and expiring certifications through the API (SPEC 11): positions, events,
readiness, comparisons, the succession slate and imports, on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.person_view import (
    create_employee,
    create_position,
    error_fields,
    readiness,
    record,
)

TRIAGE_3 = {"kind": "skill", "name": "Triage", "min_level": 3}
BLS = {"kind": "certification", "name": "BLS"}


@pytest.fixture
def nurse(api: TestClient) -> dict[str, str]:
    """A nurse hired in 2020 into RN (level 2); CHARGE (level 3) asks for Triage at level 3
    and the BLS certification."""
    rn = create_position(api, "RN", 2)
    charge = create_position(api, "CHARGE", 3, requirements=[TRIAGE_3, BLS])
    person = create_employee(api, "N-1")
    record(api, person, "hire", "2020-01-01", position_id=rn)
    return {"rn": rn, "charge": charge, "person": person}


def requirement_gap(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [g for g in body["gaps"] if g["component"] == "requirements"]


# --- positions and events ---------------------------------------------------------------------


def test_min_level_is_kept_on_skill_requirements_and_absent_when_not_set(api: TestClient):
    pid = create_position(api, "P", 3, requirements=[TRIAGE_3, BLS])
    body = api.get(f"/v1/positions/{pid}").json()
    assert body["requirements"] == [
        {"kind": "skill", "name": "Triage", "mandatory": True, "min_level": 3},
        {"kind": "certification", "name": "BLS", "mandatory": True},
    ]


@pytest.mark.parametrize(
    ("requirement", "field"),
    [
        ({"kind": "certification", "name": "BLS", "min_level": 2}, "requirements.0.min_level"),
        ({"kind": "training", "name": "Charting", "min_level": 1}, "requirements.0.min_level"),
        ({"kind": "skill", "name": "Triage", "min_level": 6}, "requirements.0.min_level"),
        ({"kind": "skill", "name": "Triage", "min_level": 0}, "requirements.0.min_level"),
        ({"kind": "skill", "name": "Triage", "min_level": 2.5}, "requirements.0.min_level"),
    ],
)
def test_min_level_outside_a_skill_or_outside_1_to_5_is_a_422(
    api: TestClient, requirement: dict[str, Any], field: str
):
    body = {"code": "X", "title": "X", "family": "F", "track": "individual", "level": 1}
    response = api.post("/v1/positions", json={**body, "requirements": [requirement]})
    assert error_fields(response) == [field]
    assert api.get("/v1/positions").json()["items"] == []


def test_level_and_expires_on_are_stored_and_listed_with_skills_level_1_by_default(
    api: TestClient, nurse: dict[str, str]
):
    person = nurse["person"]
    record(api, person, "skill_acquired", "2024-01-01", name="Triage", level=4)
    record(api, person, "skill_acquired", "2024-02-01", name="Charting")
    record(api, person, "certification_earned", "2024-03-01", name="BLS", expires_on="2026-03-01")
    record(api, person, "certification_earned", "2024-04-01", name="CEN")
    items = api.get(
        f"/v1/employees/{person}/events", params={"type": "skill_acquired,certification_earned"}
    ).json()["items"]
    assert [(e["name"], e["level"], e["expires_on"]) for e in items] == [
        ("Triage", 4, None),
        ("Charting", 1, None),
        ("BLS", None, "2026-03-01"),
        ("CEN", None, None),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "certification_earned", "name": "BLS", "level": 2}, "level"),
        ({"type": "training_completed", "name": "T", "level": 2}, "level"),
        ({"type": "skill_acquired", "name": "Triage", "level": 6}, "level"),
        ({"type": "skill_acquired", "name": "Triage", "level": "2"}, "level"),
        ({"type": "skill_acquired", "name": "Triage", "expires_on": "2030-01-01"}, "expires_on"),
        ({"type": "certification_earned", "name": "BLS", "expires_on": "2024-05-01"}, "expires_on"),
        ({"type": "certification_earned", "name": "BLS", "expires_on": "2024-04-30"}, "expires_on"),
        ({"type": "certification_earned", "name": "BLS", "expires_on": "soon"}, "expires_on"),
    ],
)
def test_level_and_expires_on_are_validated_and_a_bad_one_changes_nothing(
    api: TestClient, nurse: dict[str, str], body: dict[str, Any], field: str
):
    person = nurse["person"]
    response = api.post(
        f"/v1/employees/{person}/events", json={**body, "occurred_on": "2024-05-01"}
    )
    assert error_fields(response) == [field]
    assert len(api.get(f"/v1/employees/{person}/events").json()["items"]) == 1


# --- readiness ------------------------------------------------------------------------------------


def test_a_skill_requirement_is_met_once_the_level_held_reaches_min_level(
    api: TestClient, nurse: dict[str, str]
):
    person, charge = nurse["person"], nurse["charge"]
    record(api, person, "certification_earned", "2023-01-01", name="BLS")
    low = record(api, person, "skill_acquired", "2024-01-01", name="triage ", level=2)
    high = record(api, person, "skill_acquired", "2025-01-01", name="Triage", level=3)

    before = readiness(api, person, charge, "2024-06-30")
    assert [r["name"] for r in _missing(before)] == ["Triage"]
    (gap,) = requirement_gap(before)
    assert (gap["level_held"], gap["level_needed"], gap["expired_on"]) == (2, 3, None)
    assert gap["requirement"] == {**TRIAGE_3, "mandatory": True}
    assert "held at level 2; level 3 is needed" in gap["text"]
    assert any(
        s["action"].startswith('Reach level 3 in the skill "Triage"') for s in before["next_steps"]
    )
    assert _component(before, "requirements")["score"] == 50.0
    assert before["band"] != "ready_now"

    after = readiness(api, person, charge, "2025-06-30")
    assert requirement_gap(after) == []
    assert _component(after, "requirements")["score"] == 100.0
    assert high in _component(after, "requirements")["evidence"]
    assert low not in _component(after, "requirements")["evidence"]


def test_a_skill_recorded_before_levels_existed_counts_as_level_1(
    api: TestClient, nurse: dict[str, str]
):
    person = nurse["person"]
    any_level = create_position(api, "ANY", 3, requirements=[{"kind": "skill", "name": "Triage"}])
    level_1 = create_position(
        api, "ONE", 3, requirements=[{"kind": "skill", "name": "Triage", "min_level": 1}]
    )
    level_2 = create_position(
        api, "TWO", 3, requirements=[{"kind": "skill", "name": "Triage", "min_level": 2}]
    )
    record(api, person, "skill_acquired", "2024-01-01", name="Triage")
    assert _missing(readiness(api, person, any_level, "2024-06-30")) == []
    assert _missing(readiness(api, person, level_1, "2024-06-30")) == []
    (gap,) = requirement_gap(readiness(api, person, level_2, "2024-06-30"))
    assert (gap["level_held"], gap["level_needed"]) == (1, 2)


def test_an_expired_certification_is_missing_with_a_renew_step_and_an_expiring_one_is_listed(
    api: TestClient, nurse: dict[str, str]
):
    person, charge = nurse["person"], nurse["charge"]
    record(api, person, "skill_acquired", "2023-01-01", name="Triage", level=5)
    cert = record(
        api, person, "certification_earned", "2023-03-01", name="BLS", expires_on="2025-03-01"
    )

    long_before = readiness(api, person, charge, "2024-06-30")
    assert _missing(long_before) == []
    assert long_before["expiring"] == []
    assert cert in _component(long_before, "requirements")["evidence"]

    soon = readiness(api, person, charge, "2025-01-01")
    assert _missing(soon) == []
    assert soon["expiring"] == [{"name": "BLS", "expires_on": "2025-03-01"}]

    last_day = readiness(api, person, charge, "2025-02-28")
    assert _missing(last_day) == []

    expired = readiness(api, person, charge, "2025-03-01")
    assert [r["name"] for r in _missing(expired)] == ["BLS"]
    (gap,) = requirement_gap(expired)
    assert gap["expired_on"] == "2025-03-01"
    assert gap["text"] == 'The mandatory certification "BLS" expired on 2025-03-01; renew it.'
    assert 'Renew the certification "BLS" (expired on 2025-03-01).' in [
        s["action"] for s in expired["next_steps"]
    ]
    assert expired["expiring"] == []
    assert expired["band"] != "ready_now"

    record(api, person, "certification_earned", "2025-04-01", name="BLS", expires_on="2027-04-01")
    renewed = readiness(api, person, charge, "2025-06-30")
    assert _missing(renewed) == []


# --- comparisons, slate, imports -----------------------------------------------------------------


def test_a_comparison_with_a_person_treats_expired_as_missing_and_flags_expiring(
    api: TestClient, nurse: dict[str, str]
):
    person, rn, charge = nurse["person"], nurse["rn"], nurse["charge"]
    today = datetime.now(UTC).date()
    record(api, person, "skill_acquired", "2023-01-01", name="Triage", level=3)
    record(
        api,
        person,
        "certification_earned",
        "2023-03-01",
        name="BLS",
        expires_on=(today - timedelta(days=1)).isoformat(),
    )
    params = {"from_position_id": rn, "to_position_id": charge, "employee_id": person}
    body = api.get("/v1/comparisons", params=params).json()
    assert [r["name"] for r in body["requirements_missing"]] == ["BLS"]
    assert [r["name"] for r in body["requirements_met"]] == ["Triage"]
    assert "certification_expiring" not in body["flags"]
    assert "missing_mandatory_requirements" in body["flags"]

    record(
        api,
        person,
        "certification_earned",
        (today - timedelta(days=1)).isoformat(),
        name="BLS",
        expires_on=(today + timedelta(days=60)).isoformat(),
    )
    body = api.get("/v1/comparisons", params=params).json()
    assert body["requirements_missing"] == []
    assert "certification_expiring" in body["flags"]
    assert "missing_mandatory_requirements" not in body["flags"]


def test_the_slate_honours_levels_and_expiry_with_the_readiness_scores(api: TestClient):
    rn = create_position(api, "RN", 2)
    charge = create_position(api, "CHARGE", 3, requirements=[TRIAGE_3, BLS])
    people = {}
    for external_id, level, expires in [
        ("A-levelled", 3, None),
        ("B-low-level", 2, None),
        ("C-expired", 4, "2025-01-01"),
        ("D-expiring", 4, "2025-08-01"),
    ]:
        person = people[external_id] = create_employee(api, external_id)
        record(api, person, "hire", "2020-01-01", position_id=rn)
        record(api, person, "skill_acquired", "2024-01-01", name="Triage", level=level)
        body = {"name": "BLS"} | ({"expires_on": expires} if expires else {})
        record(api, person, "certification_earned", "2023-06-01", **body)
    page = api.get(f"/v1/positions/{charge}/candidates", params={"as_of": "2025-06-30"}).json()
    missing = {
        c["external_id"]: [r["name"] for r in c["requirements_missing"]] for c in page["items"]
    }
    assert missing == {
        "A-levelled": [],
        "B-low-level": ["Triage"],
        "C-expired": ["BLS"],
        "D-expiring": [],
    }
    for item in page["items"]:
        single = readiness(api, people[item["external_id"]], charge, "2025-06-30")
        assert (item["score"], item["band"]) == (single["score"], single["band"])
        assert item["requirements_missing"] == _missing(single)


def test_imports_take_level_and_expires_on_and_reject_bad_ones_by_field(api: TestClient):
    rn = create_position(api, "RN", 2)
    charge = create_position(api, "CHARGE", 3, requirements=[TRIAGE_3, BLS])
    lines = [
        {
            "employee_external_id": "I-1",
            "type": "hire",
            "occurred_on": "2020-01-01",
            "position_code": "RN",
        },
        {
            "employee_external_id": "I-1",
            "type": "skill_acquired",
            "occurred_on": "2024-01-01",
            "name": "Triage",
            "level": 3,
        },
        {
            "employee_external_id": "I-1",
            "type": "certification_earned",
            "occurred_on": "2024-02-01",
            "name": "BLS",
            "expires_on": "2025-02-01",
        },
        {
            "employee_external_id": "I-1",
            "type": "certification_earned",
            "occurred_on": "2024-02-01",
            "name": "X",
            "expires_on": "2024-02-01",
        },
        {
            "employee_external_id": "I-1",
            "type": "certification_earned",
            "occurred_on": "2024-02-01",
            "name": "Y",
            "level": 2,
        },
        {
            "employee_external_id": "I-1",
            "type": "skill_acquired",
            "occurred_on": "2024-02-01",
            "name": "Z",
            "level": 9,
        },
        {
            "employee_external_id": "I-1",
            "type": "skill_acquired",
            "occurred_on": "2024-02-01",
            "name": "W",
            "expires_on": "2030-01-01",
        },
    ]
    text = "\n".join(json.dumps(line) for line in lines)
    response = api.post(
        "/v1/imports", content=text, headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"]) == (3, 4)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (4, "expires_on"),
        (5, "level"),
        (6, "level"),
        (7, "expires_on"),
    ]
    person = api.get("/v1/employees", params={"external_id": "I-1"}).json()["items"][0]["id"]
    events = api.get(f"/v1/employees/{person}/events").json()["items"]
    assert [(e["type"], e["level"], e["expires_on"]) for e in events[1:]] == [
        ("skill_acquired", 3, None),
        ("certification_earned", None, "2025-02-01"),
    ]
    assert _missing(readiness(api, person, charge, "2024-06-30")) == []
    assert [r["name"] for r in _missing(readiness(api, person, charge, "2025-06-30"))] == ["BLS"]
    assert events[0]["position_id"] == rn


def _missing(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [g["requirement"] for g in requirement_gap(body)]


def _component(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in body["components"] if c["name"] == name)
