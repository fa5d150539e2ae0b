"""The ceiling: a bare FastAPI app whose one endpoint returns a small constant response model.

It runs under `career-mobility serve` itself, with only the application swapped: `main()`
calls the service's own command line and intercepts its `uvicorn.run(...)` call, so the
ceiling gets whatever server settings the service gets (one worker, no access log, proxy
headers, the same graceful shutdown), today and after anyone changes them.

The route is `async def`: the most FastAPI and uvicorn can do on this machine per request,
so a ratio to it says how much of the budget the service's own work (authentication, the
session, the queries, the thread-pool hop of its `def` routes, validation and
serialization, the access log) spends.

    python -m bench.ceiling --port 8100
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel


class Status(BaseModel):
    status: str
    version: int


CONSTANT = Status(status="ok", version=1)


def create_app() -> FastAPI:
    """Return the bare app."""
    app = FastAPI(title="ceiling")

    @app.get("/ceiling", response_model=Status)
    async def ceiling() -> Status:
        return CONSTANT

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the ceiling app like the service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)

    import uvicorn

    from app import cli

    real_run = uvicorn.run

    def run(_app: Any, **kwargs: Any) -> None:
        kwargs["factory"] = True
        real_run("bench.ceiling:create_app", **kwargs)

    uvicorn.run = run  # type: ignore[assignment]
    # The ceiling has no database: nothing to migrate.
    os.environ["MIGRATE_ON_START"] = "false"
    return cli.main(["serve", "--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    raise SystemExit(main())
