"""DB_CONCURRENCY: how many requests run their database work at once in a process.

Many requests at once in as many threads only pass Python's GIL around (see
`app.routing.gates`); the gate holds the rest back, without a thread, in arrival order.
Light reads on SQLite run on the event loop, one at a time, and need no gate: the routes
below are writes, which run in the thread pool on both stores.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.config import Settings, work_concurrency
from app.db import Database, set_database
from app.main import create_app
from app.services import events
from app.services.organizations import create_organization
from tests.factories import bearer


def test_the_default_is_two_on_sqlite_and_four_on_postgresql() -> None:
    sqlite = Settings(database_url="sqlite:///x.db", _env_file=None)  # type: ignore[call-arg]
    postgres = Settings(
        database_url="postgresql+psycopg://u@h/db",
        _env_file=None,  # type: ignore[call-arg]
    )
    assert (work_concurrency(sqlite), work_concurrency(postgres)) == (2, 4)
    chosen = Settings(database_url="sqlite:///x.db", db_concurrency=7, _env_file=None)  # type: ignore[call-arg]
    assert work_concurrency(chosen) == 7


REVIEW = {"type": "performance_review", "occurred_on": "2025-01-10", "rating": 4}


class Overlap:
    """Stands in for the recording service: records how many calls overlap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.calls = 0

    def __call__(self, *_args: Any, **_kwargs: Any) -> Any:
        with self.lock:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self.lock:
            self.now -= 1
        raise events.ValidationFailed.one("type", "stand-in")


@pytest.fixture
def key(settings: Settings, database: Database) -> Iterator[str]:
    with database.transaction() as session:
        _, admin = create_organization(session, "Gate Org")
    yield admin


@pytest.mark.parametrize("slots", [1, 3])
def test_no_more_than_db_concurrency_routes_do_their_work_at_once(
    settings: Settings,
    database: Database,
    key: str,
    slots: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    overlap = Overlap()
    monkeypatch.setattr(events, "record_event", overlap)
    app = create_app(settings.model_copy(update={"db_concurrency": slots}))
    set_database(database)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = bearer(key)
            return await asyncio.gather(
                *(
                    client.post(f"/v1/employees/e{i}/events", headers=headers, json=REVIEW)
                    for i in range(8)
                )
            )

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [422] * 8
    assert all(r.json()["errors"][0]["message"] == "stand-in" for r in responses)
    assert overlap.calls == 8
    assert overlap.most == slots
