"""The registered-nurse example of the SPEC, end to end over HTTP.

RN -> RN Manager is a promotion with a higher salary that requires an extra certification;
RN -> Triage RN is a lateral move at the same pay. Then one nurse's history is scored for
the manager role with every part computed by hand from SPEC section 5 and 8.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    add_event,
    make_employee,
    make_position,
    ok,
    readiness,
    usd,
)

AS_OF = "2025-06-30"
CERT = {"kind": "certification", "name": "Nurse Executive (NE-BC)", "mandatory": True}
TRIAGE_TRAINING = {"kind": "training", "name": "Triage and Emergency Care", "mandatory": True}
SPANISH = {"kind": "skill", "name": "Spanish", "mandatory": False}


# --- small local helpers -------------------------------------------------------------------


def compare(api: TestClient, source: str, target: str, **extra: str) -> dict[str, Any]:
    return ok(
        api.get(
            "/v1/comparisons",
            params={"from_position_id": source, "to_position_id": target, **extra},
        )
    )


def components(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result["components"]}


@pytest.fixture
def nursing(api: TestClient) -> dict[str, dict[str, Any]]:
    """The three positions of the article's example."""
    rn = make_position(
        api,
        code="RN",
        title="Registered Nurse",
        family="Nursing",
        track="individual",
        level=3,
        pay_band={"currency": "USD", "min": 60000, "max": 80000},
    )
    manager = make_position(
        api,
        code="RN-MGR",
        title="Registered Nurse Manager",
        family="Nursing",
        track="management",
        level=4,
        pay_band={"currency": "USD", "min": "75000", "max": "95000.00"},
        requirements=[{"kind": "certification", "name": "Nurse Executive (NE-BC)"}],
        min_months_in_role=36,
    )
    triage = make_position(
        api,
        code="RN-TRIAGE",
        title="Triage Registered Nurse",
        family="Nursing",
        track="individual",
        level=3,
        pay_band={"currency": "USD", "min": 60000, "max": 80000},
        requirements=[TRIAGE_TRAINING, SPANISH],
    )
    return {"rn": rn, "manager": manager, "triage": triage}


@pytest.fixture
def nurse(api: TestClient, nursing: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A nurse with a hire, two reviews, a leadership activity, a training and the
    manager's certification (recorded in another case and with stray spaces)."""
    person = make_employee(api, "N-1")
    pid = person["id"]
    events = {
        "hire": add_event(
            api,
            pid,
            "hire",
            "2023-01-09",
            position_id=nursing["rn"]["id"],
            salary=usd("62000"),
        ),
        "review_1": add_event(api, pid, "performance_review", "2024-01-15", rating=4),
        "training": add_event(
            api,
            pid,
            "training_completed",
            "2024-03-01",
            name="Advanced Cardiac Life Support",
        ),
        "leadership": add_event(
            api,
            pid,
            "leadership_activity",
            "2024-09-01",
            name="Led monthly team meetings",
        ),
        "review_2": add_event(api, pid, "performance_review", "2025-01-15", rating=5),
        "certification": add_event(
            api,
            pid,
            "certification_earned",
            "2025-03-01",
            name="  nurse executive (NE-BC)  ",
        ),
    }
    return {"id": pid, "events": {k: v["id"] for k, v in events.items()}}


# --- comparison ------------------------------------------------------------------------------


def test_rn_to_rn_manager_is_a_promotion_with_a_raise_and_a_new_certification(
    api: TestClient, nursing: dict[str, dict[str, Any]]
) -> None:
    body = compare(api, nursing["rn"]["id"], nursing["manager"]["id"])

    assert body["move_type"] == "promotion"
    assert body["level_delta"] == 1
    assert body["track_change"] is True
    assert body["family_change"] is False
    assert body["from_position"]["id"] == nursing["rn"]["id"]
    assert body["from_position"]["code"] == "RN"
    assert body["to_position"]["id"] == nursing["manager"]["id"]
    assert body["to_position"]["level"] == 4
    # Midpoints (60000+80000)/2 = 70000 and (75000+95000)/2 = 85000; 15000 / 70000 = 21.428..%
    assert body["pay"] == {
        "currency": "USD",
        "from_midpoint": "70000.00",
        "to_midpoint": "85000.00",
        "delta": "15000.00",
        "delta_percent": 21.43,
    }
    assert body["new_requirements"] == [CERT]
    assert "promotion" in body["summary"].lower()
    assert body["summary"].strip()


def test_rn_to_triage_rn_is_a_lateral_move_at_the_same_pay(
    api: TestClient, nursing: dict[str, dict[str, Any]]
) -> None:
    body = compare(api, nursing["rn"]["id"], nursing["triage"]["id"])

    assert body["move_type"] == "lateral"
    assert body["level_delta"] == 0
    assert body["track_change"] is False
    assert body["family_change"] is False
    assert body["pay"]["delta"] == "0.00"
    assert body["pay"]["delta_percent"] == 0
    assert body["pay"]["from_midpoint"] == body["pay"]["to_midpoint"] == "70000.00"
    assert body["new_requirements"] == [TRIAGE_TRAINING, SPANISH]
    assert "lateral" in body["summary"].lower()


def test_rn_manager_to_rn_is_a_demotion(
    api: TestClient, nursing: dict[str, dict[str, Any]]
) -> None:
    body = compare(api, nursing["manager"]["id"], nursing["rn"]["id"])

    assert body["move_type"] == "demotion"
    assert body["level_delta"] == -1
    # -15000 / 85000 = -17.647..%
    assert body["pay"]["delta"] == "-15000.00"
    assert body["pay"]["delta_percent"] == -17.65
    assert body["new_requirements"] == []
    assert "demotion" in body["summary"].lower()


def test_rn_to_rn_is_no_move(api: TestClient, nursing: dict[str, dict[str, Any]]) -> None:
    body = compare(api, nursing["rn"]["id"], nursing["rn"]["id"])

    assert body["move_type"] == "none"
    assert body["level_delta"] == 0
    assert body["pay"]["delta"] == "0.00"
    assert body["new_requirements"] == []
    assert body.get("employee_id") is None
    assert body.get("requirements_met") is None


# --- readiness -------------------------------------------------------------------------------


def test_nurse_readiness_for_manager_scores_every_part_by_the_default_policy(
    api: TestClient, nursing: dict[str, dict[str, Any]], nurse: dict[str, Any]
) -> None:
    events = nurse["events"]
    body = readiness(api, nurse["id"], nursing["manager"]["id"], AS_OF)

    assert body["employee_id"] == nurse["id"]
    assert body["target_position_id"] == nursing["manager"]["id"]
    assert body["as_of"] == AS_OF
    assert body["move_type"] == "promotion"
    assert body["policy_version"] == 1

    parts = components(body)
    assert list(parts) == ["performance", "leadership", "development", "requirements", "experience"]
    # Window: 2023-06-30 (exclusive) .. 2025-06-30; every evidence event falls inside it.
    # performance: mean(4, 5) = 4.5 -> (4.5 - 1) * 25 = 87.5
    assert parts["performance"]["score"] == 87.5
    assert parts["performance"]["weight"] == 0.35
    assert sorted(parts["performance"]["evidence"]) == sorted(
        [events["review_1"], events["review_2"]]
    )
    # leadership: 1 activity -> min(100, 100 * 1 / 3) = 33.33.. -> 33.3
    assert parts["leadership"]["score"] == 33.3
    assert parts["leadership"]["weight"] == 0.2
    assert parts["leadership"]["evidence"] == [events["leadership"]]
    # development: a training and a certification -> 100 * 2 / 4 = 50.0
    assert parts["development"]["score"] == 50.0
    assert parts["development"]["weight"] == 0.2
    assert sorted(parts["development"]["evidence"]) == sorted(
        [events["training"], events["certification"]]
    )
    # requirements: the one mandatory certification is met ("  nurse executive (NE-BC)  "
    # matches "Nurse Executive (NE-BC)", case and surrounding space ignored) -> 100
    assert parts["requirements"]["score"] == 100.0
    assert parts["requirements"]["weight"] == 0.15
    assert parts["requirements"]["evidence"] == [events["certification"]]
    # experience: 2023-01-09 .. 2025-06-30 is 29 whole months; the manager asks for 36
    # -> 100 * 29 / 36 = 80.55.. -> 80.6
    assert parts["experience"]["score"] == 80.6
    assert parts["experience"]["weight"] == 0.1
    assert parts["experience"]["evidence"] == [events["hire"]]

    # total: 0.35*87.5 + 0.2*33.3 + 0.2*50 + 0.15*100 + 0.1*80.6
    #      = 30.625 + 6.66 + 10 + 15 + 8.06 = 70.345 -> 70.3
    assert body["score"] == 70.3
    assert body["band"] == "ready_1_2_years"

    # Every component under 100 is a gap; requirements is at 100 and names nothing missing.
    assert sorted(g["component"] for g in body["gaps"]) == [
        "development",
        "experience",
        "leadership",
        "performance",
    ]
    assert all(g["text"].strip() for g in body["gaps"])
    assert all(g.get("requirement") is None for g in body["gaps"])

    # Next steps, by gain in total points:
    # one more leadership activity: 66.7 -> 30.625+13.34+10+15+8.06 = 77.025 -> 77.0: +6.7
    # one more development event:   75.0 -> 30.625+6.66+15+15+8.06  = 75.345 -> 75.3: +5.0
    # experience to 100 (waiting):        30.625+6.66+10+15+10    = 72.285 -> 72.3: +2.0
    # another review rated 5 would give (4+5+5)/3 -> 91.7 -> 71.815 -> 71.8: +1.5
    steps = body["next_steps"]
    gains = [s["gain"] for s in steps]
    assert gains == sorted(gains, reverse=True)
    by_component = {s["component"]: s for s in steps}
    assert [s["component"] for s in steps][:3] == ["leadership", "development", "experience"]
    assert by_component["leadership"]["gain"] == 6.7
    assert by_component["development"]["gain"] == 5.0
    assert by_component["experience"]["gain"] == 2.0
    assert 0 < by_component["performance"]["gain"] < 2.0
    assert "requirements" not in by_component
    assert all(s["action"].strip() for s in steps)


def test_nurse_readiness_is_deterministic_for_the_same_history_and_day(
    api: TestClient, nursing: dict[str, dict[str, Any]], nurse: dict[str, Any]
) -> None:
    first = readiness(api, nurse["id"], nursing["manager"]["id"], AS_OF)
    second = readiness(api, nurse["id"], nursing["manager"]["id"], AS_OF)
    assert first == second


def test_missing_mandatory_certification_keeps_band_below_ready_now_despite_high_score(
    api: TestClient, nursing: dict[str, dict[str, Any]]
) -> None:
    person = make_employee(api, "N-2")
    pid = person["id"]
    hire = add_event(
        api,
        pid,
        "hire",
        "2023-01-09",
        position_id=nursing["rn"]["id"],
        salary=usd("64000"),
    )
    reviews = [
        add_event(api, pid, "performance_review", day, rating=5)
        for day in ("2024-06-01", "2025-02-01")
    ]
    leadership = [
        add_event(api, pid, "leadership_activity", "2024-05-01", name="Led huddles"),
        add_event(api, pid, "initiative", "2024-10-01", description="Fall audit"),
        add_event(api, pid, "leadership_activity", "2025-04-01", name="Mentoring"),
    ]
    development = [
        add_event(api, pid, "training_completed", "2024-02-01", name="ACLS"),
        add_event(api, pid, "skill_acquired", "2024-07-01", name="Phlebotomy"),
        add_event(api, pid, "training_completed", "2024-11-01", name="PALS"),
        add_event(api, pid, "certification_earned", "2025-05-01", name="BLS"),
    ]

    body = readiness(api, pid, nursing["manager"]["id"], AS_OF)
    parts = components(body)
    # performance (5-1)*25 = 100; leadership 3/3 = 100; development 4/4 = 100;
    # requirements 0 of 1 mandatory = 0; experience 29/36 months = 80.6
    assert {name: c["score"] for name, c in parts.items()} == {
        "performance": 100.0,
        "leadership": 100.0,
        "development": 100.0,
        "requirements": 0.0,
        "experience": 80.6,
    }
    assert sorted(parts["performance"]["evidence"]) == sorted(r["id"] for r in reviews)
    assert sorted(parts["leadership"]["evidence"]) == sorted(e["id"] for e in leadership)
    assert sorted(parts["development"]["evidence"]) == sorted(e["id"] for e in development)
    assert parts["requirements"]["evidence"] == []
    assert parts["experience"]["evidence"] == [hire["id"]]
    # 35 + 20 + 20 + 0 + 8.06 = 83.06 -> 83.1: over the 75 threshold, but the mandatory
    # certification is missing, so the band is never ready_now.
    assert body["score"] == 83.1
    assert body["score"] >= 75
    assert body["band"] == "ready_1_2_years"
    requirement_gaps = [g for g in body["gaps"] if g["component"] == "requirements"]
    assert [g["requirement"] for g in requirement_gaps] == [CERT]
    # Earning it: requirements 100 -> 98.06 -> 98.1, a gain of 15.0, the best step.
    assert body["next_steps"][0]["component"] == "requirements"
    assert body["next_steps"][0]["gain"] == 15.0
    assert "Nurse Executive (NE-BC)" in body["next_steps"][0]["action"]

    cert = add_event(
        api,
        pid,
        "certification_earned",
        "2025-06-01",
        name="NURSE EXECUTIVE (ne-bc)",
    )
    after = readiness(api, pid, nursing["manager"]["id"], AS_OF)
    assert components(after)["requirements"]["score"] == 100.0
    assert components(after)["requirements"]["evidence"] == [cert["id"]]
    assert after["score"] == 98.1
    assert after["band"] == "ready_now"
    assert [g["component"] for g in after["gaps"]] == ["experience"]


# --- comparison for a person -----------------------------------------------------------------


def test_comparison_for_the_nurse_shows_requirements_pay_position_and_compa_ratios(
    api: TestClient, nursing: dict[str, dict[str, Any]], nurse: dict[str, Any]
) -> None:
    body = compare(api, nursing["rn"]["id"], nursing["manager"]["id"], employee_id=nurse["id"])

    assert body["move_type"] == "promotion"
    assert body["employee_id"] == nurse["id"]
    assert body["requirements_met"] == [CERT]
    assert body["requirements_missing"] == []
    assert body["current_salary"] == usd("62000.00")
    # to reach the manager band minimum: 75000 - 62000
    assert body["raise_to_band_min"] == "13000.00"
    # 62000 / 70000 = 0.8857.. and 62000 / 85000 = 0.7294..
    assert body["compa_ratio_before"] == 0.886
    assert body["compa_ratio_after"] == 0.729
    assert "below_target_band" in body["flags"]
    assert "not_in_from_position" not in body["flags"]
    assert "currency_mismatch" not in body["flags"]


def test_comparison_for_the_nurse_lists_missing_requirements_with_mandatory_flags(
    api: TestClient, nursing: dict[str, dict[str, Any]], nurse: dict[str, Any]
) -> None:
    body = compare(api, nursing["rn"]["id"], nursing["triage"]["id"], employee_id=nurse["id"])

    assert body["move_type"] == "lateral"
    assert body["requirements_met"] == []
    assert body["requirements_missing"] == [TRIAGE_TRAINING, SPANISH]
    assert [r["mandatory"] for r in body["requirements_missing"]] == [True, False]
    # 62000 is inside 60000..80000: nothing to raise
    assert body["raise_to_band_min"] == "0.00"
    assert body["compa_ratio_before"] == body["compa_ratio_after"] == 0.886
    assert "below_target_band" not in body["flags"]
    assert "not_in_from_position" not in body["flags"]


def test_comparison_from_a_position_the_nurse_does_not_hold_is_flagged(
    api: TestClient, nursing: dict[str, dict[str, Any]], nurse: dict[str, Any]
) -> None:
    body = compare(api, nursing["triage"]["id"], nursing["manager"]["id"], employee_id=nurse["id"])

    assert "not_in_from_position" in body["flags"]
    assert "below_target_band" in body["flags"]
    # compa_ratio_before uses the band of from_position (triage: midpoint 70000)
    assert body["compa_ratio_before"] == 0.886
    assert body["compa_ratio_after"] == 0.729
    assert body["current_salary"] == usd("62000.00")


def test_nurse_history_lists_every_event_in_date_order(
    api: TestClient, nurse: dict[str, Any], nursing: dict[str, dict[str, Any]]
) -> None:
    listed = api.get(f"/v1/employees/{nurse['id']}/events")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [e["id"] for e in items] == [
        nurse["events"][k]
        for k in ("hire", "review_1", "training", "leadership", "review_2", "certification")
    ]
    person = api.get(f"/v1/employees/{nurse['id']}").json()
    assert person["status"] == "active"
    assert person["current_position_id"] == nursing["rn"]["id"]
    assert person["current_salary"] == usd("62000.00")
    assert person["hired_on"] == "2023-01-09"
