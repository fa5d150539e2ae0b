"""Semaphores that bound how many requests do a kind of work at once in one process.

Each gate is per event loop (tests and servers run several loops in one process) and sized
on first use in that loop. A request waits for its turn holding neither a thread nor a
connection; a wait is bounded by a deadline and ends in a 503 with `Retry-After`.

- `database_gate`: requests using the database at once, fewer than the thread pool has
  threads (a request holding a database lock still needs a thread to commit).
- `work_gate`: routes running their database work at once (`DB_CONCURRENCY`): more at once
  only pass the GIL around.
- `heavy_lane`: heavy reads (paths, slates, reports) at once (`HEAVY_CONCURRENCY`), fewer
  than the work gate, so they can never hold every place light requests need.
- `upload_lane`: streamed uploads (imports) at once; they never hold the database gate
  while their body arrives.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from anyio import to_thread

from app.config import Settings, heavy_concurrency, work_concurrency
from app.errors import ServiceUnavailable

# Threads of the pool that requests inside the database gate may not take all of:
# /healthz, /metrics and /readyz run outside it.
RESERVED_THREADS = 2
UPLOADS = 4


class LoopGates:
    """One semaphore per event loop, sized on first use in that loop."""

    def __init__(self, size: Callable[[], int]) -> None:
        self._size = size
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._gates = weakref.WeakKeyDictionary()

    def get(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self._size())
        return gate


def _threads_less_reserve() -> int:
    threads = int(to_thread.current_default_thread_limiter().total_tokens)
    return max(1, threads - RESERVED_THREADS)


_database = LoopGates(_threads_less_reserve)
_uploads = LoopGates(lambda: UPLOADS)
_work: dict[int, LoopGates] = {}
_heavy: dict[int, LoopGates] = {}


def database_gate() -> asyncio.Semaphore:
    """Return the event loop's gate bounding the requests that use the database at once."""
    return _database.get()


def work_gate(settings: Settings) -> asyncio.Semaphore:
    """Return the event loop's gate bounding routes doing their database work at once."""
    size = work_concurrency(settings)
    return _work.setdefault(size, LoopGates(lambda: size)).get()


def heavy_lane(settings: Settings) -> asyncio.Semaphore:
    """Return the event loop's lane bounding the heavy reads running at once."""
    size = heavy_concurrency(settings)
    return _heavy.setdefault(size, LoopGates(lambda: size)).get()


def upload_lane() -> asyncio.Semaphore:
    """Return the event loop's lane bounding the streamed uploads running at once."""
    return _uploads.get()


async def enter(gate: asyncio.Semaphore, timeout: float) -> bool:
    """Take a place at the gate; False when none frees up within `timeout` seconds.
    (`wait_for` costs a task per call: it is only paid when there is a queue.)"""
    if not gate.locked():
        await gate.acquire()
        return True
    try:
        await asyncio.wait_for(gate.acquire(), timeout=max(0.0, timeout))
    except TimeoutError:
        return False
    return True


async def take_turn(gate: asyncio.Semaphore, deadline: float, settings: Settings) -> None:
    """Take a place at the gate before the loop's clock reaches `deadline`; 503 otherwise."""
    if not await enter(gate, deadline - asyncio.get_running_loop().time()):
        raise ServiceUnavailable(
            "The service is busy; retry shortly.",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
