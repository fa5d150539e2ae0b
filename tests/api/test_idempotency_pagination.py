"""Idempotency keys on POST, and cursor pagination of every list."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent, Employee, IdempotencyRecord, Position
from app.services.idempotency import body_fingerprint
from tests.factories import (
    add_event,
    assert_problem,
    make_employee,
    make_position,
    position_body,
)

POSITION = (
    b'{"code": "RN", "title": "Registered Nurse", "family": "Nursing", "track": "individual",'
    b' "level": 3, "pay_band": {"currency": "USD", "min": "60000", "max": "80000"}}'
)
# The same JSON after parsing: other key order, other spacing.
POSITION_REORDERED = (
    b'{\n  "pay_band": {"max":"80000","min":"60000","currency":"USD"},\n'
    b'  "level":3,"track":"individual","family":"Nursing",\n'
    b'  "title":"Registered Nurse","code":"RN"\n}'
)
JSON = {"Content-Type": "application/json"}


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def count_rows(database: Database, model: Any, **where: Any) -> int:
    with database.transaction() as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return len(session.exec(query).all())


def assert_replay_of(replay: Any, first: Any) -> None:
    """Assert `replay` is the stored copy of `first`."""
    assert replay.status_code == first.status_code
    assert replay.content == first.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["content-type"] == first.headers["content-type"]
    assert "idempotent-replayed" not in first.headers


def walk(api: TestClient, path: str, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Follow `next_cursor` from the first page to the last; return the pages."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ends"


# --- idempotency: replay ----------------------------------------------------------------------


def test_same_key_and_same_body_replays_the_first_response(
    api: TestClient, database: Database
) -> None:
    first = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})
    assert first.status_code == 201, first.text

    replay = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_replay_of(replay, first)
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["etag"] == first.headers["etag"] == '"1"'
    assert [p["id"] for p in api.get("/v1/positions").json()["items"]] == [first.json()["id"]]
    assert count_rows(database, Position) == 1


def test_same_body_with_other_key_order_and_spacing_is_a_replay(
    api: TestClient, database: Database
) -> None:
    first = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    replay = api.post("/v1/positions", content=POSITION_REORDERED, headers={**JSON, **key("k-1")})

    assert_replay_of(replay, first)
    assert replay.json()["code"] == "RN"
    assert count_rows(database, Position) == 1


def test_replay_answers_the_first_response_even_after_the_resource_changed(
    api: TestClient,
) -> None:
    first = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})
    api.patch(first.headers["location"], json={"title": "Charge Nurse"})

    replay = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_replay_of(replay, first)
    assert replay.json()["title"] == "Registered Nurse"
    assert api.get(first.headers["location"]).json()["title"] == "Charge Nurse"


def test_replayed_employee_and_event_creation_store_one_row_each(
    api: TestClient, database: Database
) -> None:
    rn = make_position(api, "RN")
    body = {"external_id": "E-1", "display_name": "Ana"}
    created = api.post("/v1/employees", json=body, headers=key("emp"))
    again = api.post("/v1/employees", json=body, headers=key("emp"))
    employee_id = created.json()["id"]
    hire = {"type": "hire", "occurred_on": "2020-01-01", "position_id": rn["id"]}
    path = f"/v1/employees/{employee_id}/events"
    recorded = api.post(path, json=hire, headers=key("ev"))

    replayed = api.post(path, json=hire, headers=key("ev"))

    assert created.status_code == 201
    assert_replay_of(again, created)
    assert recorded.status_code == 201
    assert_replay_of(replayed, recorded)
    assert count_rows(database, Employee) == 1
    assert count_rows(database, CareerEvent, employee_id=employee_id) == 1
    # A second hire would have been a 422: the replay did not run the request again.
    listed = api.get(path).json()["items"]
    assert [e["id"] for e in listed] == [recorded.json()["id"]]


def test_same_key_with_another_body_is_a_422_and_creates_nothing(
    api: TestClient, database: Database
) -> None:
    api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    other = api.post("/v1/positions", json=position_body("LPN"), headers=key("k-1"))

    problem = assert_problem(other, 422, "idempotency-key-reused")
    assert "Idempotency-Key" in problem["detail"]
    assert "idempotent-replayed" not in other.headers
    assert [p["code"] for p in api.get("/v1/positions").json()["items"]] == ["RN"]
    assert count_rows(database, Position) == 1


def test_a_reused_key_still_replays_its_first_response(api: TestClient) -> None:
    first = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})
    reused = api.post("/v1/positions", json=position_body("LPN"), headers=key("k-1"))
    assert_problem(reused, 422, "idempotency-key-reused")

    again = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_replay_of(again, first)
    assert again.status_code == 201


def _claim_in_flight(database: Database, organization_id: str, body: bytes) -> None:
    """Store the claim a first request holds while it runs (as a concurrent one would)."""
    now = datetime.now(UTC)
    with database.transaction() as session:
        session.add(
            IdempotencyRecord(
                organization_id=organization_id,
                method="POST",
                path="/v1/positions",
                key="k-1",
                request_hash=body_fingerprint(body),
                state="in_flight",
                created_at=now,
                expires_at=now + timedelta(hours=24),
            )
        )


def test_a_retry_while_the_first_is_in_flight_is_a_409(
    api: TestClient, org: Any, database: Database
) -> None:
    _claim_in_flight(database, org.id, POSITION)

    retry = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_problem(retry, 409, "idempotency-in-flight")
    assert retry.headers["retry-after"]
    assert count_rows(database, Position) == 0


def test_a_retry_while_in_flight_leaves_the_first_requests_claim_alone(
    api: TestClient, org: Any, database: Database
) -> None:
    _claim_in_flight(database, org.id, POSITION)
    api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    second = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_problem(second, 409, "idempotency-in-flight")
    assert "idempotent-replayed" not in second.headers
    with database.transaction() as session:
        [record] = session.exec(select(IdempotencyRecord)).all()
    assert (record.state, record.status_code, record.response_body) == ("in_flight", None, None)


def test_keys_are_scoped_to_the_organization(
    client: TestClient, make_org: Callable[[str], Any], database: Database
) -> None:
    a, b = make_org("Org A"), make_org("Org B")
    headers = {**JSON, **key("shared-key")}

    in_a = client.post("/v1/positions", content=POSITION, headers={**a.headers(), **headers})
    in_b = client.post("/v1/positions", content=POSITION, headers={**b.headers(), **headers})

    assert in_a.status_code == 201, in_a.text
    assert in_b.status_code == 201, in_b.text
    assert "idempotent-replayed" not in in_b.headers
    assert in_b.json()["id"] != in_a.json()["id"]
    assert count_rows(database, Position, organization_id=a.id) == 1
    assert count_rows(database, Position, organization_id=b.id) == 1
    listed_b = client.get("/v1/positions", headers=b.headers()).json()["items"]
    assert [p["id"] for p in listed_b] == [in_b.json()["id"]]
    # And org B's own retry replays org B's answer, not org A's.
    retry_b = client.post("/v1/positions", content=POSITION, headers={**b.headers(), **headers})
    assert_replay_of(retry_b, in_b)


def test_a_4xx_response_is_replayed_too(api: TestClient, database: Database) -> None:
    existing = make_position(api, "RN")
    first = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})
    assert_problem(first, 409, "conflict")
    # The clash goes away, but the key keeps its answer: the request does not run again.
    assert api.delete(f"/v1/positions/{existing['id']}").status_code == 204

    replay = api.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_replay_of(replay, first)
    assert_problem(replay, 409, "conflict")
    assert count_rows(database, Position) == 0


def test_a_validation_error_is_replayed(api: TestClient, database: Database) -> None:
    bad = {**position_body("RN"), "level": 99}
    first = api.post("/v1/positions", json=bad, headers=key("k-1"))
    problem = assert_problem(first, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["level"]

    replay = api.post("/v1/positions", json=bad, headers=key("k-1"))

    assert_replay_of(replay, first)
    assert count_rows(database, Position) == 0


def test_an_unparseable_body_answer_is_replayed(api: TestClient) -> None:
    first = api.post("/v1/positions", content=b"{oops", headers={**JSON, **key("k-1")})
    assert_problem(first, 400, "bad-request")

    replay = api.post("/v1/positions", content=b"{oops", headers={**JSON, **key("k-1")})

    assert_replay_of(replay, first)


@pytest.mark.parametrize("value", ["k" * 256, "k" * 1000, ""], ids=["256", "1000", "empty"])
def test_unusable_key_is_a_422_on_the_header_and_creates_nothing(
    api: TestClient, database: Database, value: str
) -> None:
    response = api.post("/v1/positions", json=position_body("RN"), headers=key(value))

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [
        {"field": "Idempotency-Key", "in": "header", "message": problem["errors"][0]["message"]}
    ]
    assert "255" in problem["errors"][0]["message"]
    assert count_rows(database, Position) == 0
    assert count_rows(database, IdempotencyRecord) == 0


def test_key_of_255_characters_is_accepted(api: TestClient, database: Database) -> None:
    long_key = "k" * 255
    first = api.post("/v1/positions", json=position_body("RN"), headers=key(long_key))

    replay = api.post("/v1/positions", json=position_body("RN"), headers=key(long_key))

    assert first.status_code == 201, first.text
    assert_replay_of(replay, first)
    assert count_rows(database, Position) == 1


def test_a_key_used_on_another_path_is_independent(api: TestClient, database: Database) -> None:
    position = api.post("/v1/positions", json=position_body("RN"), headers=key("same"))
    employee = api.post("/v1/employees", json={"external_id": "E-1"}, headers=key("same"))
    ana, bob = employee.json()["id"], make_employee(api, "E-2")["id"]
    training = {"type": "training_completed", "occurred_on": "2021-01-01", "name": "BLS"}
    for_ana = api.post(f"/v1/employees/{ana}/events", json=training, headers=key("same"))
    for_bob = api.post(f"/v1/employees/{bob}/events", json=training, headers=key("same"))

    for response in (position, employee, for_ana, for_bob):
        assert response.status_code == 201, response.text
        assert "idempotent-replayed" not in response.headers
    assert employee.json()["external_id"] == "E-1"
    assert for_ana.json()["employee_id"] == ana
    assert for_bob.json()["employee_id"] == bob
    assert count_rows(database, Position) == 1
    assert count_rows(database, Employee) == 2
    assert count_rows(database, CareerEvent) == 2


def test_requests_without_a_key_are_not_deduplicated(api: TestClient, database: Database) -> None:
    first = api.post("/v1/employees", json={"external_id": "E-1"})

    second = api.post("/v1/employees", json={"external_id": "E-1"})

    assert first.status_code == 201
    assert_problem(second, 409, "conflict")
    assert "idempotent-replayed" not in second.headers
    assert count_rows(database, Employee) == 1


def test_a_replay_still_needs_a_key_with_the_scope(client: TestClient, org: Any) -> None:
    write = {**org.headers("write"), **JSON, **key("k-1")}
    first = client.post("/v1/positions", content=POSITION, headers=write)
    assert first.status_code == 201

    as_reader = client.post(
        "/v1/positions", content=POSITION, headers={**org.headers("read"), **JSON, **key("k-1")}
    )
    anonymous = client.post("/v1/positions", content=POSITION, headers={**JSON, **key("k-1")})

    assert_problem(as_reader, 403, "forbidden")
    assert_problem(anonymous, 401, "unauthorized")
    assert "idempotent-replayed" not in as_reader.headers


# --- pagination -------------------------------------------------------------------------------


def test_positions_page_through_every_row_once_oldest_first(api: TestClient) -> None:
    created = [make_position(api, f"P-{n:02d}")["id"] for n in range(23)]

    pages = walk(api, "/v1/positions", limit=5)

    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [p["id"] for page in pages for p in page] == created


def test_a_page_that_ends_the_list_has_no_cursor(api: TestClient) -> None:
    created = [make_position(api, f"P-{n}")["id"] for n in range(10)]

    pages = walk(api, "/v1/positions", limit=5)

    assert [[p["id"] for p in page] for page in pages] == [created[:5], created[5:]]


def test_rows_created_while_paging_appear_once_at_the_end(api: TestClient) -> None:
    created = [make_position(api, f"P-{n}")["id"] for n in range(6)]
    first = api.get("/v1/positions", params={"limit": 4}).json()
    late = make_position(api, "LATE")["id"]

    rest = api.get("/v1/positions", params={"limit": 4, "cursor": first["next_cursor"]}).json()

    assert [p["id"] for p in first["items"]] == created[:4]
    assert [p["id"] for p in rest["items"]] == [*created[4:], late]
    assert rest["next_cursor"] is None


def test_default_page_size_is_50_and_500_is_allowed(api: TestClient) -> None:
    created = [make_position(api, f"P-{n:02d}")["id"] for n in range(51)]

    default = api.get("/v1/positions").json()
    biggest = api.get("/v1/positions", params={"limit": 500}).json()

    assert [p["id"] for p in default["items"]] == created[:50]
    assert default["next_cursor"] is not None
    rest = api.get("/v1/positions", params={"cursor": default["next_cursor"]}).json()
    assert [p["id"] for p in rest["items"]] == created[50:]
    assert [p["id"] for p in biggest["items"]] == created
    assert biggest["next_cursor"] is None


def test_employees_page_through_every_row_once_oldest_first(api: TestClient) -> None:
    created = [make_employee(api, f"E-{n:02d}")["id"] for n in range(23)]

    pages = walk(api, "/v1/employees", limit=5)

    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [e["id"] for page in pages for e in page] == created


def _shuffled_history(api: TestClient) -> tuple[str, list[str]]:
    """Record 23 events out of date order (with same-day ties); return the expected order."""
    rn = make_position(api, "RN")
    employee_id = make_employee(api, "E-1")["id"]
    start = date(2020, 1, 1)
    days = [start + timedelta(days=30 * (n % 8)) for n in range(22)]
    random.Random(7).shuffle(days)
    arrivals: list[tuple[date, int, str]] = []
    hire = add_event(api, employee_id, "hire", "2019-12-01", position_id=rn["id"])
    arrivals.append((date(2019, 12, 1), 0, hire["id"]))
    for n, day in enumerate(days, start=1):
        event = add_event(
            api,
            employee_id,
            "training_completed",
            day.isoformat(),
            name=f"T{n}",
        )
        arrivals.append((day, n, event["id"]))
    return employee_id, [event_id for _, _, event_id in sorted(arrivals)]


def test_events_page_by_occurred_on_then_arrival(api: TestClient) -> None:
    employee_id, expected = _shuffled_history(api)

    pages = walk(api, f"/v1/employees/{employee_id}/events", limit=5)

    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [e["id"] for page in pages for e in page] == expected
    dates = [e["occurred_on"] for page in pages for e in page]
    assert dates == sorted(dates)


def test_event_pages_keep_their_filters(api: TestClient) -> None:
    employee_id, expected = _shuffled_history(api)
    path = f"/v1/employees/{employee_id}/events"
    voided = expected[3]
    assert api.delete(f"{path}/{voided}", params={"reason": "dup"}).status_code == 200

    trainings = walk(api, path, limit=4, type="training_completed")
    everything = walk(api, path, limit=4, include_voided="true")

    assert [e["id"] for page in trainings for e in page] == [e for e in expected[1:] if e != voided]
    assert [e["id"] for page in everything for e in page] == expected


LISTS = ["/v1/positions", "/v1/employees", "/v1/employees/{employee}/events"]


@pytest.mark.parametrize("path", LISTS, ids=["positions", "employees", "events"])
@pytest.mark.parametrize("limit", ["501", "0", "-1", "ten"])
def test_limit_out_of_range_is_a_422_on_limit(api: TestClient, path: str, limit: str) -> None:
    employee = make_employee(api, "E-1")

    response = api.get(path.format(employee=employee["id"]), params={"limit": limit})

    problem = assert_problem(response, 422, "validation-error")
    assert [(e["field"], e["in"]) for e in problem["errors"]] == [("limit", "query")]


def _encoded(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


GARBAGE = {
    "text": "garbage",
    "symbols": "!!!***",
    "not-a-list": _encoded({"a": 1}),
    "wrong-arity": _encoded([1, 2, 3]),
    "wrong-types": _encoded(["yesterday", "x"]),
    "naive-time": _encoded(["2020-01-01T00:00:00", "x"]),
}


@pytest.mark.parametrize("path", LISTS, ids=["positions", "employees", "events"])
@pytest.mark.parametrize("cursor", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_cursor_is_a_422_on_cursor(api: TestClient, path: str, cursor: str) -> None:
    employee = make_employee(api, "E-1")

    response = api.get(path.format(employee=employee["id"]), params={"cursor": cursor})

    problem = assert_problem(response, 422, "validation-error")
    assert [(e["field"], e["in"]) for e in problem["errors"]] == [("cursor", "query")]


def test_a_cursor_of_one_list_is_rejected_by_another(api: TestClient) -> None:
    employee_id, _ = _shuffled_history(api)
    events_cursor = api.get(f"/v1/employees/{employee_id}/events", params={"limit": 2}).json()[
        "next_cursor"
    ]
    make_position(api, "P-2")
    positions_cursor = api.get("/v1/positions", params={"limit": 1}).json()["next_cursor"]

    on_positions = api.get("/v1/positions", params={"cursor": events_cursor})
    on_events = api.get(f"/v1/employees/{employee_id}/events", params={"cursor": positions_cursor})

    assert_problem(on_positions, 422, "validation-error")
    assert_problem(on_events, 422, "validation-error")
