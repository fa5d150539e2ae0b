"""Named successors (SPEC 12): nominate, list, change with `If-Match`, remove, and the
history of every change; the computed readiness beside the human override."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import Database
from tests.factories import (
    assert_problem,
    create_employee,
    create_position,
    hire,
    readiness,
    record,
)

TODAY = datetime.now(UTC).date()
CERT = {"kind": "certification", "name": "Nurse Executive (NE-BC)"}


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


@pytest.fixture
def org_chart(api: TestClient) -> dict[str, str]:
    """RN and RN manager; Ana is ready now for the manager role today, Bob far from it,
    Cleo holds the manager role, Dan has left."""
    rn = create_position(api, "RN", 3)
    mgr = create_position(api, "RN-MGR", 4, requirements=[CERT], min_months_in_role=12)
    ana = hire(api, "E-ana", rn, days_ago(800))
    for n in (30, 200, 400):
        record(api, ana, "performance_review", days_ago(n), rating=5)
    for n in (40, 50, 60):
        record(api, ana, "leadership_activity", days_ago(n), name=f"Led {n}")
    for n in (70, 80, 90):
        record(api, ana, "training_completed", days_ago(n), name=f"Course {n}")
    record(api, ana, "certification_earned", days_ago(100), name=CERT["name"])
    bob = hire(api, "E-bob", rn, days_ago(100))
    cleo = hire(api, "E-cleo", mgr, days_ago(300))
    dan = hire(api, "E-dan", rn, days_ago(900))
    record(api, dan, "exit", days_ago(10))
    return {"rn": rn, "mgr": mgr, "ana": ana, "bob": bob, "cleo": cleo, "dan": dan}


def nominate(api: TestClient, position: str, employee: str, **fields: Any) -> dict[str, Any]:
    response = api.post(
        f"/v1/positions/{position}/successors", json={"employee_id": employee, **fields}
    )
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    return dict(response.json())


def test_a_nomination_shows_the_computed_readiness_of_today_beside_no_override(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    body = nominate(api, org_chart["mgr"], org_chart["ana"], rank=1, note="Covered nights")

    expected = readiness(api, org_chart["ana"], org_chart["mgr"])
    assert expected["band"] == "ready_now"
    assert body["computed"] == {"score": expected["score"], "band": "ready_now"}
    assert body["effective_band"] == "ready_now"
    assert {k: body[k] for k in ("position_id", "employee_id", "rank", "emergency")} == {
        "position_id": org_chart["mgr"],
        "employee_id": org_chart["ana"],
        "rank": 1,
        "emergency": False,
    }
    assert body["readiness_override"] is None
    assert body["note"] == "Covered nights"
    assert body["version"] == 1
    assert body["created_at"] == body["updated_at"]
    again = api.get(f"/v1/positions/{org_chart['mgr']}/successors/{body['id']}")
    assert again.status_code == 200
    assert again.json() == body
    assert again.headers["ETag"] == '"1"'


def test_an_override_wins_over_the_computed_band_and_clearing_it_restores_the_computed(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    body = nominate(api, org_chart["mgr"], org_chart["bob"], readiness_override="ready_now")
    computed = readiness(api, org_chart["bob"], org_chart["mgr"])
    assert computed["band"] == "ready_3_plus_years"

    assert body["computed"] == {"score": computed["score"], "band": "ready_3_plus_years"}
    assert body["readiness_override"] == "ready_now"
    assert body["effective_band"] == "ready_now"

    cleared = api.patch(
        f"/v1/positions/{org_chart['mgr']}/successors/{body['id']}",
        json={"readiness_override": None},
        headers={"If-Match": '"1"'},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["readiness_override"] is None
    assert cleared.json()["effective_band"] == "ready_3_plus_years"
    assert cleared.json()["computed"] == body["computed"]
    assert cleared.json()["version"] == 2
    assert cleared.headers["ETag"] == '"2"'


def test_history_lists_each_change_with_before_after_and_the_key_oldest_first(
    client: TestClient, org: Any, org_chart: dict[str, str], database: Database
) -> None:
    client.headers.update(org.headers("write"))
    mgr = org_chart["mgr"]
    body = nominate(client, mgr, org_chart["ana"], rank=2)
    path = f"/v1/positions/{mgr}/successors/{body['id']}"
    first = client.patch(path, json={"rank": 1, "emergency": True}, headers={"If-Match": '"1"'})
    assert first.status_code == 200, first.text
    second = client.patch(
        path,
        json={"readiness_override": "ready_1_2_years", "note": "Wants a year in ICU first"},
        headers=org.headers("admin") | {"If-Match": '"2"'},
    )
    assert second.status_code == 200, second.text
    unchanged = client.patch(path, json={"rank": 1})
    assert unchanged.json()["version"] == 3

    history = client.get(f"{path}/history")

    assert history.status_code == 200, history.text
    rows = history.json()
    with database.transaction() as session:
        keys = dict(
            session.execute(text("SELECT key_hash, id FROM api_key")).all()  # hash -> id
        )
    from app.auth import hash_key

    write_key, admin_key = keys[hash_key(org.write)], keys[hash_key(org.admin)]
    assert [r["key_id"] for r in rows] == [write_key, write_key, admin_key]
    assert [r["changes"] for r in rows] == [
        {
            "employee_id": [None, org_chart["ana"]],
            "rank": [None, 2],
            "emergency": [None, False],
            "readiness_override": [None, None],
            "note": [None, None],
        },
        {"rank": [2, 1], "emergency": [False, True]},
        {
            "readiness_override": [None, "ready_1_2_years"],
            "note": [None, "Wants a year in ICU first"],
        },
    ]
    stamps = [r["at"] for r in rows]
    assert stamps == sorted(stamps)
    assert stamps[0] == body["created_at"]
    assert stamps[-1] == second.json()["updated_at"]


def test_a_stale_if_match_is_a_412_and_changes_nothing(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    body = nominate(api, org_chart["mgr"], org_chart["ana"], rank=1)
    path = f"/v1/positions/{org_chart['mgr']}/successors/{body['id']}"
    assert api.patch(path, json={"rank": 2}, headers={"If-Match": '"1"'}).status_code == 200

    stale = api.patch(path, json={"rank": 3}, headers={"If-Match": '"1"'})

    assert_problem(stale, 412, "precondition-failed")
    assert api.get(path).json()["rank"] == 2
    assert len(api.get(f"{path}/history").json()) == 2


def test_the_list_orders_by_rank_unranked_last_then_by_computed_score(
    api: TestClient, org_chart: dict[str, str]
) -> None:
    rn, mgr = org_chart["rn"], org_chart["mgr"]
    eve = hire(api, "E-eve", rn, days_ago(500))
    record(api, eve, "performance_review", days_ago(20), rating=4)
    fay = hire(api, "E-fay", rn, days_ago(500))
    unranked_low = nominate(api, mgr, org_chart["bob"])
    unranked_high = nominate(api, mgr, org_chart["ana"])
    second = nominate(api, mgr, eve, rank=2)
    first = nominate(api, mgr, fay, rank=1)

    listed = api.get(f"/v1/positions/{mgr}/successors")

    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [
        first["id"],
        second["id"],
        unranked_high["id"],
        unranked_low["id"],
    ]
    assert items[2]["computed"]["score"] > items[3]["computed"]["score"]
    assert listed.json()["next_cursor"] is None
    page = api.get(f"/v1/positions/{mgr}/successors", params={"limit": 3})
    assert [i["id"] for i in page.json()["items"]] == [i["id"] for i in items[:3]]
    rest = api.get(
        f"/v1/positions/{mgr}/successors",
        params={"limit": 3, "cursor": page.json()["next_cursor"]},
    )
    assert [i["id"] for i in rest.json()["items"]] == [items[3]["id"]]


def test_a_forged_list_cursor_is_a_422(api: TestClient, org_chart: dict[str, str]) -> None:
    """The successors list reads its offset cursor as the other lists do: only a whole
    number it could have written (not true, not past the largest position)."""
    nominate(api, org_chart["mgr"], org_chart["ana"])
    for values in ([True], [-1], [2**63], [1.5], ["0"]):
        raw = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        response = api.get(f"/v1/positions/{org_chart['mgr']}/successors", params={"cursor": raw})
        assert assert_problem(response, 422, "validation-error")["errors"][0]["field"] == "cursor"


def test_the_same_person_twice_is_a_409(api: TestClient, org_chart: dict[str, str]) -> None:
    nominate(api, org_chart["mgr"], org_chart["ana"])

    again = api.post(
        f"/v1/positions/{org_chart['mgr']}/successors",
        json={"employee_id": org_chart["ana"], "rank": 3},
    )

    assert_problem(again, 409, "conflict")
    assert len(api.get(f"/v1/positions/{org_chart['mgr']}/successors").json()["items"]) == 1
    # The same person may be named for another position.
    assert nominate(api, org_chart["rn"], org_chart["cleo"])["employee_id"] == org_chart["cleo"]


@pytest.mark.parametrize(
    ("who", "words"),
    [
        ("dan", "not active"),
        ("cleo", "holds this position"),
        ("nobody", "no such employee"),
    ],
)
def test_a_person_not_active_holding_the_position_or_unknown_is_a_422_on_employee_id(
    api: TestClient, org_chart: dict[str, str], who: str, words: str
) -> None:
    employee = org_chart.get(who, "7b0c8a52-0000-4000-8000-000000000000")

    response = api.post(
        f"/v1/positions/{org_chart['mgr']}/successors", json={"employee_id": employee}
    )

    body = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["employee_id"]
    assert words in body["errors"][0]["message"]
    assert api.get(f"/v1/positions/{org_chart['mgr']}/successors").json()["items"] == []


def test_a_pending_person_is_not_active(api: TestClient, org_chart: dict[str, str]) -> None:
    newcomer = create_employee(api, "E-new")

    response = api.post(
        f"/v1/positions/{org_chart['mgr']}/successors", json={"employee_id": newcomer}
    )

    assert_problem(response, 422, "validation-error")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rank": 0}, "rank"),
        ({"rank": "1"}, "rank"),
        ({"rank": 1.5}, "rank"),
        ({"emergency": "yes"}, "emergency"),
        ({"readiness_override": "ready_soon"}, "readiness_override"),
        ({"note": ""}, "note"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_fields_are_a_422_naming_the_field_and_change_nothing(
    api: TestClient, org_chart: dict[str, str], body: dict[str, Any], field: str
) -> None:
    path = f"/v1/positions/{org_chart['mgr']}/successors"
    response = api.post(path, json={"employee_id": org_chart["ana"], **body})

    problem = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert api.get(path).json()["items"] == []

    made = nominate(api, org_chart["mgr"], org_chart["ana"])
    patched = api.patch(f"{path}/{made['id']}", json=body)
    problem = assert_problem(patched, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert api.get(f"{path}/{made['id']}").json()["version"] == 1


def test_emergency_cannot_be_set_to_null(api: TestClient, org_chart: dict[str, str]) -> None:
    made = nominate(api, org_chart["mgr"], org_chart["ana"], emergency=True)

    response = api.patch(
        f"/v1/positions/{org_chart['mgr']}/successors/{made['id']}", json={"emergency": None}
    )

    problem = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["emergency"]


def test_delete_removes_the_nomination_and_its_history(
    api: TestClient, org_chart: dict[str, str], database: Database
) -> None:
    made = nominate(api, org_chart["mgr"], org_chart["ana"])
    path = f"/v1/positions/{org_chart['mgr']}/successors/{made['id']}"

    assert api.delete(path).status_code == 204

    assert_problem(api.get(path), 404, "not-found")
    assert_problem(api.get(f"{path}/history"), 404, "not-found")
    assert_problem(api.delete(path), 404, "not-found")
    with database.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM successor_change")).scalar() == 0


def test_another_organizations_ids_are_404s(
    api: TestClient, org_chart: dict[str, str], make_org: Any
) -> None:
    made = nominate(api, org_chart["mgr"], org_chart["ana"])
    other = make_org("Other Health").headers("admin")
    mgr = org_chart["mgr"]

    assert_problem(api.get(f"/v1/positions/{mgr}/successors", headers=other), 404, "not-found")
    for method, suffix in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/history")]:
        response = api.request(
            method,
            f"/v1/positions/{mgr}/successors/{made['id']}{suffix}",
            headers=other,
            json={"rank": 1} if method == "PATCH" else None,
        )
        assert_problem(response, 404, "not-found")
    # A nomination reached through another position of the same organization is no nomination.
    assert_problem(
        api.get(f"/v1/positions/{org_chart['rn']}/successors/{made['id']}"), 404, "not-found"
    )
    # Naming another organization's person is a bad body field.
    response = api.post(
        f"/v1/positions/{mgr}/successors", json={"employee_id": org_chart["ana"]}, headers=other
    )
    assert_problem(response, 404, "not-found")


def test_a_read_key_cannot_nominate(
    client: TestClient, org: Any, org_chart: dict[str, str]
) -> None:
    response = client.post(
        f"/v1/positions/{org_chart['mgr']}/successors",
        json={"employee_id": org_chart["ana"]},
        headers=org.headers("read"),
    )

    assert_problem(response, 403, "forbidden")


def test_erasing_a_person_removes_their_nominations_and_history_rows(
    api: TestClient, org_chart: dict[str, str], database: Database
) -> None:
    mgr = org_chart["mgr"]
    ana = nominate(api, mgr, org_chart["ana"], rank=1, note="x")
    api.patch(f"/v1/positions/{mgr}/successors/{ana['id']}", json={"rank": 2})
    api.post(
        f"/v1/positions/{org_chart['rn']}/successors",
        json={"employee_id": org_chart["ana"]},
        headers={"Idempotency-Key": "nominate-ana"},
    )
    bob = nominate(api, mgr, org_chart["bob"])

    assert api.delete(f"/v1/employees/{org_chart['ana']}").status_code == 204

    items = api.get(f"/v1/positions/{mgr}/successors").json()["items"]
    assert [i["id"] for i in items] == [bob["id"]]
    with database.transaction() as session:
        assert (
            session.execute(
                text("SELECT count(*) FROM successor WHERE employee_id = :e"),
                {"e": org_chart["ana"]},
            ).scalar()
            == 0
        )
        assert session.execute(
            text("SELECT successor_id FROM successor_change")
        ).scalars().all() == [bob["id"]]
        bodies = session.execute(text("SELECT response_body FROM idempotency_record")).all()
    assert not [b for (b,) in bodies if b and org_chart["ana"].encode() in bytes(b)]


def test_positions_are_not_critical_by_default_and_patch_sets_it(api: TestClient) -> None:
    rn = create_position(api, "RN", 3)
    icu = create_position(api, "ICU-LEAD", 5, critical=True)

    assert api.get(f"/v1/positions/{rn}").json()["critical"] is False
    assert api.get(f"/v1/positions/{icu}").json()["critical"] is True
    patched = api.patch(f"/v1/positions/{rn}", json={"critical": True})
    assert patched.status_code == 200, patched.text
    assert patched.json()["critical"] is True
    assert api.get(f"/v1/positions/{rn}").json()["critical"] is True
    for bad in ("yes", 1, None):
        response = api.patch(f"/v1/positions/{rn}", json={"critical": bad})
        problem = assert_problem(response, 422, "validation-error")
        assert [e["field"] for e in problem["errors"]] == ["critical"]


def test_deleting_a_position_removes_its_nominations_and_their_history(
    api: TestClient, database: Database
) -> None:
    rn = create_position(api, "RN", 3)
    lead = create_position(api, "LEAD", 5)
    ana = hire(api, "E-ana", rn, days_ago(400))
    made = nominate(api, lead, ana, rank=1)
    api.patch(f"/v1/positions/{lead}/successors/{made['id']}", json={"rank": 2})

    assert api.delete(f"/v1/positions/{lead}").status_code == 204

    with database.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM successor")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM successor_change")).scalar() == 0
    assert api.get(f"/v1/employees/{ana}").status_code == 200
