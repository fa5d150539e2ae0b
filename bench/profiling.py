"""Where a server's time goes under load: py-spy samples, grouped so a reader can act on them.

A separate pass from the measured runs (a sampler steals some CPU): py-spy records the
service for a few seconds while wrk loads one endpoint, sampling only the thread that holds
the GIL (`--gil`): one uvicorn worker runs Python on one core at a time, so the GIL is the
resource every request queues for, and a thread waiting for a lock, a socket or SQLite (which
releases the GIL) costs it nothing. The share of samples that found the GIL held says how
busy it was; the samples are folded two ways:

* by the layer the sampled frame belongs to (SQLAlchemy, the database driver, pydantic,
  FastAPI/Starlette, uvicorn and asyncio, the thread pool, logging, the service's own code);
* by the service functions on the stack (inclusive: `app/services/readiness.py:readiness`
  on 70% of the samples means 70% of the busy time is spent inside it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")
ROOT = Path(__file__).resolve().parents[1]
RATE = 200

# (layer, patterns matched against the sampled frame's file path), first match wins.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("database driver (sqlite3 / psycopg)", ("/sqlite3/", "/psycopg/", "/psycopg_pool/")),
    ("SQLAlchemy / SQLModel", ("/sqlalchemy/", "/sqlmodel/")),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("FastAPI / Starlette", ("/fastapi/", "/starlette/")),
    ("uvicorn / asyncio / HTTP", ("/uvicorn/", "/asyncio/", "/httptools/", "/uvloop/", "/h11/")),
    ("thread pool (anyio, threading)", ("/anyio/", "/threading.py", "/concurrent/")),
    ("logging and JSON", ("/logging/", "/json/")),
    ("prometheus_client", ("/prometheus_client/",)),
    ("app.domain (pure scoring)", ("/app/domain/",)),
    ("app (services, api, routing)", ("/app/",)),
]


def py_spy() -> str | None:
    """Return py-spy, or None when it is not installed."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@dataclass(frozen=True)
class Profile:
    samples: int
    layers: list[tuple[str, float]]
    functions: list[tuple[str, float]]
    gil_busy: float | None = None

    def summary(self, layers: int = 4, functions: int = 4) -> str:
        """Return a one-line reading: top layers by own time, top service functions."""
        if not self.samples:
            return "no samples"
        top = ", ".join(f"{name} {share:.0%}" for name, share in self.layers[:layers])
        fns = ", ".join(f"`{name}` {share:.0%}" for name, share in self.functions[:functions])
        busy = f"GIL held {self.gil_busy:.0%} of the time; " if self.gil_busy is not None else ""
        return f"{busy}own time: {top}; inside: {fns}"


def _layer(path: str) -> str:
    for name, patterns in LAYERS:
        if any(p in path for p in patterns):
            return name
    return "other (stdlib, interpreter)"


def _short(path: str) -> str:
    marker = path.find("/app/")
    return path[marker + 1 :] if marker >= 0 else Path(path).name


def fold(raw: str) -> Profile:
    """Return the profile of py-spy's raw (collapsed stack) output."""
    layers: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [m for f in stack.split(";") if (m := _FRAME.match(f.strip()))]
        if not frames:
            continue
        total += count
        layers[_layer(frames[-1].group("file"))] += count
        seen = set()
        for frame in frames:
            path = frame.group("file")
            if "/app/" in path and "/site-packages/" not in path:
                name = f"{_short(path)}:{frame.group('func')}"
                if name not in seen and not _wrapper(name):
                    seen.add(name)
                    functions[name] += count
    if not total:
        return Profile(0, [], [])
    by_layer = [(k, v / total) for k, v in layers.most_common()]
    by_function = [(k, v / total) for k, v in functions.most_common()]
    return Profile(total, by_layer, by_function)


def _wrapper(name: str) -> bool:
    """Return whether a service frame only wraps others (it would top every list)."""
    if name.startswith("app/cli.py:") or "Middleware.__call__" in name:
        return True
    if name.startswith("app/routing/") and name.endswith(
        (".handler", ".run", ".work", ":_through")
    ):
        return True
    # Routes are one call to a service function: name the service function instead.
    return name.startswith("app/api/") and not name.startswith("app/api/presenters.py")


def record(pid: int, seconds: int, out: Path) -> Profile | str:
    """Sample a process for some seconds; return its profile, or why there is none."""
    exe = py_spy()
    if exe is None:
        return "py-spy is not installed (pip install py-spy)"
    command = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        str(RATE),
        "--format",
        "raw",
        "--full-filenames",
        "--nonblocking",
        "--gil",
        "--output",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0 or not out.exists():
        return f"py-spy failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    profile = fold(out.read_text(errors="replace"))
    possible = RATE * seconds
    return Profile(
        profile.samples, profile.layers, profile.functions, min(profile.samples / possible, 1.0)
    )
