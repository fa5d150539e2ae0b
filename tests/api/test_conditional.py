"""Conditional GET: tagged answers, 304 for a caller that holds the tag, and a new tag (and
a fresh answer) the moment anything the answer depends on changes: the person's history
(record, void), the catalog (a position), the inputs (day, target).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from app.services.answers import ANSWERS, Answers
from tests.factories import band, create_employee, create_position, record, usd, void_event

HIRE_ON = "2023-01-02"


def _position(api: TestClient, code: str, level: int, **fields: Any) -> str:
    return create_position(api, code, level, pay_band=band(50000 * level, 70000 * level), **fields)


@pytest.fixture
def world(api: TestClient) -> dict[str, str]:
    held = _position(api, "RN", 3)
    target = _position(api, "RN-LEAD", 4, requirements=[{"kind": "skill", "name": "Triage"}])
    person = create_employee(api, "E-1")
    record(api, person, "hire", HIRE_ON, position_id=held, salary=usd("160000.00"))
    return {"held": held, "target": target, "person": person}


def _paths(w: dict[str, str]) -> dict[str, str]:
    return {
        "readiness": f"/v1/employees/{w['person']}/readiness?target_position_id={w['target']}",
        "comparison": f"/v1/comparisons?from_position_id={w['held']}"
        f"&to_position_id={w['target']}&employee_id={w['person']}",
    }


def _revalidate(api: TestClient, path: str) -> tuple[str, Any]:
    """GET, then GET with the tag: assert the 304; return the tag and the 200's body."""
    first = api.get(path)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    again = api.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b"" and again.headers["etag"] == tag
    return tag, first.json()


@pytest.mark.parametrize("which", ["readiness", "comparison"])
def test_history_answers_are_304_until_the_history_changes(
    api: TestClient, world: dict[str, str], which: str
) -> None:
    path = _paths(world)[which]
    tag, before = _revalidate(api, path)

    skill = record(api, world["person"], "skill_acquired", "2024-05-01", name="Triage")
    after_record = api.get(path, headers={"If-None-Match": tag})
    assert after_record.status_code == 200 and after_record.headers["etag"] != tag
    assert after_record.json() != before

    void_event(api, world["person"], skill)
    after_void = api.get(path, headers={"If-None-Match": after_record.headers["etag"]})
    assert after_void.status_code == 200
    assert after_void.json() == before  # the same history as before, answered afresh


def test_a_catalog_change_or_other_inputs_give_another_tag(
    api: TestClient, world: dict[str, str]
) -> None:
    path = _paths(world)["readiness"]
    tag, _ = _revalidate(api, path)

    other_day = api.get(f"{path}&as_of=2025-01-01", headers={"If-None-Match": tag})
    assert other_day.status_code == 200 and other_day.headers["etag"] != tag

    changed = api.patch(f"/v1/positions/{world['target']}", json={"min_months_in_role": 60})
    assert changed.status_code == 200, changed.text
    after = api.get(path, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag


def test_a_stored_answer_is_the_answer_built_afresh(api: TestClient, world: dict[str, str]) -> None:
    for path in _paths(world).values():
        stored = api.get(path)
        ANSWERS.clear()
        fresh = api.get(path)
        assert stored.content == fresh.content
        assert stored.headers["etag"] == fresh.headers["etag"]


def test_single_resources_and_the_slate_answer_304(api: TestClient, world: dict[str, str]) -> None:
    position = f"/v1/positions/{world['target']}"
    tag, _ = _revalidate(api, position)
    assert tag == '"1"'
    events = api.get(f"/v1/employees/{world['person']}/events").json()["items"]
    event = f"/v1/employees/{world['person']}/events/{events[0]['id']}"
    _revalidate(api, event)
    _revalidate(api, "/v1/scoring-policy")
    _revalidate(api, f"/v1/positions/{world['target']}/candidates")

    assert api.patch(position, json={"title": "Lead Nurse"}).status_code == 200
    renamed = api.get(position, headers={"If-None-Match": tag})
    assert renamed.status_code == 200 and renamed.headers["etag"] == '"2"'


def test_an_employees_record_version_is_never_taken_for_the_whole_answer(
    api: TestClient, world: dict[str, str]
) -> None:
    """An employee's ETag versions the record (for If-Match); the answer also shows what the
    history derives, so holding that tag never earns a 304."""
    path = f"/v1/employees/{world['person']}"
    first = api.get(path)
    again = api.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.json() == first.json()


def test_erasing_a_person_drops_their_stored_answers(
    api: TestClient, world: dict[str, str], org: Any
) -> None:
    for path in _paths(world).values():
        assert api.get(path).status_code == 200
    tag = api.get(_paths(world)["readiness"]).headers["etag"]
    assert ANSWERS.get(org.id, world["person"], tag)

    assert api.delete(f"/v1/employees/{world['person']}").status_code == 204

    assert not [k for k in ANSWERS._entries if k[1] == world["person"]]
    assert api.get(_paths(world)["readiness"]).status_code == 404


@given(sizes=st.lists(st.integers(min_value=0, max_value=300), max_size=40))
def test_the_store_of_answers_never_holds_more_than_its_bound(sizes: list[int]) -> None:
    store = Answers(max_bytes=1000)
    for n, size in enumerate(sizes):
        store.put("org", f"p{n % 7}", f'"{n % 11}"', b"x" * size)
        held = sum(len(b) for b in store._entries.values())
        assert held == store._bytes <= 1000
    if sizes:
        last = len(sizes) - 1
        assert store.get("org", f"p{last % 7}", f'"{last % 11}"') == b"x" * sizes[-1]
