"""Opportunities (SPEC 11): `GET /v1/employees/{id}/opportunities` ranks every position but
the one held by the person's readiness, each score what GET readiness answers for it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.person_view import (
    create_employee,
    create_position,
    error_fields,
    problem,
    readiness,
    record,
)
from tests.factories import ok

AS_OF = "2025-06-30"
BAND = {"currency": "USD", "min": "70000", "max": "90000"}  # midpoint 80,000


@pytest.fixture
def world(api: TestClient) -> dict[str, str]:
    """A nurse in RN (level 2, paid 64,000) among positions of every move type, some with
    requirements she meets, partly meets or misses."""
    ids = {
        "RN": create_position(api, "RN", 2, pay_band=BAND),
        "TRIAGE": create_position(api, "TRIAGE", 2, min_months_in_role=6),
        "EDU": create_position(
            api, "EDU", 2, requirements=[{"kind": "training", "name": "Teaching"}]
        ),
        "CHARGE": create_position(
            api,
            "CHARGE",
            3,
            pay_band={"currency": "USD", "min": "72000", "max": "104000"},
            requirements=[{"kind": "skill", "name": "Triage", "min_level": 3}],
        ),
        "MGR": create_position(
            api,
            "MGR",
            4,
            requirements=[
                {"kind": "certification", "name": "NE-BC"},
                {"kind": "skill", "name": "Budgeting", "mandatory": False},
            ],
            min_months_in_role=36,
        ),
        "AIDE": create_position(
            api, "AIDE", 1, pay_band={"currency": "EUR", "min": "1", "max": "3"}
        ),
        "LPN": create_position(api, "LPN", 1),
    }
    person = create_employee(api, "N-1")
    record(
        api,
        person,
        "hire",
        "2022-01-01",
        position_id=ids["RN"],
        salary={"amount": "64000", "currency": "USD"},
    )
    record(api, person, "performance_review", "2024-12-01", rating=4)
    record(api, person, "leadership_activity", "2025-01-10", name="Led huddles")
    record(api, person, "skill_acquired", "2024-05-01", name="Triage", level=2)
    record(api, person, "certification_earned", "2024-02-01", name="NE-BC", expires_on="2025-09-01")
    return {**ids, "person": person}


def opportunities(api: TestClient, person: str, **params: Any) -> dict[str, Any]:
    return ok(api.get(f"/v1/employees/{person}/opportunities", params={"as_of": AS_OF, **params}))


def test_every_position_but_the_one_held_ranked_as_the_readiness_endpoint_scores_it(
    api: TestClient, world: dict[str, str]
):
    person = world["person"]
    items = opportunities(api, person)["items"]
    assert {i["code"] for i in items} == {"TRIAGE", "EDU", "CHARGE", "MGR", "AIDE", "LPN"}
    for item in items:
        single = readiness(api, person, item["position_id"], AS_OF)
        assert item["score"] == single["score"], item["code"]
        assert item["band"] == single["band"]
        assert item["move_type"] == single["move_type"]
        missing = [g["requirement"] for g in single["gaps"] if g["component"] == "requirements"]
        assert item["requirements_missing"] == missing
    keys = [(-i["score"], i["code"]) for i in items]
    assert keys == sorted(keys)


def test_items_carry_the_position_the_move_and_what_is_missing(
    api: TestClient, world: dict[str, str]
):
    items = {i["code"]: i for i in opportunities(api, world["person"])["items"]}
    charge = items["CHARGE"]
    assert {k: charge[k] for k in ("position_id", "title", "family", "level", "move_type")} == {
        "position_id": world["CHARGE"],
        "title": "Title CHARGE",
        "family": "Nursing",
        "level": 3,
        "move_type": "promotion",
    }
    assert charge["requirements_missing"] == [
        {"kind": "skill", "name": "Triage", "mandatory": True, "min_level": 3}
    ]
    # The certification is still valid on AS_OF; only the optional skill is missing.
    assert items["MGR"]["requirements_missing"] == [
        {"kind": "skill", "name": "Budgeting", "mandatory": False}
    ]
    assert items["TRIAGE"]["move_type"] == "lateral"
    assert items["LPN"]["move_type"] == "demotion"
    # (88,000 - 64,000) / 64,000: the target midpoint against the salary.
    assert charge["pay_delta_percent"] == 37.5
    assert items["TRIAGE"]["pay_delta_percent"] is None  # no band
    assert items["AIDE"]["pay_delta_percent"] is None  # another currency


def test_the_ranking_follows_as_of_as_readiness_does(api: TestClient, world: dict[str, str]):
    person = world["person"]
    later = "2025-10-01"  # the certification expired on 2025-09-01
    items = {
        i["code"]: i
        for i in api.get(f"/v1/employees/{person}/opportunities", params={"as_of": later}).json()[
            "items"
        ]
    }
    assert [r["name"] for r in items["MGR"]["requirements_missing"]] == ["NE-BC", "Budgeting"]
    assert items["MGR"]["score"] == readiness(api, person, world["MGR"], later)["score"]


@pytest.mark.parametrize("move_type", ["promotion", "lateral", "demotion"])
def test_move_type_filters(api: TestClient, world: dict[str, str], move_type: str):
    everything = opportunities(api, world["person"])["items"]
    filtered = opportunities(api, world["person"], move_type=move_type)["items"]
    assert filtered == [i for i in everything if i["move_type"] == move_type]
    assert filtered


def test_pages_follow_the_cursor_through_the_whole_ranking(api: TestClient, world: dict[str, str]):
    person = world["person"]
    everything = opportunities(api, person)["items"]
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = opportunities(api, person, **params)
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


def test_opportunities_read_the_person_once_whatever_the_number_of_positions(
    api: TestClient,
    world: dict[str, str],
    statements: Callable[[], AbstractContextManager[list[str]]],
):
    person = world["person"]
    opportunities(api, person)  # the catalog is cached after the first read
    with statements() as few:
        opportunities(api, person)
    for n in range(20):
        create_position(api, f"EXTRA-{n:02}", 3, requirements=[{"kind": "skill", "name": f"S{n}"}])
    opportunities(api, person)
    with statements() as many:
        assert len(opportunities(api, person)["items"]) == 26
    events = [s for s in many if "career_event" in s]
    assert len(events) == 1
    assert len(many) == len(few)


def test_bad_requests(api: TestClient, world: dict[str, str]):
    person = world["person"]
    url = f"/v1/employees/{person}/opportunities"
    assert error_fields(api.get(url, params={"move_type": "sideways"})) == ["move_type"]
    assert error_fields(api.get(url, params={"move_type": "none"})) == ["move_type"]
    assert error_fields(api.get(url, params={"cursor": "nonsense"})) == ["cursor"]
    assert error_fields(api.get(url, params={"limit": 501})) == ["limit"]
    assert error_fields(api.get(url, params={"as_of": "2019-06-30"})) == ["as_of"]
    problem(api.get("/v1/employees/nobody/opportunities"), 404)


def test_another_organization_cannot_see_them(
    client: TestClient, world: dict[str, str], make_org: Callable[[str], Any]
):
    other = make_org("Other")
    response = client.get(
        f"/v1/employees/{world['person']}/opportunities", headers=other.headers("read")
    )
    problem(response, 404)
