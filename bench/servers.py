"""Start and stop the servers under test, each as its own process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def career_mobility() -> str:
    """Return the `career-mobility` command of the interpreter running the benchmark."""
    beside = Path(sys.executable).with_name("career-mobility")
    return str(beside) if beside.exists() else "career-mobility"


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]
    log_path: Path
    probe: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 120) -> Server:
        """Return the server once its probe path answers 200; raise if it never does."""
        _wait_until_up(self, self.probe, timeout)
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and close its log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                # uvicorn waits up to 10 s for requests in flight; a stalled run's requests
                # would hold the benchmark that long for nothing.
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _wait_until_up(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            server.log.flush()
            tail = server.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f} s")


def _launch(
    name: str, command: list[str], env: dict[str, str], workdir: Path, probe: str
) -> Server:
    port = free_port()
    log_path = workdir / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [*command, "--host", HOST, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    return Server(name, process, port, log, log_path, probe)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DB_"))}
    # As the Dockerfile sets them: JSON logs, one worker.
    env.update({"LOG_FORMAT": "json", "WEB_CONCURRENCY": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start_service(name: str, database_url: str, workdir: Path) -> Server:
    """Start `career-mobility serve` (as the Dockerfile does, on loopback) on the database."""
    return _launch(
        name,
        [career_mobility(), "serve"],
        child_env(DATABASE_URL=database_url),
        workdir,
        "/healthz",
    ).wait_ready()


def launch_ceiling(workdir: Path) -> Server:
    """Launch the bare FastAPI app under the same server settings (call `wait_ready`)."""
    return _launch(
        "ceiling", [sys.executable, "-m", "bench.ceiling"], child_env(), workdir, "/ceiling"
    )
