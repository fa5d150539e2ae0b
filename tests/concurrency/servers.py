"""Real service processes for the slow tests: uvicorn on a free loopback port, own database.

`launch(database_url)` starts `career-mobility serve` (the command line users run) with
`DATABASE_URL` in its environment, waits for `/healthz`, and stops it in the test's
teardown whatever the outcome: SIGTERM to the process group it leads, then SIGKILL. Every
wait polls against a deadline; nothing sleeps a fixed time hoping something happened.

`create_org` calls `career-mobility orgs create` and `keys create` with the same
environment and takes each key from the last line printed, as an operator would.

The fixtures are re-exported by the `conftest.py` of each folder that uses them; the shared
workload (two positions, hired people, `together` for a barrier-released burst) is at the end.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.factories import bearer, nurse_position
from tests.platform.liveserver import free_port, server_env, stop_group

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CLI = str(BIN / "career-mobility")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

_running: set[subprocess.Popen[bytes]] = set()


def _kill_leftovers() -> None:
    # Last resort if the interpreter exits with a server still up (teardown normally ran).
    for process in list(_running):
        _terminate(process, grace=1.0)


atexit.register(_kill_leftovers)


# A service or CLI call here logs warnings only, as plain lines.
QUIET = {"LOG_LEVEL": "WARNING", "LOG_FORMAT": "console"}


def cli(database_url: str, *args: str, cwd: Path | None = None) -> str:
    """Run `career-mobility ARGS` on the database and return the last line it printed."""
    done = subprocess.run(
        [CLI, *args],
        env=server_env(database_url, **QUIET),
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"career-mobility {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
        )
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Keys:
    """An organization made with the command line, its admin key and a write key."""

    name: str
    admin: str
    write: str

    def headers(self, scope: str = "admin") -> dict[str, str]:
        return bearer(getattr(self, scope))


def create_org(database_url: str, name: str) -> Keys:
    """`orgs create NAME` (its admin key), then `keys create --scopes read,write`."""
    admin = cli(database_url, "orgs", "create", name)
    write = cli(database_url, "keys", "create", "--org", name, "--scopes", "read,write")
    assert admin.startswith("cm_") and write.startswith("cm_") and admin != write
    return Keys(name=name, admin=admin, write=write)


def _terminate(process: subprocess.Popen[bytes], *, grace: float = STOP_TIMEOUT) -> None:
    """SIGTERM the process group the server leads, then SIGKILL it after `grace` seconds."""
    stop_group(process, grace)
    _running.discard(process)


@dataclass
class Server:
    """One `career-mobility serve` process on 127.0.0.1."""

    database_url: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    _log: Any = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, headers: Mapping[str, str] | None = None, **kw: Any) -> httpx.Client:
        """Return an HTTP client for this server (close it, or use it in a `with`)."""
        kw.setdefault("timeout", 60.0)
        return httpx.Client(base_url=self.url, headers=dict(headers or {}), **kw)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        _terminate(self.process)
        self._log.close()

    @classmethod
    def start(
        cls, database_url: str, *, log_dir: Path, env: Mapping[str, str] | None = None
    ) -> Server:
        """Start a server on a free port and wait until `/healthz` answers 200."""
        for _attempt in range(3):  # another process may take the free port before we bind
            port = free_port()
            log_path = log_dir / f"server-{port}.log"
            log = log_path.open("wb")
            process = subprocess.Popen(
                [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=server_env(database_url, **(QUIET | dict(env or {}))),
                cwd=log_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: we stop exactly it
            )
            _running.add(process)
            server = cls(database_url, port, log_path, process, log)
            try:
                if server._wait_healthy():
                    return server
            except BaseException:
                server.stop()
                raise
            server.stop()
            if "address already in use" not in server.log_tail().lower():
                raise RuntimeError(f"server did not start:\n{server.log_tail()}")
        raise RuntimeError("no free port could be bound after 3 attempts")

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"/healthz did not answer in {START_TIMEOUT}s:\n{self.log_tail()}")


Launcher = Callable[..., Server]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    """Start servers with `launch(database_url, **env)`; all are stopped at teardown."""
    started: list[Server] = []

    def start(database_url: str, **env: str) -> Server:
        server = Server.start(database_url, log_dir=tmp_path, env=env)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(started):
            server.stop()


POSTGRES_SKIP = (
    "needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/"
    "career_mobility_test (CI does)"
)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test only; dropped WITH (FORCE) after."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip(POSTGRES_SKIP)
    databases = request.getfixturevalue("postgres")
    name = databases.create()
    try:
        yield databases.url_of(name)
    finally:
        databases.drop(name)


@pytest.fixture
def store_url(store: str, request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database of the parametrized store (`sqlite` or `postgresql`)."""
    if store == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return str(request.getfixturevalue("database_url"))


def scalar(database_url: str, sql: str, **params: Any) -> Any:
    """Run one query directly on the database (not through the service) and return a value."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def rows(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run one query directly on the database and return its rows."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def with_host_port(database_url: str, host: str, port: int) -> str:
    """Return the URL pointed at another host and port (a proxy)."""
    return make_url(database_url).set(host=host, port=port).render_as_string(hide_password=False)


def wait_for(
    predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05
) -> float:
    """Poll `predicate` until it holds; return the seconds it took, fail after `timeout`."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def all_pages(
    client: httpx.Client, path: str, *, limit: int, **params: Any
) -> list[dict[str, Any]]:
    """Follow `next_cursor` through a list and return every item, checking each page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _page in range(100_000):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit, "only the last page may be short"
    raise AssertionError("pagination did not end")


# -- shared workload ---------------------------------------------------------------------

RN = nurse_position()
RN_MGR = {
    "code": "RN-MGR",
    "title": "Registered Nurse Manager",
    "family": "Nursing",
    "track": "management",
    "level": 4,
    "pay_band": {"currency": "USD", "min": "75000", "max": "95000"},
    "requirements": [{"kind": "certification", "name": "Nurse Executive (NE-BC)"}],
    "min_months_in_role": 18,
}


def together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(0..n-1)` on n threads released at the same instant; return the results."""
    barrier = threading.Barrier(n, timeout=60)

    def run(i: int) -> Any:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def seed(client: httpx.Client, employees: int, *, hired_on: str = "2020-01-06") -> dict[str, Any]:
    """Two positions and `employees` people hired as RNs; return their IDs."""
    rn = client.post("/v1/positions", json=RN)
    mgr = client.post("/v1/positions", json=RN_MGR)
    assert rn.status_code == mgr.status_code == 201, (rn.text, mgr.text)
    people = []
    for n in range(employees):
        person = client.post("/v1/employees", json={"external_id": f"E-{n}"})
        assert person.status_code == 201, person.text
        hire = client.post(
            f"/v1/employees/{person.json()['id']}/events",
            json={
                "type": "hire",
                "occurred_on": hired_on,
                "position_id": rn.json()["id"],
                "salary": {"amount": "65000.00", "currency": "USD"},
            },
        )
        assert hire.status_code == 201, hire.text
        people.append(person.json()["id"])
    return {"rn": rn.json()["id"], "mgr": mgr.json()["id"], "employees": people}
