"""Coverage of the critical positions (SPEC 12), on a hand-built organization whose every
count is known, and against the slate it must agree with."""

from __future__ import annotations

import random
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import assert_problem, create_position, hire, ok, record

AS_OF = "2026-03-01"
CERT = {"kind": "certification", "name": "Nurse Executive (NE-BC)"}
PHARM_TRAINING = {"kind": "training", "name": "Pharmacy leadership"}


def strong_evidence(api: TestClient, person: str, *, certified: bool) -> None:
    """Enough for 100 points against a target whose mandatory requirements are met."""
    for day in ("2025-03-01", "2025-09-01"):
        record(api, person, "performance_review", day, rating=5)
    for n in range(3):
        record(api, person, "leadership_activity", f"2025-0{n + 4}-10", name=f"Led {n}")
    for n in range(4 if not certified else 3):
        record(api, person, "training_completed", f"2025-0{n + 4}-20", name=f"Course {n}")
    if certified:
        record(api, person, "certification_earned", "2026-02-01", name=CERT["name"])


def nominate(api: TestClient, position: str, person: str, **fields: Any) -> None:
    response = api.post(
        f"/v1/positions/{position}/successors", json={"employee_id": person, **fields}
    )
    assert response.status_code == 201, response.text


def coverage(api: TestClient, as_of: str = AS_OF) -> dict[str, Any]:
    return ok(api.get("/v1/succession/coverage", params={"as_of": as_of}))


@pytest.fixture
def org_chart(api: TestClient) -> dict[str, str]:
    rn = create_position(api, "RN", 3)
    mgr = create_position(
        api, "RN-MGR", 4, requirements=[CERT], min_months_in_role=12, critical=True
    )
    director = create_position(api, "DIR", 6, critical=True)
    pharm = create_position(api, "PHARM-LEAD", 5, requirements=[PHARM_TRAINING], critical=True)
    people = {"rn": rn, "mgr": mgr, "dir": director, "pharm": pharm}
    people["inc_mgr1"] = hire(api, "E-inc-mgr1", mgr, "2022-01-03")
    record(api, people["inc_mgr1"], "talent_review", "2025-11-01", potential=2, risk_of_loss="high")
    people["inc_mgr2"] = hire(api, "E-inc-mgr2", mgr, "2022-01-03")
    record(api, people["inc_mgr2"], "talent_review", "2025-06-01", potential=2, risk_of_loss="high")
    record(api, people["inc_mgr2"], "talent_review", "2025-12-01", potential=2, risk_of_loss="low")
    people["inc_dir"] = hire(api, "E-inc-dir", director, "2021-01-04")
    record(api, people["inc_dir"], "talent_review", "2025-10-01", potential=1, risk_of_loss="high")
    people["ana"] = hire(api, "E-ana", rn, "2023-01-02")
    strong_evidence(api, people["ana"], certified=True)
    people["bea"] = hire(api, "E-bea", rn, "2023-01-02")
    strong_evidence(api, people["bea"], certified=False)
    people["cal"] = hire(api, "E-cal", rn, "2025-06-02")
    nominate(api, mgr, people["ana"], rank=1)
    nominate(api, mgr, people["cal"], rank=2, readiness_override="ready_now")
    return people


def test_coverage_counts_each_critical_position_on_a_known_organization(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    body = coverage(api)

    assert body["as_of"] == AS_OF
    assert body["items"] == [
        {
            "position_id": org_chart["dir"],
            "code": "DIR",
            "incumbents": 1,
            "named_successors": 0,
            "ready_now_named": 0,
            "ready_now_computed": 2,  # Ana and Bea: no requirements to miss
            "bench_strength": "strong",
            "high_risk_incumbents": 1,
        },
        {
            "position_id": org_chart["pharm"],
            "code": "PHARM-LEAD",
            "incumbents": 0,
            "named_successors": 0,
            "ready_now_named": 0,
            "ready_now_computed": 0,  # nobody has the mandatory training
            "bench_strength": "none",
            "high_risk_incumbents": 0,
        },
        {
            "position_id": org_chart["mgr"],
            "code": "RN-MGR",
            "incumbents": 2,
            "named_successors": 2,
            "ready_now_named": 2,  # Ana computed, Cal by override
            "ready_now_computed": 1,  # Ana; Bea lacks the certification
            "bench_strength": "strong",  # Ana and Cal, Ana counted once
            "high_risk_incumbents": 1,  # the second incumbent's latest review says low
        },
    ]
    assert body["summary"] == {
        "critical_positions": 3,
        "without_ready_now_successor": 1,
        "high_risk_incumbents_without_successor": 1,  # DIR's incumbent
    }


def test_as_of_moves_readiness_holdings_and_talent_reviews_but_not_nominations(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    # Before Ana's certification, and before the second incumbent's reassuring review.
    body = coverage(api, "2025-11-15")

    mgr = next(item for item in body["items"] if item["code"] == "RN-MGR")
    assert mgr["ready_now_computed"] == 0
    assert mgr["named_successors"] == 2
    assert mgr["ready_now_named"] == 1  # Cal's override; Ana is not ready yet
    assert mgr["bench_strength"] == "thin"
    assert mgr["high_risk_incumbents"] == 2
    # Before anybody held the director's role.
    early = {item["code"]: item for item in coverage(api, "2020-06-01")["items"]}
    assert early["DIR"]["incumbents"] == 0
    assert early["DIR"]["high_risk_incumbents"] == 0


def test_only_critical_positions_are_reported_and_patch_adds_one(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    assert "RN" not in [item["code"] for item in coverage(api)["items"]]

    api.patch(f"/v1/positions/{org_chart['rn']}", json={"critical": True})

    rn = next(item for item in coverage(api)["items"] if item["code"] == "RN")
    assert rn["incumbents"] == 3
    # The only people who do not hold it are the three incumbents of the other roles, who
    # have no reviews, leadership or development: nobody is ready now, as the slate says.
    assert rn["ready_now_computed"] == 0
    slate = api.get(
        f"/v1/positions/{org_chart['rn']}/candidates",
        params={"as_of": AS_OF, "min_band": "ready_now"},
    ).json()["items"]
    assert rn["ready_now_computed"] == len(slate)


def test_an_organization_without_critical_positions_has_an_empty_report(api: TestClient) -> None:
    assert coverage(api) == {
        "as_of": AS_OF,
        "items": [],
        "summary": {
            "critical_positions": 0,
            "without_ready_now_successor": 0,
            "high_risk_incumbents_without_successor": 0,
        },
    }
    assert_problem(
        api.get("/v1/succession/coverage", params={"as_of": "yesterday"}), 422, "validation-error"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ready_now_computed_equals_the_ready_now_slate_of_each_position(
    api: TestClient, seed: int
) -> None:
    """The coverage reads the organization once and cuts it per position; the slate ranks
    per position. They must agree on every position, requirements or none, skill levels
    asked and held, certifications lapsed or not."""
    rng = random.Random(seed)
    names = ["CPR", "Triage", "Charge nurse", "NE-BC"]
    positions = []
    for n in range(6):
        requirements = []
        for name in rng.sample(names, rng.randint(0, 2)):
            kind = rng.choice(["certification", "training", "skill"])
            requirement = {"kind": kind, "name": name, "mandatory": rng.random() < 0.6}
            if kind == "skill" and rng.random() < 0.6:
                requirement["min_level"] = rng.randint(1, 3)
            requirements.append(requirement)
        positions.append(
            create_position(
                api,
                f"P{n}",
                n + 1,
                requirements=requirements,
                min_months_in_role=rng.choice([None, 0, 6, 24]),
                critical=True,
            )
        )
    kinds = {
        "certification": "certification_earned",
        "training": "training_completed",
        "skill": "skill_acquired",
    }
    for n in range(30):
        person = hire(
            api, f"E-{n}", rng.choice(positions), f"202{rng.randint(2, 5)}-0{rng.randint(1, 9)}-01"
        )
        for _ in range(rng.randint(0, 3)):
            record(
                api,
                person,
                "performance_review",
                f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                rating=rng.randint(3, 5),
            )
        for _ in range(rng.randint(0, 4)):
            record(
                api,
                person,
                "leadership_activity",
                f"2025-1{rng.randint(0, 2)}-0{rng.randint(1, 9)}",
                name="Led",
            )
        for name in rng.sample(names, rng.randint(0, 4)):
            kind = rng.choice(list(kinds.values()))
            extra: dict[str, Any] = {}
            if kind == "skill_acquired":
                extra["level"] = rng.randint(1, 3)
            elif kind == "certification_earned" and rng.random() < 0.5:
                # Some lapse before AS_OF, some after.
                extra["expires_on"] = f"202{rng.choice([6, 7])}-0{rng.randint(1, 9)}-01"
            record(
                api,
                person,
                kind,
                f"202{rng.randint(3, 5)}-0{rng.randint(1, 2)}-0{rng.randint(1, 9)}",
                name=name,
                **extra,
            )

    items = {item["position_id"]: item for item in coverage(api)["items"]}

    ready_somewhere = 0
    for position in positions:
        slate = api.get(
            f"/v1/positions/{position}/candidates",
            params={"as_of": AS_OF, "min_band": "ready_now", "limit": 500},
        ).json()["items"]
        assert items[position]["ready_now_computed"] == len(slate), position
        ready_somewhere += len(slate)
    assert ready_somewhere > 0  # the comparison is not vacuous
