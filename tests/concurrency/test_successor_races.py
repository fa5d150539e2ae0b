"""Named successors under real concurrency (SPEC 12): two `career-mobility serve` processes
on one database, many clients released together by a barrier.

Of concurrent PATCHes made with the same `If-Match`, exactly one goes through and the rest
are 412s; the nomination and its history agree on the winner. Of concurrent nominations of
the same person, exactly one is created.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from tests.concurrency.servers import Launcher, create_org, rows, seed, together

pytestmark = pytest.mark.slow

WRITERS = 16
PROBLEM = "application/problem+json"


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_sixteen_patches_with_one_if_match_let_exactly_one_through(
    store_url: str, launch: Launcher
) -> None:
    servers = [launch(store_url), launch(store_url)]
    keys = create_org(store_url, "Succession Race Health")
    with servers[0].client(keys.headers("admin")) as admin:
        ids = seed(admin, 1)
        created = admin.post(
            f"/v1/positions/{ids['mgr']}/successors",
            json={"employee_id": ids["employees"][0], "rank": 1},
        )
    assert created.status_code == 201, created.text
    path = f"/v1/positions/{ids['mgr']}/successors/{created.json()['id']}"
    urls = [s.url for s in servers]

    for version in (1, 2):
        notes = [f"v{version} writer {i}" for i in range(WRITERS)]

        def patch(i: int, version: int = version, notes: list[str] = notes) -> httpx.Response:
            headers = {**keys.headers("write"), "If-Match": f'"{version}"'}
            with httpx.Client(base_url=urls[i % 2], headers=headers, timeout=60) as client:
                # Every rank differs from the one before, so each change lists it.
                return client.patch(path, json={"note": notes[i], "rank": version * 100 + i})

        responses = together(WRITERS, patch)

        assert Counter(r.status_code for r in responses) == {200: 1, 412: WRITERS - 1}, [
            r.text for r in responses if r.status_code not in (200, 412)
        ]
        (winner,) = [r for r in responses if r.status_code == 200]
        assert winner.json()["version"] == version + 1
        assert winner.headers["etag"] == f'"{version + 1}"'
        for loser in (r for r in responses if r.status_code == 412):
            assert loser.headers["content-type"] == PROBLEM
            assert loser.json()["type"] == "/problems/precondition-failed"
        with servers[1].client(keys.headers("write")) as reader:
            assert reader.get(path).json() == winner.json()
            history = reader.get(f"{path}/history").json()
        assert len(history) == version + 1
        assert history[-1]["changes"]["note"][1] == winner.json()["note"]
        assert history[-1]["changes"]["rank"][1] == winner.json()["rank"]
        assert rows(store_url, "SELECT note, version FROM successor") == [
            (winner.json()["note"], version + 1)
        ]
        assert rows(store_url, "SELECT version FROM successor_change ORDER BY version") == [
            (v,) for v in range(1, version + 2)
        ]


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_sixteen_nominations_of_one_person_create_one(store_url: str, launch: Launcher) -> None:
    servers = [launch(store_url), launch(store_url)]
    keys = create_org(store_url, "Nomination Race Health")
    with servers[0].client(keys.headers("admin")) as admin:
        ids = seed(admin, 1)
    urls = [s.url for s in servers]

    def nominate(i: int) -> httpx.Response:
        with httpx.Client(base_url=urls[i % 2], headers=keys.headers("write"), timeout=60) as c:
            return c.post(
                f"/v1/positions/{ids['mgr']}/successors",
                json={"employee_id": ids["employees"][0], "rank": i + 1},
            )

    responses = together(WRITERS, nominate)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: WRITERS - 1}, [
        r.text for r in responses if r.status_code not in (201, 409)
    ]
    assert rows(store_url, "SELECT count(*) FROM successor") == [(1,)]
    assert rows(store_url, "SELECT count(*) FROM successor_change") == [(1,)]
