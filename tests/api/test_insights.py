"""Comparison edge cases, readiness arithmetic (SPEC 5 and 8) and the scoring policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schemas.policy import PolicyBody
from tests.factories import (
    assert_problem,
    band,
    create_employee,
    get_readiness,
    make_position,
    readiness,
    record,
    void_event,
)

# The policy every organization starts with is the one the API documents as its example.
DEFAULT_POLICY = PolicyBody.model_json_schema()["examples"][0]
NEW_POLICY = {
    "weights": {
        "performance": 0.4,
        "leadership": 0.2,
        "development": 0.1,
        "requirements": 0.1,
        "experience": 0.2,
    },
    "window_months": 12,
    "saturation": {"leadership": 2, "development": 2},
    "thresholds": {"ready_now": 60, "ready_1_2_years": 40},
    "default_min_months_in_role": 24,
}


# --- small local helpers -------------------------------------------------------------------


def parts(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result["components"]}


def scores(result: dict[str, Any]) -> dict[str, float]:
    return {c["name"]: c["score"] for c in result["components"]}


def policy_without_meta(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("version", "created_at")}


def certified_staff_nurse(
    api: TestClient, hired_on: str, certified_on: str, written_as: str
) -> tuple[str, str, str]:
    """Hire a staff nurse (level 2) who then earns the CEN certification (written as given)
    that a charge nurse role (level 3) requires; return the person, that role and the
    certification's event."""
    staff = make_position(api, "STAFF", 2)
    charge = make_position(
        api, "CHARGE", 3, requirements=[{"kind": "certification", "name": "CEN"}]
    )
    person = create_employee(api, "E-1")
    record(api, person, "hire", hired_on, position_id=staff["id"])
    cert = record(api, person, "certification_earned", certified_on, name=written_as)
    return person, charge["id"], cert


@pytest.fixture
def positions(api: TestClient) -> dict[str, str]:
    """Staff nurse (level 2) and senior nurse (level 3, no requirements, no min months)."""
    staff = make_position(api, "STAFF", 2, pay_band=band(low=50000, high=70000))
    senior = make_position(api, "SENIOR", 3, pay_band=band(low=60000, high=80000))
    return {"staff": staff["id"], "senior": senior["id"]}


# --- comparisons -----------------------------------------------------------------------------


def test_comparison_across_currencies_is_a_422_problem(api: TestClient) -> None:
    dollars = make_position(api, "US", 2, pay_band=band(currency="USD"))
    euros = make_position(api, "EU", 3, pay_band=band(currency="EUR"))

    response = api.get(
        "/v1/comparisons",
        params={"from_position_id": dollars["id"], "to_position_id": euros["id"]},
    )

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"]
    assert all(e["in"] == "query" for e in body["errors"])
    assert {e["field"] for e in body["errors"]} <= {"from_position_id", "to_position_id"}
    assert "USD" in body["detail"] and "EUR" in body["detail"]


def test_comparison_pay_is_null_when_either_band_is_missing(api: TestClient) -> None:
    banded = make_position(api, "BANDED", 2, pay_band=band())
    unbanded = make_position(api, "UNBANDED", 3)
    assert unbanded["pay_band"] is None

    for source, target in ((banded, unbanded), (unbanded, banded)):
        response = api.get(
            "/v1/comparisons",
            params={"from_position_id": source["id"], "to_position_id": target["id"]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pay"] is None
        assert body["move_type"] == ("promotion" if source is banded else "demotion")
        assert body["summary"].strip()


@pytest.mark.parametrize("which", ["from_position_id", "to_position_id"])
def test_comparison_with_an_unknown_position_id_is_a_404(
    api: TestClient, positions: dict[str, str], which: str
) -> None:
    params = {"from_position_id": positions["staff"], "to_position_id": positions["senior"]}
    params[which] = "00000000-0000-4000-8000-000000000000"

    assert_problem(api.get("/v1/comparisons", params=params), 404, "not-found")


@pytest.mark.parametrize("which", ["from_position_id", "to_position_id"])
def test_comparison_with_another_organizations_position_is_a_404(
    api: TestClient,
    client: TestClient,
    make_org: Callable[[str], Any],
    positions: dict[str, str],
    which: str,
) -> None:
    other = make_org("Other Hospital")
    foreign = client.post(
        "/v1/positions",
        json={"code": "X", "title": "X", "family": "F", "track": "individual", "level": 5},
        headers=other.headers("admin"),
    )
    assert foreign.status_code == 201, foreign.text
    params = {"from_position_id": positions["staff"], "to_position_id": positions["senior"]}
    params[which] = foreign.json()["id"]

    body = assert_problem(api.get("/v1/comparisons", params=params), 404, "not-found")
    assert "Other Hospital" not in body["detail"]


def test_comparison_with_an_unknown_employee_is_a_404(
    api: TestClient, positions: dict[str, str]
) -> None:
    response = api.get(
        "/v1/comparisons",
        params={
            "from_position_id": positions["staff"],
            "to_position_id": positions["senior"],
            "employee_id": "no-such-person",
        },
    )
    assert_problem(response, 404, "not-found")


# --- readiness: time, voids and the window --------------------------------------------------


def test_readiness_as_of_a_past_day_ignores_events_recorded_later_but_dated_after_it(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    record(api, person, "performance_review", "2024-06-01", rating=3)
    before = readiness(api, person, positions["senior"], "2025-01-01")
    # review 3 -> 50; 12 whole months in role of the default 12 -> 100
    # 0.35*50 + 0.15*100 + 0.1*100 = 42.5
    assert before["score"] == 42.5

    late_review = record(api, person, "performance_review", "2025-03-01", rating=5)
    late_lead = record(api, person, "initiative", "2025-01-02", name="Rota app")

    again = readiness(api, person, positions["senior"], "2025-01-01")
    assert again == before
    later = readiness(api, person, positions["senior"], "2025-03-01")
    assert parts(later)["performance"]["score"] == 75.0  # mean(3, 5) = 4
    assert late_review in parts(later)["performance"]["evidence"]
    assert parts(later)["leadership"]["evidence"] == [late_lead]
    assert later["score"] > before["score"]


def test_voided_review_stops_counting_and_the_score_returns_to_its_earlier_value(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    kept = record(api, person, "performance_review", "2024-06-01", rating=3)
    baseline = readiness(api, person, positions["senior"], "2025-01-01")

    wrong = record(api, person, "performance_review", "2024-09-01", rating=5)
    raised = readiness(api, person, positions["senior"], "2025-01-01")
    assert parts(raised)["performance"]["score"] == 75.0
    assert sorted(parts(raised)["performance"]["evidence"]) == sorted([kept, wrong])

    voided = api.delete(
        f"/v1/employees/{person}/events/{wrong}", params={"reason": "entered for wrong person"}
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["voided_at"] is not None

    after = readiness(api, person, positions["senior"], "2025-01-01")
    assert after == baseline
    assert parts(after)["performance"]["evidence"] == [kept]
    assert parts(after)["performance"]["score"] == 50.0


def test_voided_certification_no_longer_meets_a_requirement(api: TestClient) -> None:
    person, charge, cert = certified_staff_nurse(api, "2024-01-01", "2024-05-01", "cen")
    assert scores(readiness(api, person, charge, "2025-01-01"))["requirements"] == 100.0

    void_event(api, person, cert, reason="typo")

    result = readiness(api, person, charge, "2025-01-01")
    assert parts(result)["requirements"] == {
        "name": "requirements",
        "score": 0.0,
        "weight": 0.15,
        "evidence": [],
    }
    assert parts(result)["development"]["evidence"] == []
    assert result["band"] != "ready_now"


def test_an_event_exactly_window_months_before_as_of_is_outside_the_window(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2023-01-01", position_id=positions["staff"])
    record(api, person, "performance_review", "2023-06-30", rating=5)
    record(api, person, "leadership_activity", "2023-06-30", name="Old")
    record(api, person, "training_completed", "2023-06-30", name="Old course")
    inside_review = record(api, person, "performance_review", "2023-07-01", rating=3)
    inside_lead = record(api, person, "leadership_activity", "2023-07-01", name="A")

    result = readiness(api, person, positions["senior"], "2025-06-30")

    # Window: after 2023-06-30, up to 2025-06-30. Only the 3 counts -> (3-1)*25 = 50
    assert parts(result)["performance"]["score"] == 50.0
    assert parts(result)["performance"]["evidence"] == [inside_review]
    assert parts(result)["leadership"]["evidence"] == [inside_lead]
    assert parts(result)["leadership"]["score"] == 33.3
    assert parts(result)["development"]["evidence"] == []
    assert parts(result)["development"]["score"] == 0.0
    # 0.35*50 + 0.2*33.3 + 0 + 0.15*100 + 0.1*100 = 17.5 + 6.66 + 15 + 10 = 49.16 -> 49.2
    assert result["score"] == 49.2
    assert result["band"] == "ready_3_plus_years"


def test_a_requirement_met_long_before_the_window_still_counts_but_not_as_development(
    api: TestClient,
) -> None:
    person, charge, cert = certified_staff_nurse(api, "2019-01-01", "2020-01-01", "CEN")

    result = readiness(api, person, charge, "2025-06-30")

    assert parts(result)["requirements"]["score"] == 100.0
    assert parts(result)["requirements"]["evidence"] == [cert]
    assert parts(result)["development"]["score"] == 0.0
    assert parts(result)["development"]["evidence"] == []


def test_readiness_without_a_target_uses_a_placeholder_one_level_up(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    hired = record(api, person, "hire", "2024-12-15", position_id=positions["staff"])

    result = readiness(api, person, as_of="2025-06-30")

    assert result["target_position_id"] is None
    assert result["move_type"] == "promotion"
    assert result["policy_version"] == 1
    # requirements: the placeholder asks for nothing -> 100 with no evidence
    assert parts(result)["requirements"]["score"] == 100.0
    assert parts(result)["requirements"]["evidence"] == []
    # experience: 2024-12-15 .. 2025-06-30 is 6 whole months of 12 -> 50
    assert parts(result)["experience"]["score"] == 50.0
    assert parts(result)["experience"]["evidence"] == [hired]
    # 0.15*100 + 0.1*50 = 20.0
    assert result["score"] == 20.0
    assert result["band"] == "ready_3_plus_years"
    assert not [g for g in result["gaps"] if g["component"] == "requirements"]


@pytest.mark.parametrize(
    ("as_of", "history"),
    [
        ("2023-12-31", "hired later"),
        ("2025-06-30", "exited before"),
        ("2025-06-30", "never hired"),
    ],
)
def test_readiness_of_a_person_not_employed_on_as_of_is_a_422(
    api: TestClient, positions: dict[str, str], as_of: str, history: str
) -> None:
    person = create_employee(api, "E-1")
    if history != "never hired":
        record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    if history == "exited before":
        record(api, person, "exit", "2025-01-31")

    response = get_readiness(api, person, positions["senior"], as_of)

    body = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["as_of"]
    assert body["errors"][0]["in"] == "query"


def test_min_months_in_role_zero_means_no_requirement_so_experience_is_100(
    api: TestClient, positions: dict[str, str]
) -> None:
    no_wait = make_position(api, "NO-WAIT", 3, min_months_in_role=0)
    default_wait = make_position(api, "DEFAULT-WAIT", 3)
    assert default_wait["min_months_in_role"] is None
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2025-06-30", position_id=positions["staff"])

    immediate = readiness(api, person, no_wait["id"], "2025-06-30")
    assert parts(immediate)["experience"]["score"] == 100.0
    assert not [g for g in immediate["gaps"] if g["component"] == "experience"]
    # 0.15*100 + 0.1*100 = 25.0
    assert immediate["score"] == 25.0

    # null min_months_in_role: the policy default of 12 applies; 0 months -> 0
    waiting = readiness(api, person, default_wait["id"], "2025-06-30")
    assert parts(waiting)["experience"]["score"] == 0.0
    assert waiting["score"] == 15.0
    assert any(s["component"] == "experience" for s in waiting["next_steps"])


def test_readiness_for_an_unknown_or_foreign_target_is_a_404(
    api: TestClient,
    client: TestClient,
    make_org: Callable[[str], Any],
    positions: dict[str, str],
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    other = make_org("Other Hospital")
    foreign = client.post(
        "/v1/positions",
        json={"code": "X", "title": "X", "family": "F", "track": "individual", "level": 5},
        headers=other.headers("admin"),
    ).json()["id"]

    assert_problem(get_readiness(api, person, "nope", "2025-01-01"), 404, "not-found")
    assert_problem(get_readiness(api, person, foreign, "2025-01-01"), 404, "not-found")
    assert_problem(get_readiness(api, "nobody", as_of="2025-01-01"), 404, "not-found")


# --- scoring policy --------------------------------------------------------------------------


def test_every_organization_starts_with_version_1_of_the_default_policy(
    api: TestClient, org: Any
) -> None:
    response = api.get("/v1/scoring-policy", headers=org.headers("read"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 1
    assert body["created_at"]
    assert policy_without_meta(body) == DEFAULT_POLICY
    assert api.get("/v1/scoring-policy/versions/1").json() == body


def test_new_policy_version_is_used_by_readiness_and_the_old_one_stays_readable(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    hired = record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    record(api, person, "training_completed", "2024-03-01", name="ACLS")
    lead = record(api, person, "leadership_activity", "2024-12-01", name="Huddle")
    review = record(api, person, "performance_review", "2025-01-10", rating=4)

    v1 = readiness(api, person, positions["senior"], "2025-06-30")
    # v1: performance 75; leadership 1/3 -> 33.3; development 1/4 -> 25;
    # requirements 100; experience 17 months of 12 -> 100
    # 26.25 + 6.66 + 5 + 15 + 10 = 62.91 -> 62.9
    assert v1["policy_version"] == 1
    assert scores(v1) == {
        "performance": 75.0,
        "leadership": 33.3,
        "development": 25.0,
        "requirements": 100.0,
        "experience": 100.0,
    }
    assert v1["score"] == 62.9
    assert v1["band"] == "ready_1_2_years"

    put = api.put("/v1/scoring-policy", json=NEW_POLICY)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 2
    assert policy_without_meta(put.json()) == NEW_POLICY
    current = api.get("/v1/scoring-policy").json()
    assert current == put.json()

    v2 = readiness(api, person, positions["senior"], "2025-06-30")
    assert v2["policy_version"] == 2
    assert {c["name"]: c["weight"] for c in v2["components"]} == NEW_POLICY["weights"]
    # v2: window 12 months (after 2024-06-30): the training drops out -> 0;
    # leadership 1 of 2 -> 50; experience 17 of the default 24 months -> 70.8
    assert scores(v2) == {
        "performance": 75.0,
        "leadership": 50.0,
        "development": 0.0,
        "requirements": 100.0,
        "experience": 70.8,
    }
    assert parts(v2)["performance"]["evidence"] == [review]
    assert parts(v2)["leadership"]["evidence"] == [lead]
    assert parts(v2)["development"]["evidence"] == []
    assert parts(v2)["experience"]["evidence"] == [hired]
    # 0.4*75 + 0.2*50 + 0.1*0 + 0.1*100 + 0.2*70.8 = 30 + 10 + 0 + 10 + 14.16 = 64.16 -> 64.2
    assert v2["score"] == 64.2
    # thresholds 60 / 40: ready now
    assert v2["band"] == "ready_now"

    old = api.get("/v1/scoring-policy/versions/1")
    assert old.status_code == 200, old.text
    assert old.json()["version"] == 1
    assert policy_without_meta(old.json()) == DEFAULT_POLICY
    assert api.get("/v1/scoring-policy/versions/2").json() == put.json()

    # a past day scored again names the policy version it used: the current one
    assert readiness(api, person, positions["senior"], "2025-06-30") == v2


def _weights(**changes: float) -> dict[str, Any]:
    body = {**DEFAULT_POLICY, "weights": {**DEFAULT_POLICY["weights"], **changes}}
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_weights(performance=0.5), "weights"),
        (_weights(performance=0.3), "weights"),
        ({**DEFAULT_POLICY, "thresholds": {"ready_now": 40, "ready_1_2_years": 60}}, "thresholds"),
    ],
    ids=["weights-over-1", "weights-under-1", "thresholds-unordered"],
)
def test_rejected_policy_names_the_bad_field_and_changes_nothing(
    api: TestClient, body: dict[str, Any], field: str
) -> None:
    before = api.get("/v1/scoring-policy").json()

    response = api.put("/v1/scoring-policy", json=body)

    problem = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["in"] == "body"
    assert api.get("/v1/scoring-policy").json() == before
    assert_problem(api.get("/v1/scoring-policy/versions/2"), 404, "not-found")


def test_weights_within_a_thousandth_of_one_are_accepted(api: TestClient) -> None:
    response = api.put("/v1/scoring-policy", json=_weights(performance=0.3505))

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert response.json()["weights"]["performance"] == 0.3505


def test_rejected_policy_after_a_change_keeps_the_latest_version(api: TestClient) -> None:
    assert api.put("/v1/scoring-policy", json=NEW_POLICY).status_code == 200
    before = api.get("/v1/scoring-policy").json()
    assert before["version"] == 2

    bad = api.put("/v1/scoring-policy", json={**NEW_POLICY, "window_months": 0})

    problem = assert_problem(bad, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["window_months"]
    assert api.get("/v1/scoring-policy").json() == before
    assert_problem(api.get("/v1/scoring-policy/versions/3"), 404, "not-found")


def test_changing_the_policy_needs_the_admin_scope(client: TestClient, org: Any) -> None:
    response = client.put("/v1/scoring-policy", json=NEW_POLICY, headers=org.headers("write"))

    assert_problem(response, 403, "forbidden")
    current = client.get("/v1/scoring-policy", headers=org.headers("read")).json()
    assert current["version"] == 1
    assert policy_without_meta(current) == DEFAULT_POLICY


@pytest.mark.parametrize("version", ["999", "0", "two"])
def test_unknown_policy_version_is_a_404(api: TestClient, version: str) -> None:
    assert_problem(api.get(f"/v1/scoring-policy/versions/{version}"), 404, "not-found")


def test_policy_versions_belong_to_their_organization(
    api: TestClient, client: TestClient, make_org: Callable[[str], Any]
) -> None:
    assert api.put("/v1/scoring-policy", json=NEW_POLICY).status_code == 200
    other = make_org("Other Hospital")

    theirs = client.get("/v1/scoring-policy", headers=other.headers("read"))

    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["version"] == 1
    assert policy_without_meta(theirs.json()) == DEFAULT_POLICY
    response = client.get("/v1/scoring-policy/versions/2", headers=other.headers("read"))
    assert_problem(response, 404, "not-found")


# --- more readiness and comparison rules ----------------------------------------------------


def test_a_requirement_is_met_only_by_an_event_of_the_same_kind_on_or_before_as_of(
    api: TestClient,
) -> None:
    staff = make_position(api, "STAFF", 2)
    charge = make_position(
        api,
        "CHARGE",
        3,
        requirements=[
            {"kind": "certification", "name": "CEN"},
            {"kind": "skill", "name": "Spanish"},
        ],
    )
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=staff["id"])
    record(api, person, "training_completed", "2024-02-01", name="CEN")
    spanish = record(api, person, "skill_acquired", "2024-03-01", name="spanish")
    record(api, person, "certification_earned", "2025-02-01", name="CEN")

    result = readiness(api, person, charge["id"], "2025-01-01")

    # a training named CEN is not the certification, and the certification comes later
    assert parts(result)["requirements"]["score"] == 50.0
    assert parts(result)["requirements"]["evidence"] == [spanish]
    missing = [g["requirement"] for g in result["gaps"] if g["component"] == "requirements"]
    assert missing == [{"kind": "certification", "name": "CEN", "mandatory": True}]


def test_a_move_restarts_the_months_in_role(api: TestClient, positions: dict[str, str]) -> None:
    lead = make_position(api, "LEAD", 4)
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2023-01-01", position_id=positions["staff"])
    move = record(api, person, "promotion", "2025-03-15", position_id=positions["senior"])

    result = readiness(api, person, lead["id"], "2025-06-30")

    # 2025-03-15 .. 2025-06-30: 3 whole months of 12 -> 25.0
    assert parts(result)["experience"]["score"] == 25.0
    assert parts(result)["experience"]["evidence"] == [move]
    assert result["move_type"] == "promotion"
    waiting = [s for s in result["next_steps"] if s["component"] == "experience"]
    assert len(waiting) == 1
    # experience 25 -> 100 adds 0.1 * 75 = 7.5 points
    assert waiting[0]["gain"] == 7.5


def test_readiness_for_a_lower_level_target_reports_a_demotion(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["senior"])

    result = readiness(api, person, positions["staff"], "2025-01-01")

    assert result["move_type"] == "demotion"
    assert result["target_position_id"] == positions["staff"]


def test_development_and_reviews_at_or_above_the_mean_never_lower_the_score(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    record(api, person, "performance_review", "2024-03-01", rating=3)
    record(api, person, "performance_review", "2024-04-01", rating=4)
    previous = readiness(api, person, positions["senior"], "2025-06-30")["score"]
    additions = [
        {"type": "performance_review", "rating": 4},
        {"type": "leadership_activity", "name": "Led huddle"},
        {"type": "initiative", "description": "Started a journal club"},
        {"type": "training_completed", "name": "ACLS"},
        {"type": "certification_earned", "name": "CEN"},
        {"type": "skill_acquired", "name": "Spanish"},
        {"type": "performance_review", "rating": 5},
        {"type": "leadership_activity", "name": "Led huddle again"},
        {"type": "training_completed", "name": "PALS"},
        {"type": "leadership_activity", "name": "Past saturation"},
        {"type": "training_completed", "name": "Past saturation"},
    ]
    for day, extra in enumerate(additions, start=1):
        fields = {k: v for k, v in extra.items() if k != "type"}
        record(api, person, extra["type"], f"2025-05-{day:02d}", **fields)
        score = readiness(api, person, positions["senior"], "2025-06-30")["score"]
        assert score >= previous, extra
        previous = score
    # reviews 3, 4, 4, 5 -> mean 4 -> 75; the rest saturated at 100, 12+ months in role
    # 0.35*75 + 20 + 20 + 15 + 10 = 91.25 -> 91.3
    assert previous == 91.3


def test_an_event_dated_in_the_future_counts_from_that_day_on(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    scheduled = record(api, person, "training_completed", "2199-01-01", name="X")

    today = readiness(api, person, positions["senior"], "2025-01-01")
    that_day = readiness(api, person, positions["senior"], "2199-01-01")

    assert parts(today)["development"]["evidence"] == []
    assert parts(that_day)["development"]["evidence"] == [scheduled]


def test_comparison_for_a_person_paid_in_another_currency_leaves_ratios_null(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(
        api,
        person,
        "hire",
        "2024-01-01",
        position_id=positions["staff"],
        salary={"amount": "55000", "currency": "EUR"},
    )

    response = api.get(
        "/v1/comparisons",
        params={
            "from_position_id": positions["staff"],
            "to_position_id": positions["senior"],
            "employee_id": person,
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["current_salary"] == {"amount": "55000.00", "currency": "EUR"}
    assert body["compa_ratio_before"] is None
    assert body["compa_ratio_after"] is None
    assert "currency_mismatch" in body["flags"]
    assert "below_target_band" not in body["flags"]
    assert body["pay"]["delta"] == "10000.00"


def test_a_past_day_when_the_person_was_employed_is_scored_after_their_exit(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    hired = record(api, person, "hire", "2024-01-01", position_id=positions["staff"])
    record(api, person, "performance_review", "2024-06-01", rating=4)
    before_exit = readiness(api, person, positions["senior"], "2024-12-31")
    record(api, person, "exit", "2025-01-31")

    again = readiness(api, person, positions["senior"], "2024-12-31")

    assert again == before_exit
    assert parts(again)["experience"]["evidence"] == [hired]
    # 0.35*75 + 0.15*100 + 0.1*100 (11 whole months of 12 -> 91.7 -> 9.17)
    # = 26.25 + 15 + 9.17 = 50.42 -> 50.4
    assert parts(again)["experience"]["score"] == 91.7
    assert again["score"] == 50.4
    assert_problem(
        get_readiness(api, person, positions["senior"], "2025-01-31"), 422, "validation-error"
    )


def test_voiding_a_move_gives_the_months_in_role_back_to_the_earlier_role(
    api: TestClient, positions: dict[str, str]
) -> None:
    lead = make_position(api, "LEAD", 4)
    person = create_employee(api, "E-1")
    hired = record(api, person, "hire", "2023-01-01", position_id=positions["staff"])
    move = record(
        api,
        person,
        "position_change",
        "2025-03-15",
        position_id=positions["senior"],
    )
    assert parts(readiness(api, person, lead["id"], "2025-06-30"))["experience"]["score"] == 25.0

    voided = api.delete(f"/v1/employees/{person}/events/{move}", params={"reason": "cancelled"})
    assert voided.status_code == 200, voided.text

    result = readiness(api, person, lead["id"], "2025-06-30")
    assert parts(result)["experience"] == {
        "name": "experience",
        "score": 100.0,
        "weight": 0.1,
        "evidence": [hired],
    }
    assert result["move_type"] == "promotion"


def test_readiness_without_as_of_is_scored_for_today(
    api: TestClient, positions: dict[str, str]
) -> None:
    person = create_employee(api, "E-1")
    record(api, person, "hire", "2024-01-01", position_id=positions["staff"])

    response = api.get(
        f"/v1/employees/{person}/readiness", params={"target_position_id": positions["senior"]}
    )

    assert response.status_code == 200, response.text
    assert response.json()["as_of"] == datetime.now(UTC).date().isoformat()
    assert response.json()["policy_version"] == 1
