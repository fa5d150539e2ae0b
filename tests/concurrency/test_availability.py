"""No client and no tenant starves the others: real sockets, real concurrency, bounded time.

- Stalled uploads: clients that send half a body and stall hold no slot another request
  needs; each is answered 408 within `BODY_TIMEOUT_SECONDS` and its connection closed.
- Heavy reads: one tenant's many heavy reads wait in their own lane; another tenant's light
  requests keep answering while they run.
- A live request keeps its `Idempotency-Key`: a same-key retry after the claim's lease would
  have run out is a 409, and once the first finishes, its replay.

The first test drives `career-mobility serve` processes; the other two serve the app with
uvicorn in a thread of the test (its services replaced by slow stand-ins, which a separate
process could not take), on loopback sockets all the same.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from app.config import Settings, heavy_concurrency
from app.db import Database
from app.errors import NotFound
from app.main import create_app
from app.models import IdempotencyRecord, Position
from app.services import paths, positions
from tests.concurrency.servers import RN, Launcher, create_org, scalar, seed
from tests.platform.liveserver import free_port

pytestmark = pytest.mark.slow

STALLED = 20
BODY_TIMEOUT = 2.0


def _stall(port: int, key: str, path: str, content_type: str) -> socket.socket:
    """Open a connection that sends the headers and half the body, then nothing more."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: 400\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"code": "STALL", "title": ')
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Read until the server closes the connection; return what it sent."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    return received


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_stalled_bodies_hold_nothing_and_are_answered_408(store_url: str, launch: Launcher) -> None:
    server = launch(store_url, BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT))
    attacker = create_org(store_url, "Stalling Org")
    victim = create_org(store_url, "Victim Org")
    with server.client(victim.headers("write")) as client:
        person = seed(client, 1)["employees"][0]

    started = time.monotonic()
    stalled = [
        _stall(server.port, attacker.write, "/v1/positions", "application/json")
        for _ in range(STALLED)
    ] + [_stall(server.port, attacker.write, "/v1/imports", "application/x-ndjson")]
    # Every other request of every organization still answers, inside the 5 s that a full
    # database gate would make it wait before a 503 (the bound allows for a busy machine).
    with server.client(victim.headers("write")) as client:
        for _ in range(10):
            asked = time.monotonic()
            read = client.get(f"/v1/employees/{person}")
            assert read.status_code == 200, read.text
            assert time.monotonic() - asked < 4.0
        wrote = client.post("/v1/positions", json={**RN, "code": "RN-2"})
        assert wrote.status_code == 201, wrote.text

    with ThreadPoolExecutor(max_workers=len(stalled)) as pool:
        answers = list(pool.map(_answer, stalled))
    elapsed = time.monotonic() - started
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[0][:200]
    assert all(b"/problems/request-timeout" in a for a in answers)
    assert BODY_TIMEOUT <= elapsed < BODY_TIMEOUT + 8
    count = "SELECT count(*) FROM position WHERE code = 'STALL'"
    assert scalar(store_url, count) == 0


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on a loopback port, in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


class Overlap:
    """A slow stand-in for a service function: counts calls and how many overlapped."""

    def __init__(self, seconds: float, then: Callable[..., Any] | None = None) -> None:
        self.seconds = seconds
        self.then = then
        self.lock = threading.Lock()
        self.now = self.most = self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.seconds)
            if self.then is not None:
                return self.then(*args, **kwargs)
            raise NotFound("stand-in for a heavy read")
        finally:
            with self.lock:
                self.now -= 1


def test_one_tenants_heavy_reads_leave_room_for_everyone_elses_light_ones(
    settings: Settings,
    database: Database,
    make_org: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heavy = Overlap(1.0)
    monkeypatch.setattr(paths, "paths_from", heavy)
    app = create_app(settings.model_copy(update={"db_pool_timeout": 2.5}))
    big, small = make_org("Big Org"), make_org("Small Org")
    with serving(app) as url:
        with httpx.Client(base_url=url, headers=small.headers(), timeout=30) as client:
            person = client.post("/v1/employees", json={"external_id": "S-1"}).json()["id"]

        def heavy_read(_: int) -> httpx.Response:
            with httpx.Client(base_url=url, headers=big.headers("read"), timeout=30) as c:
                return c.get("/v1/mobility/paths", params={"from_position_id": "p"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            heavies = [pool.submit(heavy_read, i) for i in range(8)]
            time.sleep(0.3)  # the heavy reads are in: the lane is full, a queue behind it
            with httpx.Client(base_url=url, headers=small.headers("read"), timeout=30) as c:
                for _ in range(10):
                    asked = time.monotonic()
                    light = c.get(f"/v1/employees/{person}")
                    assert light.status_code == 200, light.text
                    # Below the 2.5 s a request starved of every place waits for its 503.
                    assert time.monotonic() - asked < 2.0
            answers = [f.result(timeout=30) for f in heavies]

    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {404, 503}, statuses
    assert 404 in statuses
    assert all(a.headers["retry-after"] for a in answers if a.status_code == 503)
    assert 1 <= heavy.most <= heavy_concurrency(settings)


def _claims(database: Database) -> list[IdempotencyRecord]:
    with database.transaction(write=False) as session:
        return list(session.scalars(select(IdempotencyRecord)))


def test_a_live_requests_claim_outlives_its_lease_and_a_retry_is_a_409(
    settings: Settings,
    database: Database,
    make_org: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lease = 0.6
    slow = Overlap(3 * lease * 2, then=positions.create_position)
    monkeypatch.setattr(positions, "create_position", slow)
    app = create_app(settings.model_copy(update={"idempotency_lease_seconds": lease}))
    org = make_org("Lease Org")
    headers = {**org.headers("write"), "Idempotency-Key": "slow-1"}
    with serving(app) as url, ThreadPoolExecutor(max_workers=1) as pool:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            first = pool.submit(client.post, "/v1/positions", json=RN)
            deadline = time.monotonic() + 10
            while not _claims(database):
                assert time.monotonic() < deadline, "the first request never claimed its key"
                time.sleep(0.02)
            time.sleep(2 * lease)  # without renewal the claim would have run out by now
            retry = client.post("/v1/positions", json=RN)
            assert not first.done()
            assert retry.status_code == 409, retry.text
            assert retry.json()["type"] == "/problems/idempotency-in-flight"
            done = first.result(timeout=30)
            again = client.post("/v1/positions", json=RN)

    assert done.status_code == 201, done.text
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == done.json()
    assert slow.calls == 1
    with database.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Position)) == 1


def test_a_claim_whose_lease_ran_out_is_taken_over(
    client: Any, database: Database, make_org: Callable[[str], Any]
) -> None:
    """A request whose process died stops renewing: once its lease ends, a retry runs."""
    org = make_org("Dead Worker Org")
    now = datetime.now(UTC)
    with database.transaction() as session:
        session.add(
            IdempotencyRecord(
                organization_id=org.id,
                method="POST",
                path="/v1/positions",
                key="dead-1",
                request_hash="whatever the dead request sent",
                state="in_flight",
                created_at=now - timedelta(minutes=5),
                expires_at=now - timedelta(seconds=1),
            )
        )
    headers = {**org.headers("write"), "Idempotency-Key": "dead-1"}

    taken = client.post("/v1/positions", json=RN, headers=headers)

    assert taken.status_code == 201, taken.text
    [record] = _claims(database)
    assert record.state == "done" and record.status_code == 201
