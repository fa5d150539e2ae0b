"""Assessments (SPEC 10): the readiness served for a decision, frozen with plain-sentence
explanations; one human review; the organization's log; gone with the person."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database
from app.models import Assessment, IdempotencyRecord
from tests.conftest import Org
from tests.factories import create_employee, create_position, record

PROBLEM_JSON = "application/problem+json"
AS_OF = "2026-06-30"


@pytest.fixture
def setup(api: TestClient) -> dict[str, str]:
    rn = create_position(api, "RN", 3, title="Registered Nurse")
    mgr = create_position(
        api,
        "RN-MGR",
        4,
        title="RN Manager",
        track="management",
        requirements=[{"kind": "certification", "name": "NE-BC"}],
    )
    ana = create_employee(api, "E-1", display_name="Ana")
    record(api, ana, "hire", "2024-01-15", position_id=rn)
    record(api, ana, "performance_review", "2025-12-01", rating=5)
    record(api, ana, "leadership_activity", "2026-01-10", name="Led huddles")
    record(api, ana, "training_completed", "2026-02-01", name="ACLS")
    return {"rn": rn, "mgr": mgr, "ana": ana}


def assess(api: TestClient, person: str, **body: Any) -> dict[str, Any]:
    response = api.post(
        f"/v1/employees/{person}/assessments", json={"purpose": "promotion_decision", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_an_assessment_freezes_the_readiness_as_served(
    api: TestClient, setup: dict[str, str]
) -> None:
    served = api.get(
        f"/v1/employees/{setup['ana']}/readiness",
        params={"target_position_id": setup["mgr"], "as_of": AS_OF},
    ).json()

    response = api.post(
        f"/v1/employees/{setup['ana']}/assessments",
        json={
            "target_position_id": setup["mgr"],
            "as_of": AS_OF,
            "purpose": "promotion_decision",
            "note": "Q2 round",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/assessments/{body['id']}"
    assert body["readiness"] == served
    assert body["employee_id"] == setup["ana"]
    assert body["target_position_id"] == setup["mgr"]
    assert body["as_of"] == AS_OF
    assert body["purpose"] == "promotion_decision"
    assert body["note"] == "Q2 round"
    assert body["policy_version"] == 1
    assert body["created_by"]
    assert body["review"] is None
    # One sentence per component, one for the band.
    explanation = body["explanation"]
    assert len(explanation) == 6
    assert explanation[0] == (
        "Performance scores 100.0 of 100 (weight 0.35), from the mean rating of performance "
        "reviews in the scoring window, backed by 1 event."
    )
    assert explanation[3].startswith("Requirements scores 0.0 of 100 (weight 0.15)")
    assert explanation[3].endswith("backed by no event.")
    assert explanation[5] == (
        f"The total of {served['score']} is at least 50.0 and under 75.0, so the band is "
        "ready_1_2_years (ready in one to two years)."
    )
    assert api.get(f"/v1/assessments/{body['id']}").json() == body


def test_nothing_recorded_later_changes_a_stored_assessment(
    api: TestClient, setup: dict[str, str]
) -> None:
    body = assess(api, setup["ana"], target_position_id=setup["mgr"], as_of=AS_OF)
    events = api.get(f"/v1/employees/{setup['ana']}/events").json()["items"]
    review = next(e for e in events if e["type"] == "performance_review")

    api.post(
        f"/v1/employees/{setup['ana']}/events",
        json={"type": "certification_earned", "occurred_on": "2026-03-01", "name": "NE-BC"},
    )
    api.delete(
        f"/v1/employees/{setup['ana']}/events/{review['id']}", params={"reason": "wrong person"}
    )
    policy = api.get("/v1/scoring-policy").json()
    policy = {k: v for k, v in policy.items() if k not in ("version", "created_at")}
    policy["weights"] = {
        "performance": 0.5,
        "leadership": 0.1,
        "development": 0.1,
        "requirements": 0.2,
        "experience": 0.1,
    }
    assert api.put("/v1/scoring-policy", json=policy).status_code == 200
    api.patch(f"/v1/positions/{setup['mgr']}", json={"title": "Nurse Manager"})

    now = api.get(
        f"/v1/employees/{setup['ana']}/readiness",
        params={"target_position_id": setup["mgr"], "as_of": AS_OF},
    ).json()
    again = api.get(f"/v1/assessments/{body['id']}").json()
    assert now["score"] != body["readiness"]["score"]
    assert again == body


def test_review_confirms_or_overrides_once(api: TestClient, setup: dict[str, str]) -> None:
    first = assess(api, setup["ana"], as_of=AS_OF)
    second = assess(api, setup["ana"], as_of=AS_OF)
    computed = first["readiness"]["band"]

    confirmed = api.post(
        f"/v1/assessments/{first['id']}/review",
        json={"outcome": "confirmed", "reason": "Matches the panel's view.", "reviewer": "Dana W."},
    )
    overridden = api.post(
        f"/v1/assessments/{second['id']}/review",
        json={
            "outcome": "overridden",
            "band": "ready_now",
            "reason": "Acted as manager 6 months.",
            "reviewer": "Dana W.",
        },
    )
    again = api.post(
        f"/v1/assessments/{first['id']}/review",
        json={
            "outcome": "overridden",
            "band": "ready_now",
            "reason": "Changed my mind.",
            "reviewer": "Dana W.",
        },
    )

    assert confirmed.status_code == 200, confirmed.text
    review = confirmed.json()["review"]
    assert review["outcome"] == "confirmed"
    assert review["band"] == computed
    assert review["reason"] == "Matches the panel's view."
    assert review["reviewer"] == "Dana W."
    assert review["reviewed_at"]
    assert overridden.json()["review"]["band"] == "ready_now"
    assert overridden.json()["readiness"] == second["readiness"]
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM_JSON
    assert api.get(f"/v1/assessments/{first['id']}").json()["review"] == review


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "overridden", "reason": "r", "reviewer": "x"}, "band"),
        ({"outcome": "overridden", "band": "COMPUTED", "reason": "r", "reviewer": "x"}, "band"),
        ({"outcome": "confirmed", "band": "OTHER", "reason": "r", "reviewer": "x"}, "band"),
        ({"outcome": "approved", "reason": "r", "reviewer": "x"}, "outcome"),
        ({"outcome": "confirmed", "reason": "  ", "reviewer": "x"}, "reason"),
        ({"outcome": "confirmed", "reason": "r" * 2001, "reviewer": "x"}, "reason"),
        ({"outcome": "confirmed", "reason": "r"}, "reviewer"),
        ({"outcome": "overridden", "band": "soon", "reason": "r", "reviewer": "x"}, "band"),
    ],
)
def test_bad_reviews_are_422_and_record_nothing(
    api: TestClient, setup: dict[str, str], body: dict[str, Any], field: str
) -> None:
    made = assess(api, setup["ana"], as_of=AS_OF)
    computed = made["readiness"]["band"]
    other = "ready_now" if computed != "ready_now" else "ready_3_plus_years"
    if body.get("band") == "COMPUTED":
        body = {**body, "band": computed}
    if body.get("band") == "OTHER":
        body = {**body, "band": other}

    response = api.post(f"/v1/assessments/{made['id']}/review", json=body)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert api.get(f"/v1/assessments/{made['id']}").json()["review"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "hiring"}, "purpose"),
        ({}, "purpose"),
        ({"purpose": "promotion_decision", "target_position_id": "nope"}, "target_position_id"),
        ({"purpose": "promotion_decision", "as_of": "2020-01-01"}, "as_of"),
        ({"purpose": "promotion_decision", "note": "n" * 2001}, "note"),
        ({"purpose": "promotion_decision", "extra": 1}, "extra"),
    ],
)
def test_bad_assessments_are_422_naming_the_field(
    api: TestClient, setup: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = api.post(f"/v1/employees/{setup['ana']}/assessments", json=body)

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["in"] == "body"
    assert api.get(f"/v1/employees/{setup['ana']}/assessments").json()["items"] == []


def test_a_persons_assessments_newest_first_in_pages(
    api: TestClient, setup: dict[str, str]
) -> None:
    made = [assess(api, setup["ana"], as_of=AS_OF)["id"] for _ in range(3)]

    first = api.get(f"/v1/employees/{setup['ana']}/assessments", params={"limit": 2}).json()
    rest = api.get(
        f"/v1/employees/{setup['ana']}/assessments",
        params={"limit": 2, "cursor": first["next_cursor"]},
    ).json()

    assert [a["id"] for a in first["items"] + rest["items"]] == made[::-1]
    assert rest["next_cursor"] is None


def test_the_log_filters_by_window_purpose_and_outcome(
    api: TestClient, org: Org, setup: dict[str, str]
) -> None:
    decision = assess(api, setup["ana"], as_of=AS_OF)
    review = assess(api, setup["ana"], as_of=AS_OF, purpose="succession_review")
    plan = assess(api, setup["ana"], as_of=AS_OF, purpose="development_planning")
    api.post(
        f"/v1/assessments/{decision['id']}/review",
        json={"outcome": "confirmed", "reason": "ok", "reviewer": "x"},
    )
    api.post(
        f"/v1/assessments/{review['id']}/review",
        json={
            "outcome": "overridden",
            "band": "ready_now"
            if review["readiness"]["band"] != "ready_now"
            else "ready_3_plus_years",
            "reason": "ok",
            "reviewer": "x",
        },
    )
    audit = org.headers("audit")
    today = decision["created_at"][:10]

    def log(**params: Any) -> list[str]:
        response = api.get("/v1/assessments", params=params, headers=audit)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    assert log() == [plan["id"], review["id"], decision["id"]]
    assert log(purpose="succession_review") == [review["id"]]
    assert log(outcome="confirmed") == [decision["id"]]
    assert log(outcome="overridden") == [review["id"]]
    assert log(outcome="unreviewed") == [plan["id"]]
    assert log(**{"from": today, "to": today}) == [plan["id"], review["id"], decision["id"]]
    assert log(**{"from": "2099-01-01"}) == []
    assert log(to="2000-01-01") == []
    bad = api.get(
        "/v1/assessments", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=audit
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["from"]
    assert api.get("/v1/assessments", params={"outcome": "maybe"}, headers=audit).status_code == 422
    assert api.get("/v1/assessments", params={"purpose": "x"}, headers=audit).status_code == 422


def test_scopes_and_tenancy(client: TestClient, make_org: Any) -> None:
    ours, theirs = make_org("Ours"), make_org("Theirs")
    rn = client.post(
        "/v1/positions",
        json={"code": "RN", "title": "RN", "family": "N", "track": "individual", "level": 3},
        headers=theirs.headers(),
    ).json()["id"]
    person = client.post(
        "/v1/employees", json={"external_id": "T"}, headers=theirs.headers()
    ).json()["id"]
    client.post(
        f"/v1/employees/{person}/events",
        json={"type": "hire", "occurred_on": "2024-01-01", "position_id": rn},
        headers=theirs.headers(),
    )
    made = client.post(
        f"/v1/employees/{person}/assessments",
        json={"purpose": "succession_review"},
        headers=theirs.headers(),
    ).json()

    assert client.get(f"/v1/assessments/{made['id']}", headers=ours.headers()).status_code == 404
    assert (
        client.get(f"/v1/employees/{person}/assessments", headers=ours.headers()).status_code == 404
    )
    foreign_post = client.post(
        f"/v1/employees/{person}/assessments",
        json={"purpose": "succession_review"},
        headers=ours.headers(),
    )
    assert foreign_post.status_code == 404
    foreign_review = client.post(
        f"/v1/assessments/{made['id']}/review",
        json={"outcome": "confirmed", "reason": "r", "reviewer": "x"},
        headers=ours.headers(),
    )
    assert foreign_review.status_code == 404
    assert client.get("/v1/assessments", headers=ours.headers("audit")).json()["items"] == []
    # Read may read one; only write may make or review one; audit writes nothing.
    assert (
        client.get(f"/v1/assessments/{made['id']}", headers=theirs.headers("read")).status_code
        == 200
    )
    for scope in ("read", "audit"):
        denied = client.post(
            f"/v1/employees/{person}/assessments",
            json={"purpose": "succession_review"},
            headers=theirs.headers(scope),
        )
        assert denied.status_code == 403
        denied = client.post(
            f"/v1/assessments/{made['id']}/review",
            json={"outcome": "confirmed", "reason": "r", "reviewer": "x"},
            headers=theirs.headers(scope),
        )
        assert denied.status_code == 403
    assert client.get("/v1/assessments", headers=theirs.headers("read")).status_code == 403


def test_erasing_the_person_erases_their_assessments_and_review_replays(
    api: TestClient, setup: dict[str, str], database: Database
) -> None:
    made = assess(api, setup["ana"], as_of=AS_OF, note="private note")
    reviewed = api.post(
        f"/v1/assessments/{made['id']}/review",
        json={"outcome": "confirmed", "reason": "ok", "reviewer": "x"},
        headers={"Idempotency-Key": "review-1"},
    )
    assert reviewed.status_code == 200

    assert api.delete(f"/v1/employees/{setup['ana']}").status_code == 204

    assert api.get(f"/v1/assessments/{made['id']}").status_code == 404
    with database.transaction(write=False) as session:
        assert session.execute(select(func.count()).select_from(Assessment)).scalar_one() == 0
        records = session.execute(select(IdempotencyRecord.path)).scalars().all()
    assert not [p for p in records if "assessments" in p]
