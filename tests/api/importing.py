"""Builders and readers shared by the import tests (HTTP, command line, dry run, and the
writer's equivalence test): an import line, an NDJSON body or file of lines, posting it,
and how many people and events the whole store holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent, Employee

NDJSON = {"Content-Type": "application/x-ndjson"}


def line(external_id: str, kind: str, day: str, **fields: Any) -> dict[str, Any]:
    """Return one import line: the person, the event's type and day, and its other fields."""
    return {"employee_external_id": external_id, "type": kind, "occurred_on": day, **fields}


def ndjson(*lines: dict[str, Any] | str) -> bytes:
    """Return an NDJSON body: dicts are dumped, strings are sent as they are."""
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
    return (text + "\n").encode()


def write_file(tmp_path: Path, body: bytes, name: str = "events.ndjson") -> str:
    """Write an import file and return its path."""
    path = tmp_path / name
    path.write_bytes(body)
    return str(path)


def post_import(client: TestClient, body: Any, **headers: str) -> Any:
    """Send a body (bytes or an iterator of chunks) to `POST /v1/imports`."""
    return client.post("/v1/imports", content=body, headers={**NDJSON, **headers})


def import_ok(client: TestClient, body: Any, **headers: str) -> dict[str, Any]:
    """Import a body, assert a JSON 200, and return the report."""
    response = post_import(client, body, **headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return dict(response.json())


def stored_counts(database: Database) -> tuple[int, int]:
    """Return (employees, events) in the whole database."""
    with database.transaction(write=False) as session:
        employees = session.exec(select(func.count()).select_from(Employee)).one()
        events = session.exec(select(func.count()).select_from(CareerEvent)).one()
    return int(employees), int(events)
