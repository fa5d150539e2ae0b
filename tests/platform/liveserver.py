"""Start `career-mobility serve` as a real process on a free port, and always stop it.

`running_server` is a context manager: whatever happens inside it (a failed assertion, a
timeout, Ctrl-C), the server process and anything it started get SIGTERM, then SIGKILL
after a grace period. Tests use it through the fixtures in this folder's conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.factories import bearer

# Settings the caller's shell may carry that would change what a test sees.
_SCRUBBED_PREFIXES = ("DB_", "DATABASE_", "WEB_", "LOG_", "RETRY_", "MIGRATE_")
_SCRUBBED = ("CORS_ORIGINS", "PYTHONPATH")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    """Return an environment for the service: this one, less stray settings, plus these."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_SCRUBBED_PREFIXES) and k not in _SCRUBBED
    }
    env.update(
        DATABASE_URL=database_url,
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        WEB_CONCURRENCY="1",
    )
    env.update(settings)
    return env


def source_command() -> list[str]:
    """Return the command line of this checkout's `career-mobility`."""
    return [sys.executable, "-m", "app.cli"]


@dataclass
class LiveServer:
    """A running service: its address, its environment and its captured output."""

    base_url: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def client(self, key: str | None = None, **kwargs: object) -> httpx.Client:
        """Return an HTTP client for the server, sending `key` as a bearer token."""
        headers = bearer(key) if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `career-mobility ARGS` against the same database as the server."""
        result = subprocess.run(
            [*self.command, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"career-mobility {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def create_org(self, name: str) -> str:
        """Create an organization with the command line and return its admin key."""
        output = self.cli("orgs", "create", name).stdout.strip().splitlines()
        key = output[-1].strip()
        assert key.startswith("cm_"), output
        return key

    def log(self) -> str:
        """Return what the server has written to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def log_once(self, *needles: str, timeout: float = 15.0) -> str:
        """Return the log as soon as it holds every needle (an access line is written just
        after its response is sent, so a client can see the response first)."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log()
            if all(needle in log for needle in needles) or time.monotonic() > deadline:
                return log
            time.sleep(0.05)


def stop_group(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever is left of it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # Workers (when --workers > 1) share the group: make sure none outlives the test.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Poll /healthz until it answers 200; return False if the process died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return True
        time.sleep(0.1)
    raise TimeoutError(f"the server at {base_url} did not answer /healthz in {timeout:.0f}s")


@contextlib.contextmanager
def running_server(
    workdir: Path,
    env: Mapping[str, str],
    *,
    command: Sequence[str] | None = None,
    serve_args: Sequence[str] = (),
    startup_timeout: float = 90.0,
) -> Iterator[LiveServer]:
    """Run `COMMAND serve` on a free port of 127.0.0.1 until the block ends.

    `workdir` is the process's working directory (keep it outside the source tree so no
    `.env` or checkout leaks in) and holds its log, `server.log`.
    """
    command = list(command or source_command())
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server.log"
    for _attempt in range(3):  # another process may grab the free port before we bind it
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(port), *serve_args],
                env=dict(env),
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            if _wait_until_up(base_url, process, startup_timeout):
                yield LiveServer(base_url, command, dict(env), workdir, log_path, process)
                return
            if "address already in use" not in log_path.read_text(errors="replace").lower():
                raise RuntimeError(
                    f"the server exited with {process.returncode}:\n"
                    + log_path.read_text(errors="replace")[-4000:]
                )
        finally:
            stop_group(process)
    raise RuntimeError("no free port could be bound in three attempts")
