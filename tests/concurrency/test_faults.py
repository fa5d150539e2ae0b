"""Database faults against a real server: a TCP proxy between the service and PostgreSQL.

The service knows only the proxy's address. The test cuts the database off by stopping the
proxy (every connection closed, new ones refused), by turning it into a black hole (new
connections accepted and never answered) or by freezing it (every connection left open,
nothing answered, as a hung server or middlebox does), and then brings it back. Each
request is timed: while the database is gone every answer is a 503 problem+json with
`Retry-After`, within the bound the settings promise, `/readyz` says 503, and the same
process serves again once the database is back, without a restart.

The bounds, from app/config.py and app/db.py: a request waits at most DB_POOL_TIMEOUT for
a free connection, at most DB_CONNECT_TIMEOUT for the database to accept one (a refused
connection fails at once), and at most DB_STATEMENT_TIMEOUT_MS + DB_CONNECT_TIMEOUT for a
server to answer on an open connection: a live server answers by the statement timeout.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import Database, answer_timeout
from tests.concurrency.servers import (
    RN,
    Launcher,
    Server,
    create_org,
    scalar,
    seed,
    together,
    wait_for,
    with_host_port,
)
from tests.concurrency.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"
RETRY_AFTER = 7  # not the default, so the header is seen to come from the setting
RECOVERY_TIMEOUT = 30.0


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    url = make_url(postgres_url)
    tcp = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    tcp.start()
    try:
        yield tcp
    finally:
        tcp.stop()


def timed(client: httpx.Client, method: str, path: str, **kw: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.request(method, path, **kw)
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == str(RETRY_AFTER)
    body = response.json()
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == 503
    assert set(body) <= {"type", "title", "status", "detail", "instance"}
    assert "Traceback" not in response.text and "psycopg" not in response.text


def all_unavailable(
    client: httpx.Client, calls: list[tuple[str, str, dict[str, Any]]]
) -> list[float]:
    """Send every call at once; assert each is an outage's 503; return how long each took."""
    answers = together(len(calls), lambda i: timed(client, calls[i][0], calls[i][1], **calls[i][2]))
    for response, _ in answers:
        assert_unavailable(response)
    return [seconds for _, seconds in answers]


def ready_again(client: httpx.Client, after: str) -> float:
    """Wait for /readyz to answer 200 again; return how long it took."""
    return wait_for(
        lambda: client.get("/readyz").status_code == 200,
        timeout=RECOVERY_TIMEOUT,
        what=f"/readyz to turn 200 after {after}",
    )


def behind(launch: Launcher, postgres_url: str, proxy: TcpProxy, **settings: str) -> Server:
    """Launch a service that reaches the database through the proxy only."""
    proxied = with_host_port(postgres_url, "127.0.0.1", proxy.port)
    return launch(proxied, RETRY_AFTER_SECONDS=str(RETRY_AFTER), **settings)


def outage_requests(people: list[str], position: str) -> list[tuple[str, str, dict[str, Any]]]:
    """One of each kind of call: reads, a computed score, writes with and without a key."""
    person = people[0]
    event = {"type": "skill_acquired", "occurred_on": "2024-02-01", "name": "Triage"}
    return [
        ("GET", f"/v1/employees/{person}", {}),
        ("GET", f"/v1/employees/{person}/events", {}),
        ("GET", f"/v1/employees/{person}/readiness", {"params": {"as_of": "2024-06-30"}}),
        ("GET", "/v1/positions", {}),
        ("GET", f"/v1/comparisons?from_position_id={position}&to_position_id={position}", {}),
        ("POST", f"/v1/employees/{person}/events", {"json": event}),
        ("PATCH", f"/v1/positions/{position}", {"json": {"title": "RN II"}}),
        ("POST", "/v1/employees", {"json": {"external_id": "E-new"}}),
    ]


def test_cut_database_means_fast_503s_and_the_service_recovers_by_itself(
    postgres_url: str, proxy: TcpProxy, launch: Launcher
) -> None:
    server = behind(launch, postgres_url, proxy)
    keys = create_org(postgres_url, "Outage Health")
    client = server.client(keys.headers("admin"), timeout=60)
    try:
        ids = seed(client, 2)
        position, people = ids["rn"], ids["employees"]
        before = client.get(f"/v1/employees/{people[0]}").json()
        # Fill the pool with connections, which the cut will kill.
        warm = together(12, lambda i: timed(client, "GET", f"/v1/employees/{people[i % 2]}"))
        assert {r.status_code for r, _ in warm} == {200}
        assert client.get("/readyz").status_code == 200
        pid = server.process.pid

        proxy.stop()

        durations = all_unavailable(client, outage_requests(people, position) * 2)
        slowest = max(durations)
        # Refused connections fail at once: far below DB_CONNECT_TIMEOUT (3 s).
        assert slowest < 2.0, f"a request took {slowest:.2f}s to fail while the database was cut"
        print(f"cut database: slowest of {len(durations)} concurrent 503s took {slowest:.3f}s")
        keyed, seconds = timed(
            client,
            "POST",
            f"/v1/employees/{people[1]}/events",
            json={"type": "initiative", "occurred_on": "2024-03-01", "name": "Float pool"},
            headers={"Idempotency-Key": "during-outage"},
        )
        assert_unavailable(keyed)
        assert seconds < 2.0
        ready, seconds = timed(client, "GET", "/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert ready.json()["database"] == "unreachable"
        assert ready.headers["retry-after"] == str(RETRY_AFTER)
        assert seconds < 2.0
        assert client.get("/healthz").status_code == 200  # alive, just not ready

        proxy.start()

        waited = ready_again(client, "the database came back")
        assert server.process.poll() is None and server.process.pid == pid, "no restart"
        print(f"cut database: /readyz was 200 again {waited:.2f}s after the database came back")
        assert waited < RECOVERY_TIMEOUT
        assert client.get(f"/v1/employees/{people[0]}").json() == before
        # The 503 was not stored for the key: the retry runs for real, then replays.
        retried = client.post(
            f"/v1/employees/{people[1]}/events",
            json={"type": "initiative", "occurred_on": "2024-03-01", "name": "Float pool"},
            headers={"Idempotency-Key": "during-outage"},
        )
        assert retried.status_code == 201, retried.text
        assert "idempotent-replayed" not in retried.headers
        replayed = client.post(
            f"/v1/employees/{people[1]}/events",
            json={"type": "initiative", "occurred_on": "2024-03-01", "name": "Float pool"},
            headers={"Idempotency-Key": "during-outage"},
        )
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.content == retried.content
    finally:
        client.close()
    # Nothing the outage refused was written: two hires and the one retried event.
    assert scalar(postgres_url, "SELECT count(*) FROM career_event") == 3
    assert scalar(postgres_url, "SELECT count(*) FROM employee") == 2
    assert scalar(postgres_url, "SELECT title FROM position WHERE code = 'RN'") == RN["title"]


def test_cut_under_write_load_loses_no_acknowledged_write(
    postgres_url: str, proxy: TcpProxy, launch: Launcher
) -> None:
    server = behind(launch, postgres_url, proxy)
    keys = create_org(postgres_url, "Load Health")
    with server.client(keys.headers("admin")) as admin:
        people = seed(admin, 4)["employees"]
    writers = 4
    phase = ["before"]
    seen: list[list[tuple[str, int, float]]] = [[] for _ in range(writers)]
    stop = threading.Event()
    problems: list[str] = []

    def write(w: int) -> None:
        with server.client(keys.headers("write"), timeout=60) as client:
            for i in range(5000):  # bounded even if the test's own deadline were missed
                if stop.is_set():
                    return
                body = {
                    "type": "training_completed",
                    "occurred_on": "2024-01-02",
                    "name": f"{w}-{i}",
                }
                mark = phase[0]
                response, seconds = timed(
                    client, "POST", f"/v1/employees/{people[w]}/events", json=body
                )
                seen[w].append((mark, response.status_code, seconds))
                if response.status_code == 503:
                    try:
                        assert_unavailable(response)
                    except AssertionError as exc:
                        problems.append(str(exc))

    threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in range(writers)]
    for thread in threads:
        thread.start()
    try:

        def count(w: int, mark: str, status: int) -> int:
            return sum(1 for m, s, _ in list(seen[w]) if m == mark and s == status)

        wait_for(
            lambda: all(count(w, "before", 201) >= 5 for w in range(writers)),
            timeout=60,
            what="writes before the cut",
        )
        phase[0] = "cut"
        proxy.stop()
        wait_for(
            lambda: all(count(w, "cut", 503) >= 3 for w in range(writers)),
            timeout=30,
            what="every writer to see the outage",
        )
        phase[0] = "back"
        proxy.start()
        wait_for(
            lambda: all(count(w, "back", 201) >= 5 for w in range(writers)),
            timeout=RECOVERY_TIMEOUT,
            what="every writer to write again",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not problems, problems[:3]
    outcomes = [entry for per_writer in seen for entry in per_writer]
    assert {status for _, status, _ in outcomes} <= {201, 503}
    slowest_503 = max(seconds for _, status, seconds in outcomes if status == 503)
    assert slowest_503 < 2.0, f"a write took {slowest_503:.2f}s to fail"
    print(f"cut under load: {len(outcomes)} writes, slowest 503 took {slowest_503:.3f}s")
    acknowledged = sum(1 for _, status, _ in outcomes if status == 201)
    stored = scalar(
        postgres_url, "SELECT count(*) FROM career_event WHERE type = 'training_completed'"
    )
    # Every 201 is stored. A write whose COMMIT reached the server just as the proxy cut the
    # line may be stored with a 503 (the client cannot know; an Idempotency-Key settles it):
    # at most one per writer, since each has one request in flight.
    assert acknowledged <= stored <= acknowledged + writers


def test_database_that_never_answers_fails_within_connect_and_pool_timeouts(
    postgres_url: str, proxy: TcpProxy, launch: Launcher
) -> None:
    connect_timeout, pool_timeout = 2, 3  # psycopg treats a connect_timeout under 2 as 2
    bound = pool_timeout + connect_timeout
    server = behind(
        launch,
        postgres_url,
        proxy,
        DB_CONNECT_TIMEOUT=str(connect_timeout),
        DB_POOL_TIMEOUT=str(pool_timeout),
    )
    keys = create_org(postgres_url, "Silent Health")
    client = server.client(keys.headers("admin"), timeout=60)
    try:
        ids = seed(client, 2)
        calls = outage_requests(ids["employees"], ids["rn"]) * 4  # 32: more than the pool

        proxy.blackhole()

        durations = all_unavailable(client, calls)
        fastest, slowest = min(durations), max(durations)
        # Each waited for the connect timeout (or for its turn, then gave up), never longer.
        assert fastest > connect_timeout - 0.5, fastest
        assert slowest < bound + 1.5, f"a request took {slowest:.2f}s; the bound is {bound}s"
        print(f"silent database: 503s after {fastest:.2f}s to {slowest:.2f}s (bound {bound}s)")
        ready, seconds = timed(client, "GET", "/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"
        assert seconds < connect_timeout + 1.5

        proxy.resume()

        ready_again(client, "the database answered again")
        person = client.get(f"/v1/employees/{ids['employees'][0]}")
        assert person.status_code == 200
        assert person.json()["status"] == "active"
    finally:
        client.close()


def test_server_that_hangs_with_connections_open_fails_within_the_answer_bound(
    postgres_url: str, proxy: TcpProxy, launch: Launcher
) -> None:
    statement_ms, connect_timeout, pool_timeout = 2000, 2, 3
    answer = statement_ms / 1000 + connect_timeout  # a live server answers by then
    server = behind(
        launch,
        postgres_url,
        proxy,
        DB_STATEMENT_TIMEOUT_MS=str(statement_ms),
        DB_CONNECT_TIMEOUT=str(connect_timeout),
        DB_POOL_TIMEOUT=str(pool_timeout),
    )
    keys = create_org(postgres_url, "Hung Health")
    client = server.client(keys.headers("admin"), timeout=60)
    try:
        ids = seed(client, 2)
        # Open connections in the pool, which the freeze leaves open and silent.
        warm = together(8, lambda i: client.get(f"/v1/employees/{ids['employees'][i % 2]}"))
        assert {r.status_code for r in warm} == {200}
        calls = outage_requests(ids["employees"], ids["rn"]) * 2

        proxy.freeze()

        slowest = max(all_unavailable(client, calls))
        # The ping on a pooled connection gives up after `answer`, the new connection after
        # the connect timeout; a request still waiting for a turn gives up after the pool's.
        bound = answer + connect_timeout
        assert slowest < bound + 1.5, f"a request took {slowest:.2f}s; the bound is {bound}s"
        print(f"frozen server: slowest 503 after {slowest:.2f}s (bound {bound}s)")

        proxy.resume()

        ready_again(client, "the server answered again")
        written = client.post(
            f"/v1/employees/{ids['employees'][0]}/events",
            json={"type": "skill_acquired", "occurred_on": "2024-02-01", "name": "Triage"},
        )
        assert written.status_code == 201, written.text
    finally:
        client.close()
    assert scalar(postgres_url, "SELECT count(*) FROM career_event") == 3


def test_postgres_connections_carry_every_timeout(postgres_url: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        database_url=postgres_url,
        db_statement_timeout_ms=4321,
        db_connect_timeout=3,
        db_tcp_user_timeout_ms=6789,
        _env_file=None,
    )
    assert answer_timeout(settings) == 4.321 + 3
    database = Database.from_settings(settings)
    try:
        with database.writer.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "4321ms"
            raw: Any = conn.connection.dbapi_connection
            assert raw.answer_timeout == 4.321 + 3
            sock = socket.socket(fileno=os.dup(raw.pgconn.socket))
            try:
                # TCP_USER_TIMEOUT: sent data unacknowledged this long drops the connection.
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 6789
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
            finally:
                sock.close()  # our duplicate only
    finally:
        database.dispose()
