"""What erasure and voids promise, on both stores.

- Erasure racing a write: the write's idempotency claim names the person from the start,
  and erasure takes the lock recording takes, so a replay of the key after the erasure
  never hands back the erased person's event.
- Expired idempotency records are purged, not only when their key is reused.
- A void leaves a history that recording would accept, or is a 409 naming the events in
  the way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent, IdempotencyRecord, utcnow
from app.services import idempotency
from tests.factories import create_employee, create_position, nurse_position, record, void

MISTAKE = "entered by mistake"


def position(api: TestClient, code: str, level: int) -> str:
    return create_position(api, **nurse_position(code=code, level=level))


def records(database: Database) -> list[IdempotencyRecord]:
    with database.transaction(write=False) as session:
        return list(session.exec(select(IdempotencyRecord)).all())


# --- erasure racing a write ----------------------------------------------------------------


@contextmanager
def person_locked(database_url: str, store: str, who: str) -> Iterator[None]:
    """Hold what a write to the person waits for: the row lock on PostgreSQL, the write
    lock on SQLite, from a connection of the test's own."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if store == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("SELECT id FROM employee WHERE id = :id FOR UPDATE"), {"id": who})
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_a_write_racing_an_erasure_is_never_replayed_after_it(
    api: TestClient, database: Database, database_url: str, store: str
) -> None:
    rn = position(api, "RN", 3)
    ana = create_employee(api, "E-ana")
    record(api, ana, "hire", "2024-01-02", position_id=rn)
    body = {"type": "training_completed", "occurred_on": "2024-03-01", "name": "BLS"}
    headers = {"Idempotency-Key": "race-1"}
    answers: dict[str, Any] = {}

    def write() -> None:
        answers["write"] = api.post(f"/v1/employees/{ana}/events", json=body, headers=headers)

    def erase() -> None:
        answers["erase"] = api.delete(f"/v1/employees/{ana}")

    with person_locked(database_url, store, ana):
        writer = threading.Thread(target=write)
        writer.start()
        if store == "postgresql":
            # The claim is committed and names Ana before the write waits for her row.
            deadline = utcnow() + timedelta(seconds=10)
            while not [r for r in records(database) if r.key == "race-1"]:
                assert utcnow() < deadline, "the write never claimed its key"
            claimed = [r for r in records(database) if r.key == "race-1"][0]
            assert (claimed.state, claimed.employee_id) == ("in_flight", ana)
        eraser = threading.Thread(target=erase)
        eraser.start()
        writer.join(0.3)
        eraser.join(0.3)
    writer.join(30)
    eraser.join(30)

    assert answers["erase"].status_code == 204, answers["erase"].text
    assert answers["write"].status_code in (201, 404), answers["write"].text
    # Nothing stored names Ana, and the key, replayed, does not bring her event back.
    assert [r for r in records(database) if r.employee_id == ana] == []
    assert [r for r in records(database) if ana.encode() in (r.response_body or b"")] == []
    retry = api.post(f"/v1/employees/{ana}/events", json=body, headers=headers)
    assert retry.status_code == 404, retry.text
    assert "idempotent-replayed" not in retry.headers
    with database.transaction(write=False) as session:
        assert session.exec(select(CareerEvent).where(CareerEvent.employee_id == ana)).all() == []


def test_a_claim_made_before_an_erasure_is_erased_with_the_person(
    api: TestClient, database: Database, org: Any
) -> None:
    rn = position(api, "RN", 3)
    ana = create_employee(api, "E-ana")
    record(api, ana, "hire", "2024-01-02", position_id=rn)
    claim = idempotency.Claim(
        organization_id=org.id,
        method="POST",
        path=f"/v1/employees/{ana}/events",
        key="in-flight",
        employee_id=ana,
    )
    assert idempotency.claim(database, claim=claim, body=b"{}") is None

    assert api.delete(f"/v1/employees/{ana}").status_code == 204

    # The request in flight finishes after the erasure: there is nothing left to store into.
    with database.transaction() as session:
        idempotency.complete(
            session,
            claim=claim,
            status_code=201,
            headers={},
            body=f'{{"employee_id": "{ana}"}}'.encode(),
            employee_id=ana,
            ttl_hours=24,
        )
    assert records(database) == [r for r in records(database) if r.key != "in-flight"]
    assert [r for r in records(database) if r.key == "in-flight"] == []


def test_a_long_id_in_the_path_with_an_idempotency_key_is_a_404_that_stores_nothing(
    api: TestClient, database: Database
) -> None:
    before = len(records(database))
    for length in (37, 600):
        response = api.post(
            f"/v1/employees/{'x' * length}/events",
            json={"type": "training_completed", "occurred_on": "2024-03-01", "name": "BLS"},
            headers={"Idempotency-Key": f"long-{length}"},
        )
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert len(records(database)) == before


# --- expired idempotency records are purged ------------------------------------------------


def test_expired_idempotency_records_are_purged_when_the_organization_next_claims(
    api: TestClient, database: Database, org: Any, make_org: Any
) -> None:
    other = make_org("Other Co")
    now = utcnow()
    with database.transaction() as session:
        for organization_id, key, expires in (
            (org.id, "old-1", now - timedelta(hours=1)),
            (org.id, "old-2", now - timedelta(days=3)),
            (org.id, "fresh", now + timedelta(hours=1)),
            (other.id, "theirs-old", now - timedelta(hours=1)),
        ):
            session.add(
                IdempotencyRecord(
                    organization_id=organization_id,
                    method="POST",
                    path="/v1/positions",
                    key=key,
                    request_hash="0" * 64,
                    state="done",
                    status_code=201,
                    response_body=b"{}",
                    created_at=expires - timedelta(hours=24),
                    expires_at=expires,
                )
            )
    idempotency.PURGES.forget()

    response = api.post(
        "/v1/employees", json={"external_id": "E-9"}, headers={"Idempotency-Key": "new"}
    )
    assert response.status_code == 201

    kept = sorted((r.organization_id == org.id, r.key) for r in records(database))
    assert kept == [(False, "theirs-old"), (True, "fresh"), (True, "new")]
    # Purging is throttled: once a minute per organization and process.
    assert idempotency.PURGES.due(org.id) is False


# --- voids keep the history one recording accepts ------------------------------------------


@pytest.fixture
def ladder(api: TestClient) -> dict[str, str]:
    return {"rn": position(api, "RN", 3), "senior": position(api, "SRN", 4)}


def test_voiding_the_exit_between_a_hire_and_a_rehire_is_a_409_naming_the_rehire(
    api: TestClient, ladder: dict[str, str]
) -> None:
    ana = create_employee(api, "E-1")
    record(api, ana, "hire", "2020-01-06", position_id=ladder["rn"])
    exit_ = record(api, ana, "exit", "2021-06-30")
    rehire = record(api, ana, "hire", "2022-02-01", position_id=ladder["senior"])
    before = api.get(f"/v1/employees/{ana}").json()

    response = void(api, ana, exit_, MISTAKE)

    assert response.status_code == 409, response.text
    body = response.json()
    assert body["type"] == "/problems/conflict"
    assert rehire in body["detail"] and "already employed" in body["detail"]
    assert api.get(f"/v1/employees/{ana}").json() == before
    voided = api.get(f"/v1/employees/{ana}/events", params={"include_voided": "true"}).json()
    assert [e["voided_at"] for e in voided["items"]] == [None, None, None]
    # In the other order the history stays whole at each step: both voids are accepted.
    assert void(api, ana, rehire, MISTAKE).status_code == 200
    assert void(api, ana, exit_, MISTAKE).status_code == 200
    now = api.get(f"/v1/employees/{ana}").json()
    assert (now["status"], now["current_position_id"]) == ("active", ladder["rn"])


def test_voiding_a_hire_that_a_later_move_depends_on_is_a_409_naming_the_move(
    api: TestClient, ladder: dict[str, str]
) -> None:
    ana = create_employee(api, "E-1")
    hire = record(api, ana, "hire", "2020-01-06", position_id=ladder["rn"])
    move = record(api, ana, "position_change", "2021-01-04", position_id=ladder["senior"])
    training = record(api, ana, "training_completed", "2021-02-01", name="BLS")

    response = void(api, ana, hire, MISTAKE)

    assert response.status_code == 409, response.text
    assert move in response.json()["detail"]
    assert api.get(f"/v1/employees/{ana}").json()["status"] == "active"
    # Events that do not change what the person holds never stand in the way.
    assert void(api, ana, training, MISTAKE).status_code == 200
    assert void(api, ana, move, MISTAKE).status_code == 200
    assert void(api, ana, hire, MISTAKE).status_code == 200
    assert api.get(f"/v1/employees/{ana}").json()["status"] == "pending"
