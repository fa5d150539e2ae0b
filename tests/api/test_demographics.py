"""Demographics (SPEC 10): admin only, validated, kept apart from every other answer, log
line and metric, and erased with the person; the `audit` scope reads what `read` reads,
plus the reports, and writes nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database
from app.models import Demographic
from tests.conftest import Org
from tests.factories import bearer, create_employee, create_position, record

PROBLEM_JSON = "application/problem+json"
# A category no other answer could contain by chance.
MARKER = "Qzxv Category Marker"


@pytest.fixture
def person(api: TestClient) -> str:
    rn = create_position(api, "RN", 3, title="RN")
    employee = create_employee(api, "E-1", display_name="Ana")
    record(api, employee, "hire", "2024-01-01", position_id=rn)
    return employee


def stored(database: Database) -> int:
    with database.transaction(write=False) as session:
        return int(session.execute(select(func.count()).select_from(Demographic)).scalar_one())


def test_put_replaces_the_whole_set_and_get_reads_it(api: TestClient, person: str) -> None:
    first = api.put(
        f"/v1/employees/{person}/demographics",
        json={"attributes": {"sex": "  female ", "race_ethnicity": "Hispanic or Latino"}},
    )
    assert first.status_code == 200, first.text
    assert first.json()["attributes"] == {"sex": "female", "race_ethnicity": "Hispanic or Latino"}

    second = api.put(
        f"/v1/employees/{person}/demographics", json={"attributes": {"age_band": "40_49"}}
    )
    read = api.get(f"/v1/employees/{person}/demographics")

    assert second.status_code == 200
    assert read.status_code == 200
    body = read.json()
    assert body["employee_id"] == person
    assert body["attributes"] == {"age_band": "40_49"}
    assert body["updated_at"] is not None


def test_delete_clears_them(api: TestClient, person: str, database: Database) -> None:
    api.put(f"/v1/employees/{person}/demographics", json={"attributes": {"sex": "male"}})

    response = api.delete(f"/v1/employees/{person}/demographics")

    assert response.status_code == 204
    assert api.get(f"/v1/employees/{person}/demographics").json() == {
        "employee_id": person,
        "attributes": {},
        "updated_at": None,
    }
    assert stored(database) == 0


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"Sex": "female"}, "attributes.Sex"),
        ({"1sex": "female"}, "attributes.1sex"),
        ({"a" * 33: "x"}, "attributes." + "a" * 33),
        ({"sex": "   "}, "attributes.sex"),
        ({"sex": "x" * 65}, "attributes.sex"),
        ({"sex": "fe\x07male"}, "attributes.sex"),
        ({"sex": 1}, "attributes.sex"),
        ({f"d{i}": "x" for i in range(9)}, "attributes"),
    ],
)
def test_bad_demographics_are_422_naming_the_field_and_store_nothing(
    api: TestClient, person: str, database: Database, attributes: dict[str, Any], field: str
) -> None:
    response = api.put(f"/v1/employees/{person}/demographics", json={"attributes": attributes})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert field in [e["field"] for e in response.json()["errors"]]
    assert stored(database) == 0


def test_a_bad_category_is_never_echoed(api: TestClient, person: str) -> None:
    response = api.put(
        f"/v1/employees/{person}/demographics", json={"attributes": {"sex": MARKER + "\x01"}}
    )

    assert response.status_code == 422
    assert MARKER not in response.text


@pytest.mark.parametrize("scope", ["read", "write", "audit"])
def test_demographics_are_admin_only(client: TestClient, org: Org, person: str, scope: str) -> None:
    headers = org.headers(scope)
    path = f"/v1/employees/{person}/demographics"

    assert client.put(path, json={"attributes": {"sex": "x"}}, headers=headers).status_code == 403
    assert client.get(path, headers=headers).status_code == 403
    assert client.delete(path, headers=headers).status_code == 403


def test_unknown_and_foreign_people_are_404(client: TestClient, make_org: Any) -> None:
    ours, theirs = make_org("Ours"), make_org("Theirs")
    other = client.post(
        "/v1/employees", json={"external_id": "T-1"}, headers=theirs.headers()
    ).json()["id"]

    for target in (other, "no-such-person"):
        path = f"/v1/employees/{target}/demographics"
        put = client.put(path, json={"attributes": {"sex": "x"}}, headers=ours.headers())
        assert put.status_code == 404
        assert client.get(path, headers=ours.headers()).status_code == 404
        assert client.delete(path, headers=ours.headers()).status_code == 404


def test_demographics_reach_no_other_answer_log_line_or_metric(
    api: TestClient, person: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.put(f"/v1/employees/{person}/demographics", json={"attributes": {"sex": MARKER}})
    api.get(f"/v1/employees/{person}/demographics")
    rn = api.get("/v1/positions").json()["items"][0]["id"]

    answers = [
        api.get(f"/v1/employees/{person}"),
        api.get("/v1/employees"),
        api.get(f"/v1/employees/{person}/events"),
        api.get(f"/v1/employees/{person}/readiness"),
        api.get(f"/v1/employees/{person}/timeline.svg"),
        api.get(f"/v1/positions/{rn}/candidates"),
        api.get(
            "/v1/comparisons",
            params={"from_position_id": rn, "to_position_id": rn, "employee_id": person},
        ),
        api.get("/metrics"),
        api.get("/v1/fairness/readiness", params={"dimension": "race"}),
    ]

    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert MARKER not in answer.text
    assert MARKER not in caplog.text


def test_erasing_the_person_erases_their_demographics(
    api: TestClient, person: str, database: Database
) -> None:
    api.put(f"/v1/employees/{person}/demographics", json={"attributes": {"sex": "female"}})
    assert stored(database) == 1

    assert api.delete(f"/v1/employees/{person}").status_code == 204

    assert stored(database) == 0


# --- the audit scope -------------------------------------------------------------------------


def test_audit_reads_what_read_reads_and_writes_nothing(
    client: TestClient, org: Org, person: str
) -> None:
    audit = org.headers("audit")

    assert client.get("/v1/employees", headers=audit).status_code == 200
    assert client.get(f"/v1/employees/{person}/readiness", headers=audit).status_code == 200
    assert client.get("/v1/scoring-policy", headers=audit).status_code == 200
    assert (
        client.post("/v1/employees", json={"external_id": "E-2"}, headers=audit).status_code == 403
    )
    event = {"type": "training_completed", "occurred_on": "2025-01-01", "name": "ACLS"}
    assert (
        client.post(f"/v1/employees/{person}/events", json=event, headers=audit).status_code == 403
    )
    assert client.delete(f"/v1/employees/{person}", headers=audit).status_code == 403
    assert client.get("/v1/assessments", headers=audit).status_code == 200
    assert client.get("/v1/assessments", headers=org.headers("write")).status_code == 403
    assert client.get("/v1/assessments", headers=org.headers("admin")).status_code == 200


def test_keys_create_mints_an_auditor_key(client: TestClient, org: Org, cli: Any) -> None:
    code, out, _ = cli("keys", "create", "--org", org.name, "--scopes", "audit")
    assert code == 0
    key = out.strip().splitlines()[-1]
    headers = bearer(key)

    assert (
        client.get("/v1/fairness/pay", params={"dimension": "sex"}, headers=headers).status_code
        == 200
    )
    assert client.get("/v1/employees", headers=headers).status_code == 200
    assert (
        client.post("/v1/employees", json={"external_id": "E-9"}, headers=headers).status_code
        == 403
    )
