"""The per-process catalog of positions and policy (app.services.catalog).

Readiness and comparisons read positions and the scoring policy from a cache kept per
process and checked against `organization.catalog_version` on every request. These tests
prove the cache is never served stale: not after a change through the API, not after a
change committed by another process (another replica), not after a rolled-back change.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, update
from sqlmodel import Session

from app.db import Database
from app.models import Organization, Position
from app.services import catalog, revisions
from app.services.answers import ANSWERS
from tests.factories import band, create_employee, create_position, readiness, record, usd

TODAY = date.today()


def _position(api: TestClient, code: str, level: int, **fields: Any) -> str:
    return create_position(api, code, level, pay_band=band(40000 * level, 60000 * level), **fields)


def _hired(api: TestClient, position_id: str) -> str:
    employee_id = create_employee(api, "E-1")
    hired_on = (TODAY - timedelta(days=800)).isoformat()
    record(api, employee_id, "hire", hired_on, position_id=position_id, salary=usd("90000.00"))
    return employee_id


def _nurse_and_lead(api: TestClient) -> tuple[str, str, str]:
    """Return a nurse's position (level 3), a lead position (level 4) and the nurse."""
    held = _position(api, "RN", 3)
    target = _position(api, "RN-LEAD", 4)
    return held, target, _hired(api, held)


def _set_level(session: Session, org_id: str, position_id: str, level: int) -> None:
    """Change a position's level behind the API's back, as another writer would."""
    session.execute(
        update(Position)
        .where(Position.organization_id == org_id, Position.id == position_id)
        .values(level=level)
    )
    revisions.touch(session, org_id)


def _gap_names(body: dict[str, Any]) -> list[str]:
    return [g["requirement"]["name"] for g in body["gaps"] if g["requirement"]]


def test_a_position_change_through_the_api_is_seen_by_the_next_request(
    api: TestClient,
) -> None:
    held, target, employee_id = _nurse_and_lead(api)
    first = readiness(api, employee_id, target)
    assert first["move_type"] == "promotion"
    assert _gap_names(first) == []

    response = api.patch(
        f"/v1/positions/{target}",
        json={"requirements": [{"kind": "certification", "name": "Charge Nurse"}], "level": 2},
    )
    assert response.status_code == 200, response.text

    second = readiness(api, employee_id, target)
    assert _gap_names(second) == ["Charge Nurse"]
    assert second["move_type"] == "demotion"
    compared = api.get(
        "/v1/comparisons",
        params={"from_position_id": held, "to_position_id": target, "employee_id": employee_id},
    ).json()
    assert compared["move_type"] == "demotion"
    assert [r["name"] for r in compared["requirements_missing"]] == ["Charge Nurse"]


def test_a_new_position_and_a_deleted_one_are_seen_at_once(api: TestClient) -> None:
    held = _position(api, "RN", 3)
    employee_id = _hired(api, held)
    readiness(api, employee_id, held)  # fills the cache
    created = _position(api, "RN-LEAD", 4)
    assert readiness(api, employee_id, created)["target_position_id"] == created

    assert api.delete(f"/v1/positions/{created}").status_code == 204
    response = api.get(
        f"/v1/employees/{employee_id}/readiness", params={"target_position_id": created}
    )
    assert response.status_code == 404
    assert created in response.json()["detail"]


def test_a_policy_change_is_seen_by_the_next_request(api: TestClient) -> None:
    _, target, employee_id = _nurse_and_lead(api)
    assert readiness(api, employee_id, target)["policy_version"] == 1
    policy = api.get("/v1/scoring-policy").json()
    body = {k: v for k, v in policy.items() if k not in ("version", "created_at")}
    body["window_months"] = 12
    response = api.put("/v1/scoring-policy", json=body)
    assert response.status_code == 200, response.text
    assert readiness(api, employee_id, target)["policy_version"] == 2


def test_a_change_committed_by_another_process_is_seen_by_the_next_request(
    api: TestClient, database: Database, org: Any
) -> None:
    """Another replica writes through its own engine: this process's cache must not win."""
    _, target, employee_id = _nurse_and_lead(api)
    assert readiness(api, employee_id, target)["move_type"] == "promotion"

    other = create_engine(database.url)
    try:
        with Session(other) as session:
            _set_level(session, org.id, target, 3)
            session.commit()
    finally:
        other.dispose()

    assert readiness(api, employee_id, target)["move_type"] == "lateral"


def test_a_rolled_back_change_never_reaches_the_cache(
    api: TestClient, database: Database, org: Any
) -> None:
    _, target, employee_id = _nurse_and_lead(api)
    assert readiness(api, employee_id, target)["move_type"] == "promotion"

    session = database.session(write=True)
    try:
        _set_level(session, org.id, target, 1)
        seen, _ = catalog.with_person(session, org.id, None)
        assert seen.position(target).level == 1  # the write session sees its own change
        session.rollback()
    finally:
        session.close()

    assert readiness(api, employee_id, target)["move_type"] == "promotion"
    with database.transaction(write=False) as read:
        assert catalog.with_person(read, org.id, None)[0].position(target).level == 4


def test_every_change_gives_a_new_catalog_version(database: Database, org: Any) -> None:
    seen = set()
    for _ in range(5):
        with database.transaction() as session:
            revisions.touch(session, org.id)
        with database.transaction(write=False) as session:
            version = session.get(Organization, org.id).catalog_version  # type: ignore[union-attr]
        seen.add(version)
    assert len(seen) == 5
    assert all(len(v) == 32 for v in seen)


Statements = Callable[[], AbstractContextManager[list[str]]]


def _selects(sent: list[str]) -> list[str]:
    return [s for s in sent if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def test_warm_readiness_and_comparisons_read_only_the_version_and_the_person(
    api: TestClient, statements: Statements
) -> None:
    held = _position(api, "RN", 3)
    target = _position(api, "RN-LEAD", 4, requirements=[{"kind": "skill", "name": "Triage"}])
    employee_id = _hired(api, held)
    readiness = f"/v1/employees/{employee_id}/readiness?target_position_id={target}"
    plain = f"/v1/comparisons?from_position_id={held}&to_position_id={target}"
    personal = f"{plain}&employee_id={employee_id}"
    for path in (readiness, plain, personal):
        assert api.get(path).status_code == 200  # warms the key and the catalog
    counts = {}
    for path in (readiness, plain, personal):
        ANSWERS.clear()  # the answer itself is built again: only the catalog is warm
        with statements() as sent:
            assert api.get(path).status_code == 200
        counts[path] = len(_selects(sent))
    assert counts == {readiness: 2, plain: 1, personal: 2}
    # With the answer stored under its tag: the one statement that reads the versions.
    for path in (readiness, plain, personal):
        assert api.get(path).status_code == 200
        with statements() as sent:
            assert api.get(path).status_code == 200
        counts[path] = len(_selects(sent))
    assert counts == {readiness: 1, plain: 1, personal: 1}


def test_an_unknown_employee_is_a_404_before_any_event_is_read(
    api: TestClient, statements: Statements
) -> None:
    held = _position(api, "RN", 3)
    assert api.get(f"/v1/comparisons?from_position_id={held}&to_position_id={held}").status_code
    with statements() as sent:
        response = api.get(
            "/v1/comparisons",
            params={"from_position_id": held, "to_position_id": held, "employee_id": "nobody"},
        )
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]
    assert len(_selects(sent)) == 1
