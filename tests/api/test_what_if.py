"""What-if readiness (SPEC 11): `POST /v1/employees/{id}/readiness/what-if` answers the
readiness as if some events were recorded, validated as recording validates them, and
stores nothing. Properties: no events is the readiness; events are the readiness after
recording them."""

from __future__ import annotations

import copy
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.person_view import (
    create_employee,
    create_position,
    error_fields,
    problem,
    readiness,
    record,
)

AS_OF = "2025-06-30"
HIRED = date(2022, 1, 1)
REQUIREMENTS = [
    {"kind": "certification", "name": "NE-BC"},
    {"kind": "skill", "name": "Triage", "min_level": 3},
    {"kind": "training", "name": "Budgeting", "mandatory": False},
]

PROPERTY_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(api: TestClient) -> dict[str, str]:
    return {
        "RN": create_position(api, "RN", 2),
        "CHARGE": create_position(api, "CHARGE", 3, requirements=REQUIREMENTS),
        "MGR": create_position(api, "MGR", 4),
    }


def what_if(api: TestClient, person: str, body: dict[str, Any]) -> Any:
    return api.post(f"/v1/employees/{person}/readiness/what-if", json=body)


def events_of(api: TestClient, person: str) -> list[dict[str, Any]]:
    page = api.get(f"/v1/employees/{person}/events", params={"limit": 500}).json()
    return list(page["items"])


# Evidence events a person might add: every kind that scores, with levels and expiries.
def _evidence(day: int, kind: int, detail: int) -> dict[str, Any]:
    on = (date(2023, 6, 1) + timedelta(days=day)).isoformat()
    if kind == 0:
        return {"type": "performance_review", "occurred_on": on, "rating": detail % 5 + 1}
    if kind == 1:
        return {"type": "leadership_activity", "occurred_on": on, "name": f"L{detail}"}
    if kind == 2:
        return {
            "type": "skill_acquired",
            "occurred_on": on,
            "name": "Triage",
            "level": detail % 5 + 1,
        }
    if kind == 3:
        expires = (date.fromisoformat(on) + timedelta(days=100 + 60 * detail)).isoformat()
        return {
            "type": "certification_earned",
            "occurred_on": on,
            "name": "NE-BC",
            "expires_on": expires,
        }
    if kind == 4:
        return {"type": "training_completed", "occurred_on": on, "name": "Budgeting"}
    return {"type": "initiative", "occurred_on": on, "description": f"Initiative {detail}"}


EVENTS = st.lists(
    st.builds(_evidence, st.integers(0, 900), st.integers(0, 5), st.integers(0, 9)), max_size=6
)
_people = itertools.count()


def _person(api: TestClient, world: dict[str, str], history: list[dict[str, Any]]) -> str:
    person = create_employee(api, f"P-{next(_people):04}")
    record(api, person, "hire", HIRED.isoformat(), position_id=world["RN"])
    for body in history:
        record(api, person, **_args(body))
    return person


def _args(body: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in body.items() if k not in ("type", "occurred_on")}
    return {"type_": body["type"], "on": body["occurred_on"], **rest}


@PROPERTY_SETTINGS
@given(history=EVENTS, target=st.sampled_from(["CHARGE", "MGR", None]))
def test_what_if_without_events_is_the_readiness(
    api: TestClient, world: dict[str, str], history: list[dict[str, Any]], target: str | None
):
    person = _person(api, world, history)
    target_id = world[target] if target else None
    body: dict[str, Any] = {"as_of": AS_OF, "events": []}
    if target_id:
        body["target_position_id"] = target_id
    response = what_if(api, person, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    single = readiness(api, person, target_id, AS_OF)
    assert answer.pop("baseline_score") == single["score"]
    assert answer.pop("delta") == 0
    assert answer == single


@PROPERTY_SETTINGS
@given(history=EVENTS, added=EVENTS, target=st.sampled_from(["CHARGE", "MGR", None]))
def test_what_if_with_events_is_the_readiness_after_recording_them(
    api: TestClient,
    world: dict[str, str],
    history: list[dict[str, Any]],
    added: list[dict[str, Any]],
    target: str | None,
):
    person = _person(api, world, history)
    target_id = world[target] if target else None
    before = readiness(api, person, target_id, AS_OF)
    body: dict[str, Any] = {"as_of": AS_OF, "events": added}
    if target_id:
        body["target_position_id"] = target_id
    response = what_if(api, person, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(events_of(api, person)) == 1 + len(history)  # nothing stored

    ids = [record(api, person, **_args(event)) for event in added]
    after = readiness(api, person, target_id, AS_OF)
    assert answer.pop("baseline_score") == before["score"]
    assert answer.pop("delta") == pytest.approx(after["score"] - before["score"], abs=1e-9)
    # The hypothetical events are named by their place in the request.
    names = {f"events[{n}]": event_id for n, event_id in enumerate(ids)}
    for component in answer["components"]:
        component["evidence"] = [names.get(e, e) for e in component["evidence"]]
    assert answer == after


def test_a_what_if_certification_shows_its_gain_and_stores_nothing(
    api: TestClient, world: dict[str, str]
):
    person = _person(api, world, [])
    body = {
        "target_position_id": world["CHARGE"],
        "as_of": AS_OF,
        "events": [
            {"type": "certification_earned", "occurred_on": "2025-03-01", "name": "NE-BC"},
            {"type": "skill_acquired", "occurred_on": "2025-03-02", "name": "Triage", "level": 3},
        ],
    }
    response = what_if(api, person, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    requirements = next(c for c in answer["components"] if c["name"] == "requirements")
    assert requirements == {
        "name": "requirements",
        "score": 100.0,
        "weight": 0.15,
        "evidence": ["events[0]", "events[1]"],
    }
    assert answer["baseline_score"] == readiness(api, person, world["CHARGE"], AS_OF)["score"]
    assert answer["delta"] == pytest.approx(answer["score"] - answer["baseline_score"])
    assert answer["delta"] > 0
    assert len(events_of(api, person)) == 1


def test_a_hypothetical_move_changes_what_is_held(api: TestClient, world: dict[str, str]):
    person = _person(api, world, [])
    body = {
        "target_position_id": world["CHARGE"],
        "as_of": AS_OF,
        "events": [
            {"type": "promotion", "occurred_on": "2025-01-01", "position_id": world["CHARGE"]}
        ],
    }
    answer = what_if(api, person, body).json()
    assert answer["move_type"] == "none"
    experience = next(c for c in answer["components"] if c["name"] == "experience")
    assert experience["evidence"] == ["events[0]"]


def test_a_read_key_may_ask(client: TestClient, org: Any, world: dict[str, str]):
    person = _person(client, world, [])
    response = client.post(
        f"/v1/employees/{person}/readiness/what-if",
        json={"as_of": AS_OF, "events": []},
        headers=org.headers("read"),
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("events", "fields"),
    [
        # As the body of POST /events would be read...
        (
            [{"type": "performance_review", "occurred_on": "2025-01-01", "rating": 7}],
            ["events[0].rating"],
        ),
        ([{"type": "bonus", "occurred_on": "2025-01-01"}], ["events[0].type"]),
        ([{"type": "training_completed", "name": "T"}], ["events[0].occurred_on"]),
        (
            [{"type": "training_completed", "occurred_on": "2025-01-01", "name": "T", "x": 1}],
            ["events[0].x"],
        ),
        (["not an object"], ["events[0]"]),
        # ...as its fields are checked for the type...
        (
            [
                {"type": "training_completed", "occurred_on": "2025-01-01", "name": "T"},
                {
                    "type": "training_completed",
                    "occurred_on": "2025-01-01",
                    "name": "T",
                    "rating": 3,
                },
            ],
            ["events[1].rating"],
        ),
        (
            [
                {
                    "type": "skill_acquired",
                    "occurred_on": "2025-01-01",
                    "name": "S",
                    "expires_on": "2026-01-01",
                }
            ],
            ["events[0].expires_on"],
        ),
        (
            [
                {
                    "type": "certification_earned",
                    "occurred_on": "2025-01-01",
                    "name": "C",
                    "expires_on": "2025-01-01",
                }
            ],
            ["events[0].expires_on"],
        ),
        (
            [{"type": "promotion", "occurred_on": "2025-01-01", "position_id": "nowhere"}],
            ["events[0].position_id"],
        ),
        # ...and against the history, the earlier events included.
        (
            [{"type": "hire", "occurred_on": "2025-01-01", "position_id": "{MGR}"}],
            ["events[0].type"],
        ),
        (
            [
                {"type": "exit", "occurred_on": "2024-01-01"},
                {"type": "promotion", "occurred_on": "2024-06-01", "position_id": "{MGR}"},
            ],
            ["events[1].occurred_on"],
        ),
    ],
)
def test_a_bad_event_is_a_422_naming_it_and_its_field(
    api: TestClient, world: dict[str, str], events: list[Any], fields: list[str]
):
    person = _person(api, world, [])
    events = copy.deepcopy(events)  # the parameters are shared by both stores' runs
    for event in events:
        if isinstance(event, dict) and event.get("position_id") == "{MGR}":
            event["position_id"] = world["MGR"]
    recorded = []
    for event in events:
        if isinstance(event, dict):
            response = api.post(f"/v1/employees/{person}/events", json=event)
            if response.status_code == 201:
                recorded.append(response.json()["id"])
            else:
                break
    for event_id in recorded:  # recording agrees that the same event is bad
        api.request(
            "DELETE", f"/v1/employees/{person}/events/{event_id}", params={"reason": "test"}
        )
    response = what_if(api, person, {"as_of": AS_OF, "events": events})
    assert error_fields(response) == fields


def test_bad_bodies(api: TestClient, world: dict[str, str]):
    person = _person(api, world, [])
    one = {"type": "initiative", "occurred_on": "2025-01-01", "name": "I"}
    assert error_fields(what_if(api, person, {"events": [one] * 51})) == ["events"]
    assert error_fields(what_if(api, person, {"target_position_id": "nowhere"})) == [
        "target_position_id"
    ]
    assert error_fields(what_if(api, person, {"as_of": "2020-01-01"})) == ["as_of"]
    assert error_fields(what_if(api, person, {"as_of": "yesterday"})) == ["as_of"]
    assert error_fields(what_if(api, person, {"surprise": True})) == ["surprise"]
    problem(what_if(api, "nobody", {"events": []}), 404)
    response = api.post(
        f"/v1/employees/{person}/readiness/what-if",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    problem(response, 400)


def test_without_a_key_it_is_a_401(client: TestClient):
    response = client.post("/v1/employees/x/readiness/what-if", json={"events": []})
    problem(response, 401)
