"""Succession slates (SPEC 3, 5 and 9): `GET /v1/positions/{id}/candidates` ranks the people
active on `as_of` by readiness for a position, with the same scores the single readiness
endpoint gives each of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import create_position, record

AS_OF = "2025-06-30"
LATER = "2025-12-31"
CERT = {"kind": "certification", "name": "Nurse Executive (NE-BC)", "mandatory": True}
SKILL = {"kind": "skill", "name": "Staff scheduling", "mandatory": False}
PROBLEM_JSON = "application/problem+json"


# --- small local helpers -------------------------------------------------------------------


def create_employee(api: TestClient, external_id: str) -> str:
    """Create a person with a display name (the slate shows it) and return their id."""
    body = {"external_id": external_id, "display_name": f"Person {external_id}"}
    response = api.post("/v1/employees", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def many(api: TestClient, employee_id: str, type_: str, days: list[str]) -> None:
    for n, day in enumerate(days):
        record(api, employee_id, type_, day, name=f"{type_} {n}")


def slate(api: TestClient, position_id: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/v1/positions/{position_id}/candidates", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def ranking(api: TestClient, position_id: str, **params: Any) -> list[str]:
    page = slate(api, position_id, limit=500, **params)
    assert page["next_cursor"] is None
    return [c["external_id"] for c in page["items"]]


def readiness(api: TestClient, employee_id: str, target: str, as_of: str) -> dict[str, Any]:
    response = api.get(
        f"/v1/employees/{employee_id}/readiness",
        params={"target_position_id": target, "as_of": as_of},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def assert_problem(response: Any, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status


class World:
    """Positions and people of the slate tests, with their ids by code / external_id."""

    def __init__(self, positions: dict[str, str], people: dict[str, str]) -> None:
        self.positions = positions
        self.people = people
        self.target = positions["RN-MGR"]


@pytest.fixture
def world(api: TestClient) -> World:
    """Eight people who are candidates for RN-MGR on AS_OF, and four who are not.

    RN-MGR (level 3) asks for the certification (mandatory) and the skill (optional), and 24
    months in role. People are created out of external_id order on purpose.
    """
    positions = {
        "RN": create_position(api, "RN", 2),
        "CHARGE": create_position(api, "CHARGE", 3),
        "DIR": create_position(api, "DIR", 4),
        "RN-MGR": create_position(
            api, "RN-MGR", 3, requirements=[CERT, SKILL], min_months_in_role=24
        ),
    }
    order = ["E-12", "E-03", "E-07", "E-02", "E-08", "E-05", "E-01", "E-04", "E-06"]
    order += ["E-09", "E-10", "E-11"]
    people = {external_id: create_employee(api, external_id) for external_id in order}
    rn, charge, director, manager = (
        positions["RN"],
        positions["CHARGE"],
        positions["DIR"],
        positions["RN-MGR"],
    )

    # E-07: everything full: 100.0, ready now.
    e = people["E-07"]
    record(api, e, "hire", "2019-01-01", position_id=rn)
    record(api, e, "performance_review", "2024-03-01", rating=5)
    record(api, e, "performance_review", "2025-03-01", rating=5)
    many(api, e, "leadership_activity", ["2024-05-01", "2024-09-01", "2025-01-01"])
    record(api, e, "certification_earned", "2024-01-10", name=CERT["name"])
    record(api, e, "skill_acquired", "2024-02-01", name=SKILL["name"])
    many(api, e, "training_completed", ["2024-04-01", "2024-06-01"])

    # E-05: a charge nurse (level 3, lateral), mean rating 4.5, only the optional skill missing.
    e = people["E-05"]
    record(api, e, "hire", "2021-01-01", position_id=charge)
    record(api, e, "performance_review", "2024-06-01", rating=4)
    record(api, e, "performance_review", "2025-02-01", rating=5)
    many(api, e, "initiative", ["2024-01-15", "2024-08-01", "2025-04-01"])
    record(api, e, "certification_earned", "2023-09-01", name=CERT["name"])
    many(api, e, "training_completed", ["2024-02-01", "2024-03-01", "2024-04-01"])

    # E-06: a director (demotion), strong but without the mandatory certification.
    e = people["E-06"]
    record(api, e, "hire", "2020-01-01", position_id=director)
    record(api, e, "performance_review", "2025-01-01", rating=5)
    many(api, e, "leadership_activity", ["2024-02-01", "2024-03-01", "2024-04-01"])
    many(api, e, "training_completed", ["2024-05-01", "2024-06-01", "2024-07-01", "2024-08-01"])

    # E-02 and E-03: the same history (the certification spelled differently): a tie.
    for external_id, spelling in (("E-03", CERT["name"]), ("E-02", "NURSE EXECUTIVE (ne-bc)")):
        e = people[external_id]
        record(api, e, "hire", "2022-01-01", position_id=rn)
        record(api, e, "performance_review", "2024-06-01", rating=4)
        record(api, e, "leadership_activity", "2024-07-01", name="Led the unit huddle")
        record(api, e, "certification_earned", "2024-08-01", name=spelling)

    # E-08: the certification was voided.
    e = people["E-08"]
    record(api, e, "hire", "2021-01-01", position_id=rn)
    record(api, e, "performance_review", "2025-01-01", rating=4)
    cert = record(api, e, "certification_earned", "2024-05-01", name=CERT["name"])
    voided = api.request(
        "DELETE", f"/v1/employees/{e}/events/{cert}", params={"reason": "recorded in error"}
    )
    assert voided.status_code == 200, voided.text

    # E-04: 9 months in role; a review after AS_OF does not count then.
    e = people["E-04"]
    record(api, e, "hire", "2024-09-01", position_id=rn)
    record(api, e, "performance_review", "2025-03-01", rating=3)
    record(api, e, "performance_review", "2025-08-01", rating=5)

    # E-12: nothing but time in role; promoted into the target after AS_OF.
    e = people["E-12"]
    record(api, e, "hire", "2020-01-01", position_id=rn)
    record(api, e, "promotion", "2025-08-01", position_id=manager)

    # Not candidates on AS_OF: a holder, a leaver, a future hire, a person never hired.
    record(api, people["E-01"], "hire", "2018-01-01", position_id=rn)
    record(api, people["E-01"], "promotion", "2023-01-01", position_id=manager)
    record(api, people["E-09"], "hire", "2019-01-01", position_id=rn)
    record(api, people["E-09"], "exit", "2025-01-31")
    record(api, people["E-09"], "hire", "2025-10-01", position_id=charge)  # a rehire
    record(api, people["E-10"], "hire", "2025-09-01", position_id=rn)
    return World(positions, people)


# Worked by hand from SPEC 5 (default policy) for AS_OF.
EXPECTED = [
    # external_id, score, band, move_type, missing requirements
    ("E-07", 100.0, "ready_now", "promotion", []),
    ("E-05", 95.6, "ready_now", "lateral", [SKILL]),
    ("E-06", 85.0, "ready_1_2_years", "demotion", [CERT, SKILL]),
    ("E-02", 62.9, "ready_1_2_years", "promotion", [SKILL]),
    ("E-03", 62.9, "ready_1_2_years", "promotion", [SKILL]),
    ("E-08", 36.3, "ready_3_plus_years", "promotion", [CERT, SKILL]),
    ("E-04", 21.3, "ready_3_plus_years", "promotion", [CERT, SKILL]),
    ("E-12", 10.0, "ready_3_plus_years", "promotion", [CERT, SKILL]),
]


# --- ranking -------------------------------------------------------------------------------


def test_slate_ranks_by_score_then_external_id_with_hand_computed_scores(
    api: TestClient, world: World
) -> None:
    page = slate(api, world.target, as_of=AS_OF)

    assert page["next_cursor"] is None
    got = [
        (c["external_id"], c["score"], c["band"], c["move_type"], c["requirements_missing"])
        for c in page["items"]
    ]
    assert got == EXPECTED
    for item in page["items"]:
        assert item["employee_id"] == world.people[item["external_id"]]
        assert item["display_name"] == f"Person {item['external_id']}"
        assert set(item) == {
            "employee_id",
            "external_id",
            "display_name",
            "score",
            "band",
            "move_type",
            "requirements_missing",
        }


def test_tied_scores_are_ordered_by_external_id_not_by_creation(
    api: TestClient, world: World
) -> None:
    items = slate(api, world.target, as_of=AS_OF)["items"]
    tied = [c for c in items if c["score"] == 62.9]
    # E-03 was created before E-02.
    assert [c["external_id"] for c in tied] == ["E-02", "E-03"]
    scores = [c["score"] for c in items]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("as_of", [AS_OF, LATER])
def test_every_candidate_scores_exactly_what_the_readiness_endpoint_says(
    api: TestClient, world: World, as_of: str
) -> None:
    items = slate(api, world.target, as_of=as_of, limit=500)["items"]
    assert len(items) >= 7

    for item in items:
        single = readiness(api, item["employee_id"], world.target, as_of)
        assert item["score"] == single["score"], item["external_id"]
        assert item["band"] == single["band"], item["external_id"]
        assert item["move_type"] == single["move_type"], item["external_id"]
        assert single["as_of"] == as_of
        from_gaps = [g["requirement"] for g in single["gaps"] if g.get("requirement")]
        assert item["requirements_missing"] == from_gaps, item["external_id"]


def test_slate_and_readiness_agree_under_a_changed_scoring_policy(
    api: TestClient, world: World
) -> None:
    policy = {
        "weights": {
            "performance": 0.3,
            "leadership": 0.1,
            "development": 0.3,
            "requirements": 0.2,
            "experience": 0.1,
        },
        "window_months": 12,
        "saturation": {"leadership": 2, "development": 2},
        "thresholds": {"ready_now": 60, "ready_1_2_years": 30},
        "default_min_months_in_role": 6,
    }
    response = api.put("/v1/scoring-policy", json=policy)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2

    items = slate(api, world.target, as_of=AS_OF)["items"]

    assert {c["external_id"] for c in items} == {row[0] for row in EXPECTED}
    for item in items:
        single = readiness(api, item["employee_id"], world.target, AS_OF)
        assert single["policy_version"] == 2
        assert (item["score"], item["band"]) == (single["score"], single["band"])
    keys = [(-c["score"], c["external_id"]) for c in items]
    assert keys == sorted(keys)
    # E-04's only review in the 12-month window is a 3: performance 50 of 0.3.
    e04 = next(c for c in items if c["external_id"] == "E-04")
    assert e04["score"] == 18.8  # 0.3 x 50 + 0.1 x (100 x 9 / 24) = 18.75


# --- who is on the slate -------------------------------------------------------------------


def test_holders_leavers_future_hires_and_the_never_hired_are_not_candidates(
    api: TestClient, world: World
) -> None:
    on_as_of = ranking(api, world.target, as_of=AS_OF)
    assert sorted(on_as_of) == sorted(row[0] for row in EXPECTED)
    for absent in ("E-01", "E-09", "E-10", "E-11"):
        assert absent not in on_as_of

    # By the end of the year E-12 holds the target, E-10 is hired and E-09 rehired.
    later = ranking(api, world.target, as_of=LATER)
    assert sorted(later) == sorted({row[0] for row in EXPECTED} - {"E-12"} | {"E-09", "E-10"})


def test_a_person_not_active_on_as_of_has_no_readiness_either(
    api: TestClient, world: World
) -> None:
    for external_id in ("E-09", "E-10", "E-11"):
        response = api.get(
            f"/v1/employees/{world.people[external_id]}/readiness",
            params={"target_position_id": world.target, "as_of": AS_OF},
        )
        assert_problem(response, 422, "validation-error")


def test_the_holders_own_position_ranks_the_others(api: TestClient, world: World) -> None:
    # Ranked for RN, the RN holders drop out and the target holder E-01 comes in.
    names = ranking(api, world.positions["RN"], as_of=AS_OF)
    assert set(names) == {"E-01", "E-05", "E-06"}
    items = slate(api, world.positions["RN"], as_of=AS_OF)["items"]
    assert {c["external_id"]: c["move_type"] for c in items} == {
        "E-01": "demotion",
        "E-05": "demotion",
        "E-06": "demotion",
    }


# --- filters and pages ---------------------------------------------------------------------


def test_min_band_keeps_that_band_and_readier_ones(api: TestClient, world: World) -> None:
    ready_now = ranking(api, world.target, as_of=AS_OF, min_band="ready_now")
    one_two = ranking(api, world.target, as_of=AS_OF, min_band="ready_1_2_years")
    three_plus = ranking(api, world.target, as_of=AS_OF, min_band="ready_3_plus_years")

    assert ready_now == ["E-07", "E-05"]
    assert one_two == ["E-07", "E-05", "E-06", "E-02", "E-03"]
    assert three_plus == [row[0] for row in EXPECTED]


def test_unknown_min_band_is_a_422(api: TestClient, world: World) -> None:
    response = api.get(
        f"/v1/positions/{world.target}/candidates", params={"min_band": "someday", "as_of": AS_OF}
    )
    assert_problem(response, 422, "validation-error")
    assert any("min_band" in e["field"] for e in response.json()["errors"])


def test_limit_and_cursor_visit_every_candidate_once_in_order(
    api: TestClient, world: World
) -> None:
    seen: list[str] = []
    pages = []
    cursor = None
    while True:
        params: dict[str, Any] = {"as_of": AS_OF, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = slate(api, world.target, **params)
        pages.append(len(page["items"]))
        seen += [c["external_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == [3, 3, 2]
    assert seen == [row[0] for row in EXPECTED]


def test_limit_above_500_is_a_422(api: TestClient, world: World) -> None:
    response = api.get(f"/v1/positions/{world.target}/candidates", params={"limit": 501})
    assert_problem(response, 422, "validation-error")


def test_a_position_nobody_can_move_to_has_an_empty_slate(api: TestClient) -> None:
    position = create_position(api, "EMPTY", 5)
    assert slate(api, position, as_of=AS_OF) == {"items": [], "next_cursor": None}


# --- not found -----------------------------------------------------------------------------


def test_unknown_position_is_a_404(api: TestClient, world: World) -> None:
    response = api.get(
        "/v1/positions/00000000-0000-4000-8000-000000000000/candidates", params={"as_of": AS_OF}
    )
    assert_problem(response, 404, "not-found")


def test_another_organizations_position_is_a_404(
    api: TestClient, world: World, make_org: Callable[[str], Any]
) -> None:
    other = make_org("Globex Care")
    response = api.get(
        f"/v1/positions/{world.target}/candidates",
        params={"as_of": AS_OF},
        headers=other.headers("read"),
    )
    assert_problem(response, 404, "not-found")
    # And their own position does not rank our people.
    theirs = api.post(
        "/v1/positions",
        json={"code": "RN-MGR", "title": "M", "family": "N", "track": "management", "level": 3},
        headers=other.headers("admin"),
    )
    assert theirs.status_code == 201
    page = api.get(
        f"/v1/positions/{theirs.json()['id']}/candidates",
        params={"as_of": AS_OF},
        headers=other.headers("read"),
    )
    assert page.status_code == 200
    assert page.json() == {"items": [], "next_cursor": None}


# --- the slate is the readiness endpoint, person by person, on a varied history -------------


def test_a_varied_organization_ranks_exactly_as_each_readiness(api: TestClient) -> None:
    """Several targets and days over exits, a rehire, back-dated and same-day moves, voided
    events (one leaving a later rehire dangling, as the replay then reads it) and people
    hired after the day: the slate holds exactly the people the readiness endpoint scores
    (less the holders), with the same score, band, move type and missing requirements, in
    order of score, then external_id."""
    lead = {"kind": "training", "name": "Leadership Fundamentals", "mandatory": True}
    optional = {"kind": "training", "name": "Budgeting", "mandatory": False}
    positions = {
        "A": create_position(api, "A", 2),
        "B": create_position(api, "B", 3),
        "C": create_position(api, "C", 3, requirements=[CERT, optional], min_months_in_role=6),
        "D": create_position(api, "D", 4),
        "M": create_position(api, "M", 5, requirements=[lead, SKILL], min_months_in_role=0),
    }
    a, b, c, d = positions["A"], positions["B"], positions["C"], positions["D"]
    people = {x: create_employee(api, x) for x in [f"V-{n:02d}" for n in range(1, 11)]}

    def void(employee: str, event: str) -> None:
        response = api.request(
            "DELETE", f"/v1/employees/{employee}/events/{event}", params={"reason": "error"}
        )
        assert response.status_code == 200, response.text

    # V-01: promoted to D, then a lateral step to B recorded afterwards but dated before it.
    e = people["V-01"]
    record(api, e, "hire", "2019-01-01", position_id=a)
    record(api, e, "promotion", "2023-01-01", position_id=d)
    record(api, e, "position_change", "2021-06-01", position_id=b)
    record(api, e, "performance_review", "2022-05-01", rating=4)
    record(api, e, "certification_earned", "2020-02-01", name=CERT["name"])
    many(api, e, "leadership_activity", ["2022-01-01", "2022-07-01", "2023-02-01"])

    # V-02: left in mid-2023, rehired into C in 2024.
    e = people["V-02"]
    record(api, e, "hire", "2020-03-01", position_id=b)
    record(api, e, "performance_review", "2021-03-01", rating=5)
    record(api, e, "exit", "2023-06-30")
    record(api, e, "hire", "2024-02-01", position_id=c)
    record(api, e, "training_completed", "2024-06-01", name="  leadership FUNDAMENTALS ")

    # V-03: a rehire and then the exit before it are voided (voiding the exit alone would
    # leave two hires in a row, a 409): A still applies.
    e = people["V-03"]
    record(api, e, "hire", "2018-01-01", position_id=a)
    leaving = record(api, e, "exit", "2021-01-01")
    rehire = record(api, e, "hire", "2022-01-01", position_id=b)
    void(e, rehire)
    void(e, leaving)
    record(api, e, "initiative", "2021-09-01", name="Ran the rota")

    # V-04: a strong C with part of the evidence voided.
    e = people["V-04"]
    record(api, e, "hire", "2021-01-01", position_id=c)
    for day, rating in (("2021-11-01", 5), ("2022-11-01", 4), ("2023-11-01", 5)):
        record(api, e, "performance_review", day, rating=rating)
    void(e, record(api, e, "skill_acquired", "2022-02-01", name=SKILL["name"]))
    record(api, e, "skill_acquired", "2023-08-01", name=SKILL["name"])
    many(api, e, "training_completed", ["2022-03-01", "2022-04-01", "2023-05-01"])
    void(e, record(api, e, "leadership_activity", "2022-08-01", name="Voided"))

    # V-05: a director-level D with the management training.
    e = people["V-05"]
    record(api, e, "hire", "2017-05-15", position_id=d)
    record(api, e, "training_completed", "2018-01-01", name=lead["name"])
    record(api, e, "performance_review", "2023-01-15", rating=3)

    # V-06: hired after the first day.
    record(api, people["V-06"], "hire", "2024-05-01", position_id=a)
    # V-07: never hired. V-09: the hire was voided.
    void(people["V-09"], record(api, people["V-09"], "hire", "2020-01-01", position_id=b))

    # V-08: many salary changes, a demotion, mixed reviews.
    e = people["V-08"]
    record(api, e, "hire", "2015-01-31", position_id=b, salary={"amount": 50000, "currency": "USD"})
    record(api, e, "salary_change", "2019-01-31", salary={"amount": 52000, "currency": "USD"})
    record(api, e, "demotion", "2022-08-31", position_id=a)
    record(api, e, "salary_change", "2023-02-28", salary={"amount": 51000, "currency": "USD"})
    for day, rating in (("2022-01-01", 2), ("2023-01-01", 3), ("2024-01-01", 1)):
        record(api, e, "performance_review", day, rating=rating)

    # V-10: hired and promoted on the same day; the arrival order decides.
    e = people["V-10"]
    record(api, e, "hire", "2022-03-01", position_id=a)
    record(api, e, "promotion", "2022-03-01", position_id=b)
    many(api, e, "certification_earned", ["2022-04-01"])

    for target in positions.values():
        for as_of in ("2021-12-31", "2023-03-15", "2024-08-31"):
            expected = []
            for external_id, employee in people.items():
                response = api.get(
                    f"/v1/employees/{employee}/readiness",
                    params={"target_position_id": target, "as_of": as_of},
                )
                if response.status_code == 422:
                    continue
                assert response.status_code == 200, response.text
                single = response.json()
                if single["move_type"] == "none":
                    continue
                missing = [g["requirement"] for g in single["gaps"] if g.get("requirement")]
                row = (external_id, single["score"], single["band"], single["move_type"], missing)
                expected.append(row)
            expected.sort(key=lambda r: (-r[1], r[0]))
            items = slate(api, target, as_of=as_of, limit=500)["items"]
            got = [
                (
                    i["external_id"],
                    i["score"],
                    i["band"],
                    i["move_type"],
                    i["requirements_missing"],
                )
                for i in items
            ]
            assert got == expected, (target, as_of)
            ready = slate(api, target, as_of=as_of, limit=500, min_band="ready_1_2_years")
            assert [i["external_id"] for i in ready["items"]] == [
                r[0] for r in expected if r[2] in ("ready_now", "ready_1_2_years")
            ]
    # The day matters: V-03 holds A (its rehire dangling), V-06 is not yet hired in 2023.
    on_2023 = ranking(api, d, as_of="2023-03-15")
    assert "V-03" in on_2023 and "V-06" not in on_2023 and "V-07" not in on_2023
