"""Concurrency against real servers: uvicorn processes on loopback, on both stores.

Each test starts `career-mobility serve` on its own fresh database (SQLite file, or a
PostgreSQL database created for it), makes an organization with the command line, then
fires requests from many threads at once, released together by a barrier. The proofs are
exact: every response is accounted for, and the rows are counted twice, through the API
(following every page) and directly in the database.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.concurrency.servers import (
    RN,
    RN_MGR,
    Keys,
    Launcher,
    all_pages,
    create_org,
    rows,
    scalar,
    seed,
    together,
)

pytestmark = pytest.mark.slow

WRITERS = 16
EVENTS_PER_WRITER = 100
EMPLOYEES = 4
PROBLEM = "application/problem+json"


def planned_event(writer: int, i: int) -> dict[str, Any]:
    """The i-th event of a writer: a mix of development, performance and pay changes.

    `description` tags it uniquely, and `occurred_on` is unique per (writer, i), so the
    expected order and the expected current salary are known exactly.
    """
    tag = f"w{writer:02d}-i{i:03d}"
    day = (date(2021, 1, 1) + timedelta(days=writer * EVENTS_PER_WRITER + i)).isoformat()
    kind = i % 5
    body: dict[str, Any] = {"occurred_on": day, "description": tag}
    if kind == 0:
        body.update(type="training_completed", name=f"Course {tag}")
    elif kind == 1:
        body.update(type="skill_acquired", name=f"Skill {tag}")
    elif kind == 2:
        body.update(type="leadership_activity", name=f"Led {tag}")
    elif kind == 3:
        body.update(type="performance_review", rating=i % 5 + 1)
    else:
        amount = f"{66000 + writer * 100 + i}.00"
        body.update(type="salary_change", salary={"amount": amount, "currency": "USD"})
    return body


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_sixteen_writers_record_exactly_1600_events(store_url: str, launch: Launcher) -> None:
    server = launch(store_url)
    keys = create_org(store_url, "Concurrency Health")
    with server.client(keys.headers("admin")) as admin:
        ids = seed(admin, EMPLOYEES)
    people: list[str] = ids["employees"]

    def writer(w: int) -> list[tuple[str, int, dict[str, Any], dict[str, Any]]]:
        out = []
        with server.client(keys.headers("write")) as client:
            for i in range(EVENTS_PER_WRITER):
                person = people[(w + i) % EMPLOYEES]
                body = planned_event(w, i)
                response = client.post(f"/v1/employees/{person}/events", json=body)
                out.append((person, response.status_code, body, response.json()))
        return out

    results = [r for batch in together(WRITERS, writer) for r in batch]

    statuses = Counter(status for _, status, _, _ in results)
    assert statuses == {201: WRITERS * EVENTS_PER_WRITER}, [
        (status, answer) for _, status, _, answer in results if status != 201
    ][:5]

    # Through the API: every page of every person's history, then the person's projection.
    with server.client(keys.headers("write")) as reader:
        for person in people:
            mine = [(body, answer) for p, _, body, answer in results if p == person]
            listed = all_pages(reader, f"/v1/employees/{person}/events", limit=37)
            assert len(listed) == 1 + len(mine) == 1 + WRITERS * EVENTS_PER_WRITER // EMPLOYEES
            assert listed[0]["type"] == "hire"
            by_id = {e["id"]: e for e in listed[1:]}
            assert len(by_id) == len(mine)
            for body, answer in mine:
                stored = by_id.pop(answer["id"])
                assert stored == answer
                assert stored["description"] == body["description"]
                assert stored["type"] == body["type"]
                assert stored["occurred_on"] == body["occurred_on"]
            assert not by_id
            days = [e["occurred_on"] for e in listed]
            assert days == sorted(days)
            latest_pay = max(
                (b for b, _ in mine if b["type"] == "salary_change"),
                key=lambda b: b["occurred_on"],
            )
            employee = reader.get(f"/v1/employees/{person}").json()
            assert employee["current_salary"] == latest_pay["salary"]
            assert employee["advancement"]["trainings"] == sum(
                b["type"] == "training_completed" for b, _ in mine
            )

    # Directly in the database: the rows, and an arrival counter with no lost update.
    total = scalar(store_url, "SELECT count(*) FROM career_event")
    assert total == EMPLOYEES + WRITERS * EVENTS_PER_WRITER
    per_person = rows(
        store_url,
        "SELECT e.id, e.event_seq, count(c.id), count(DISTINCT c.seq), min(c.seq), max(c.seq) "
        "FROM employee e JOIN career_event c "
        "ON c.organization_id = e.organization_id AND c.employee_id = e.id "
        "GROUP BY e.id, e.event_seq",
    )
    n = 1 + WRITERS * EVENTS_PER_WRITER // EMPLOYEES
    assert sorted(per_person) == sorted((p, n, n, n, 1, n) for p in people)


def _post_with_key(
    server_url: str, keys: Keys, path: str, body: dict[str, Any], key: str
) -> httpx.Response:
    headers = {**keys.headers("write"), "Idempotency-Key": key}
    with httpx.Client(base_url=server_url, headers=headers, timeout=60) as client:
        return client.post(path, json=body)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_sixteen_posts_with_one_idempotency_key_record_one_event(
    store_url: str, launch: Launcher
) -> None:
    server = launch(store_url)
    keys = create_org(store_url, "Idempotency Health")
    with server.client(keys.headers("admin")) as admin:
        person = seed(admin, 1)["employees"][0]
    path = f"/v1/employees/{person}/events"
    body = {"type": "certification_earned", "occurred_on": "2024-05-10", "name": "CEN"}

    responses = together(
        WRITERS, lambda _: _post_with_key(server.url, keys, path, body, "key-0001")
    )

    originals = [r for r in responses if "idempotent-replayed" not in r.headers]
    firsts = [r for r in originals if r.status_code == 201]
    assert len(firsts) == 1, [(r.status_code, r.text) for r in originals]
    first = firsts[0]
    assert first.json()["name"] == "CEN"
    in_flight = [r for r in originals if r is not first]
    replays = [r for r in responses if "idempotent-replayed" in r.headers]
    assert len(replays) + len(in_flight) + 1 == WRITERS
    for replay in replays:
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.content == first.content
        assert replay.headers["location"] == first.headers["location"]
    for busy in in_flight:
        assert busy.status_code == 409, busy.text
        assert busy.headers["content-type"] == PROBLEM
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["type"] == "/problems/idempotency-in-flight"

    # Once the first has finished, every retry, concurrent or not, is its replay.
    again = together(WRITERS, lambda _: _post_with_key(server.url, keys, path, body, "key-0001"))
    assert {(r.status_code, r.headers.get("idempotent-replayed"), r.content) for r in again} == {
        (201, "true", first.content)
    }
    reused = _post_with_key(server.url, keys, path, {**body, "name": "CCRN"}, "key-0001")
    assert reused.status_code == 422
    assert reused.json()["type"] == "/problems/idempotency-key-reused"

    with server.client(keys.headers("write")) as reader:
        listed = all_pages(reader, path, limit=1)
    assert [e["type"] for e in listed] == ["hire", "certification_earned"]
    assert listed[1] == first.json()
    assert scalar(store_url, "SELECT count(*) FROM career_event") == 2
    assert rows(store_url, "SELECT key, state, status_code FROM idempotency_record") == [
        ("key-0001", "done", 201)
    ]


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_sixteen_patches_with_one_if_match_let_exactly_one_through(
    store_url: str, launch: Launcher
) -> None:
    server = launch(store_url)
    keys = create_org(store_url, "Precondition Health")
    with server.client(keys.headers("admin")) as admin:
        created = admin.post("/v1/positions", json=RN)
    assert created.status_code == 201
    position = created.json()["id"]
    assert created.headers["etag"] == '"1"'

    for version in (1, 2):
        titles = [f"Nurse v{version} #{i}" for i in range(WRITERS)]

        def patch(i: int, version: int = version, titles: list[str] = titles) -> httpx.Response:
            headers = {**keys.headers("write"), "If-Match": f'"{version}"'}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                return client.patch(f"/v1/positions/{position}", json={"title": titles[i]})

        responses = together(WRITERS, patch)
        assert Counter(r.status_code for r in responses) == {200: 1, 412: WRITERS - 1}
        (winner,) = [r for r in responses if r.status_code == 200]
        assert winner.json()["version"] == version + 1
        assert winner.headers["etag"] == f'"{version + 1}"'
        assert winner.json()["title"] in titles
        for loser in (r for r in responses if r.status_code == 412):
            assert loser.headers["content-type"] == PROBLEM
            assert loser.json()["type"] == "/problems/precondition-failed"

        with server.client(keys.headers("write")) as reader:
            current = reader.get(f"/v1/positions/{position}")
        assert current.json() == winner.json()
        assert current.headers["etag"] == f'"{version + 1}"'
        assert rows(store_url, "SELECT title, version FROM position") == [
            (winner.json()["title"], version + 1)
        ]


def test_two_processes_on_one_postgres_database_agree(postgres_url: str, launch: Launcher) -> None:
    a = launch(postgres_url)
    b = launch(postgres_url)
    keys = create_org(postgres_url, "Replica Health")
    with a.client(keys.headers("admin")) as via_a, b.client(keys.headers("admin")) as via_b:
        rn = via_a.post("/v1/positions", json=RN).json()["id"]
        mgr = via_b.post("/v1/positions", json=RN_MGR).json()["id"]
        people = []
        for n in range(EMPLOYEES):
            creator, hirer = (via_a, via_b) if n % 2 else (via_b, via_a)
            person = creator.post("/v1/employees", json={"external_id": f"E-{n}"}).json()["id"]
            hire = hirer.post(
                f"/v1/employees/{person}/events",
                json={"type": "hire", "occurred_on": "2022-01-03", "position_id": rn},
            )
            assert hire.status_code == 201, hire.text
            people.append(person)

        # Writes through both processes at once: 8 writers on each, 25 events each.
        def writer(w: int) -> list[int]:
            server = (a, b)[w % 2]
            statuses = []
            with server.client(keys.headers("write")) as client:
                for i in range(25):
                    person = people[(w + i) % EMPLOYEES]
                    kind = i % 4
                    day = (date(2023, 1, 2) + timedelta(days=w * 25 + i)).isoformat()
                    body: dict[str, Any] = {"occurred_on": day, "description": f"w{w}-{i}"}
                    if kind == 0:
                        body.update(type="performance_review", rating=3 + (w + i) % 3)
                    elif kind == 1:
                        body.update(type="initiative", name=f"Initiative w{w}-{i}")
                    elif kind == 2:
                        body.update(type="training_completed", name=f"Course w{w}-{i}")
                    elif w == i == 3 or (w + i) % 7 == 0:
                        body.update(type="certification_earned", name="Nurse Executive (NE-BC)")
                    else:
                        body.update(type="skill_acquired", name=f"Skill w{w}-{i}")
                    statuses.append(
                        client.post(f"/v1/employees/{person}/events", json=body).status_code
                    )
            return statuses

        statuses = [s for batch in together(WRITERS, writer) for s in batch]
        assert Counter(statuses) == {201: WRITERS * 25}

        # Reads through either process: the same histories, people and scores.
        for person in people:
            history_a = all_pages(via_a, f"/v1/employees/{person}/events", limit=7)
            history_b = all_pages(via_b, f"/v1/employees/{person}/events", limit=50)
            assert len(history_a) == 1 + WRITERS * 25 // EMPLOYEES
            assert history_a == history_b
            assert via_a.get(f"/v1/employees/{person}").json() == (
                via_b.get(f"/v1/employees/{person}").json()
            )
            for target in (mgr, None):
                params = {"as_of": "2024-06-30"}
                if target:
                    params["target_position_id"] = target
                score_a = via_a.get(f"/v1/employees/{person}/readiness", params=params)
                score_b = via_b.get(f"/v1/employees/{person}/readiness", params=params)
                assert score_a.status_code == 200, score_a.text
                assert score_a.json() == score_b.json()
                assert score_a.json()["score"] > 0
        slate_a = via_a.get(f"/v1/positions/{mgr}/candidates", params={"as_of": "2024-06-30"})
        slate_b = via_b.get(f"/v1/positions/{mgr}/candidates", params={"as_of": "2024-06-30"})
        assert slate_a.json() == slate_b.json()
        assert len(slate_a.json()["items"]) == EMPLOYEES

        # One resource version across processes: a write through A makes B's ETag stale.
        first = via_a.patch(
            f"/v1/positions/{rn}", json={"title": "RN I"}, headers={"If-Match": '"1"'}
        )
        assert first.status_code == 200
        stale = via_b.patch(
            f"/v1/positions/{rn}", json={"title": "RN 1"}, headers={"If-Match": '"1"'}
        )
        assert stale.status_code == 412
        fresh = via_b.patch(
            f"/v1/positions/{rn}", json={"title": "RN 1"}, headers={"If-Match": '"2"'}
        )
        assert fresh.status_code == 200
        assert via_a.get(f"/v1/positions/{rn}").json()["title"] == "RN 1"

        # And one idempotency key space: a retry through the other process is a replay.
        body = {"type": "skill_acquired", "occurred_on": "2024-01-02", "name": "Triage"}
        path = f"/v1/employees/{people[0]}/events"
        once = via_a.post(path, json=body, headers={"Idempotency-Key": "replica-1"})
        twice = via_b.post(path, json=body, headers={"Idempotency-Key": "replica-1"})
        assert once.status_code == twice.status_code == 201
        assert twice.headers["idempotent-replayed"] == "true"
        assert twice.content == once.content

    assert scalar(postgres_url, "SELECT count(*) FROM career_event") == (
        EMPLOYEES + WRITERS * 25 + 1
    )
