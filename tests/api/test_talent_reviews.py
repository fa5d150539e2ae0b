"""Talent reviews as events (SPEC 12): `potential` required (1..3), `risk_of_loss` and
`impact_of_loss` optional (low | medium | high); fields of other types are 422s as for every
event; voidable, importable, and never part of readiness."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.schemas.imports import ImportLine, PlainImportLine
from tests.factories import assert_problem, create_position, hire, record

AS_OF = "2026-03-01"


@pytest.fixture
def ana(api: TestClient) -> dict[str, str]:
    rn = create_position(api, "RN", 3)
    mgr = create_position(api, "RN-MGR", 4)
    person = hire(api, "E-ana", rn, "2024-01-15")
    record(api, person, "performance_review", "2025-06-01", rating=4)
    return {"id": person, "rn": rn, "mgr": mgr}


def post_event(api: TestClient, person: str, **body: Any) -> Any:
    return api.post(f"/v1/employees/{person}/events", json={"occurred_on": "2025-11-01", **body})


def test_a_talent_review_is_recorded_with_its_three_judgements(
    api: TestClient, ana: dict[str, str]
) -> None:
    response = post_event(
        api,
        ana["id"],
        type="talent_review",
        potential=3,
        risk_of_loss="high",
        impact_of_loss="medium",
        description="Calibration 2025",
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ("type", "potential", "risk_of_loss", "impact_of_loss")} == {
        "type": "talent_review",
        "potential": 3,
        "risk_of_loss": "high",
        "impact_of_loss": "medium",
    }
    assert body["rating"] is None and body["name"] is None
    listed = api.get(f"/v1/employees/{ana['id']}/events", params={"type": "talent_review"})
    assert listed.json()["items"] == [body]
    other = api.get(f"/v1/employees/{ana['id']}/events", params={"type": "hire"}).json()
    assert other["items"][0]["potential"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "talent_review"}, "potential"),
        ({"type": "talent_review", "potential": 0}, "potential"),
        ({"type": "talent_review", "potential": 4}, "potential"),
        ({"type": "talent_review", "potential": "3"}, "potential"),
        ({"type": "talent_review", "potential": 2.5}, "potential"),
        ({"type": "talent_review", "potential": 2, "risk_of_loss": "extreme"}, "risk_of_loss"),
        ({"type": "talent_review", "potential": 2, "impact_of_loss": "HIGH"}, "impact_of_loss"),
        ({"type": "talent_review", "potential": 2, "rating": 4}, "rating"),
        ({"type": "talent_review", "potential": 2, "name": "Calibration"}, "name"),
        ({"type": "performance_review", "rating": 4, "potential": 2}, "potential"),
        ({"type": "training_completed", "name": "CPR", "risk_of_loss": "low"}, "risk_of_loss"),
        ({"type": "skill_acquired", "name": "Triage", "impact_of_loss": "low"}, "impact_of_loss"),
    ],
)
def test_bad_talent_fields_are_a_422_naming_the_field_and_record_nothing(
    api: TestClient, ana: dict[str, str], body: dict[str, Any], field: str
) -> None:
    before = api.get(f"/v1/employees/{ana['id']}/events").json()["items"]

    problem = assert_problem(post_event(api, ana["id"], **body), 422, "validation-error")

    assert field in [e["field"] for e in problem["errors"]]
    assert api.get(f"/v1/employees/{ana['id']}/events").json()["items"] == before


def test_a_talent_review_changes_no_readiness_score(api: TestClient, ana: dict[str, str]) -> None:
    params = {"target_position_id": ana["mgr"], "as_of": AS_OF}
    before = api.get(f"/v1/employees/{ana['id']}/readiness", params=params).json()
    slate_before = api.get(f"/v1/positions/{ana['mgr']}/candidates", params={"as_of": AS_OF})

    for day, potential in (("2025-09-01", 3), ("2026-01-10", 1)):
        response = post_event(
            api,
            ana["id"],
            type="talent_review",
            occurred_on=day,
            potential=potential,
            risk_of_loss="high",
            description="a review with words",
        )
        assert response.status_code == 201, response.text

    after = api.get(f"/v1/employees/{ana['id']}/readiness", params=params).json()
    assert after == before
    slate_after = api.get(f"/v1/positions/{ana['mgr']}/candidates", params={"as_of": AS_OF})
    assert slate_after.json() == slate_before.json()
    employee = api.get(f"/v1/employees/{ana['id']}").json()
    assert employee["advancement"]["trainings"] == 0


def test_a_talent_review_is_voided_like_every_event(api: TestClient, ana: dict[str, str]) -> None:
    made = post_event(api, ana["id"], type="talent_review", potential=2).json()

    voided = api.request(
        "DELETE",
        f"/v1/employees/{ana['id']}/events/{made['id']}",
        json={"reason": "Entered for the wrong person"},
    )

    assert voided.status_code == 200, voided.text
    assert voided.json()["voided_at"] is not None
    assert voided.json()["potential"] == 2


def test_talent_reviews_import_and_bad_ones_are_reported_by_field(api: TestClient) -> None:
    create_position(api, "RN", 3)
    lines = [
        {
            "employee_external_id": "E-1",
            "type": "hire",
            "occurred_on": "2024-01-01",
            "position_code": "RN",
        },
        {
            "employee_external_id": "E-1",
            "type": "talent_review",
            "occurred_on": "2025-01-01",
            "potential": 2,
            "risk_of_loss": "low",
            "impact_of_loss": "high",
        },
        {"employee_external_id": "E-1", "type": "talent_review", "occurred_on": "2025-02-01"},
        {
            "employee_external_id": "E-1",
            "type": "talent_review",
            "occurred_on": "2025-03-01",
            "potential": 5,
        },
        {
            "employee_external_id": "E-1",
            "type": "talent_review",
            "occurred_on": "2025-04-01",
            "potential": 1,
            "risk_of_loss": "maybe",
        },
        {
            "employee_external_id": "E-1",
            "type": "training_completed",
            "occurred_on": "2025-05-01",
            "name": "CPR",
            "potential": 1,
        },
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()

    response = api.post(
        "/v1/imports", content=body, headers={"Content-Type": "application/x-ndjson"}
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] == 2
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "potential"),
        (4, "potential"),
        (5, "risk_of_loss"),
        (6, "potential"),
    ]
    person = api.get("/v1/employees", params={"external_id": "E-1"}).json()["items"][0]
    events = api.get(f"/v1/employees/{person['id']}/events").json()["items"]
    review = [e for e in events if e["type"] == "talent_review"]
    assert [(e["potential"], e["risk_of_loss"], e["impact_of_loss"]) for e in review] == [
        (2, "low", "high")
    ]


_TALENT_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["low", "medium", "high", "HIGH", " low", "", 1, True]),
)


@settings(max_examples=200, deadline=None)
@given(
    potential=st.one_of(st.none(), st.integers(-1, 5), st.sampled_from([2.0, 2.5, "2", True])),
    risk=_TALENT_VALUES,
    impact=_TALENT_VALUES,
)
def test_the_quick_import_line_reads_talent_fields_as_the_full_one_does(
    potential: Any, risk: Any, impact: Any
) -> None:
    raw: dict[str, Any] = {
        "employee_external_id": "E-1",
        "type": "talent_review",
        "occurred_on": "2025-01-01",
    }
    for name, value in (
        ("potential", potential),
        ("risk_of_loss", risk),
        ("impact_of_loss", impact),
    ):
        if value is not None:
            raw[name] = value
    text = json.dumps(raw)
    try:
        full = ImportLine.model_validate(raw).model_dump(mode="json")
    except ValidationError:
        full = None
    try:
        quick = PlainImportLine.model_validate_json(text).model_dump(mode="json")
    except ValidationError:
        quick = None
    # The quick path may only refuse what the full one then reads; what it takes, it reads alike.
    if quick is not None:
        assert full is not None
        assert quick == full
