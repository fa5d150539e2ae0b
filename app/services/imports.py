"""Bulk import of career events from NDJSON, committed in batches.

Each line names its person by `employee_external_id` (created on first sight) and its
position by `position_code`. A bad line is reported and skipped; the good ones land. Every
event carries a dedupe key (the line's `event_key`, or a hash of its content), so importing
the same file twice adds nothing the second time. Memory stays flat: only the current batch
and the id caches are held.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.db import Database
from app.errors import ApiError, ValidationFailed
from app.models import CareerEvent, Employee, Position
from app.schemas.employees import EmployeeCreate
from app.schemas.events import EventCreate
from app.schemas.imports import ImportLine
from app.services.employees import create_employee
from app.services.events import record_event

BATCH_SIZE = 500
MAX_LISTED_ERRORS = 1000


@dataclass
class ImportReport:
    lines: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, field_name: str, message: str) -> None:
        """Count a rejected line, listing it while the list is short."""
        self.rejected += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"line": line, "field": field_name, "message": message})


def content_key(payload: dict[str, Any]) -> str:
    """Return the dedupe key of a line without its own `event_key`: a hash of its content."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:56]


class Importer:
    """Feeds lines in, commits a batch at a time, and keeps the running report."""

    def __init__(self, database: Database, organization_id: str, *, batch_size: int = BATCH_SIZE):
        self.database = database
        self.organization_id = organization_id
        self.batch_size = batch_size
        self.report = ImportReport()
        self._batch: list[tuple[int, str]] = []
        self._employees: dict[str, str] = {}
        self._positions: dict[str, str] = {}

    def feed(self, line_number: int, text: str) -> None:
        """Queue one line; commit the batch when it is full."""
        if not text.strip():
            return
        self.report.lines += 1
        self._batch.append((line_number, text))
        if len(self._batch) >= self.batch_size:
            self.flush()

    def feed_all(self, lines: Iterable[str]) -> ImportReport:
        """Import every line of an iterable and return the report."""
        for number, text in enumerate(lines, start=1):
            self.feed(number, text)
        self.flush()
        return self.report

    def flush(self) -> None:
        """Commit the queued lines in one transaction; a bad line rolls back only itself."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        # People created by this batch; a line that rolls back forgets its own.
        created: list[tuple[str, str]] = []
        with self.database.transaction() as session:
            for number, text in batch:
                self._one(session, number, text, created)

    def _one(
        self, session: Session, number: int, text: str, created: list[tuple[str, str]]
    ) -> None:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            self.report.reject(number, "line", f"not valid JSON: {exc}")
            return
        if not isinstance(raw, dict):
            self.report.reject(number, "line", "each line must be a JSON object")
            return
        try:
            line = ImportLine.model_validate(raw)
        except ValidationError as exc:
            details = exc.errors()[0]
            where = ".".join(str(p) for p in details["loc"]) or "line"
            self.report.reject(number, where, details["msg"])
            return
        payload = {k: v for k, v in raw.items() if k != "event_key"}
        key = line.event_key or content_key(payload)
        savepoint = session.begin_nested()
        new_people = len(created)
        try:
            position_id = self._position(session, line)
            employee_id = self._employee(session, line, created)
            if self._seen(session, employee_id, key):
                savepoint.commit()
                self.report.duplicates += 1
                return
            event = EventCreate(
                type=line.type,
                occurred_on=line.occurred_on,
                position_id=position_id,
                salary=line.salary,
                rating=line.rating,
                name=line.name,
                description=line.description,
            )
            record_event(session, self.organization_id, employee_id, event, event_key=key)
            savepoint.commit()
            self.report.created += 1
        except ValidationFailed as exc:
            savepoint.rollback()
            self._forget(created, new_people)
            problem = (exc.errors or [{"field": "line", "message": exc.detail}])[0]
            name = "position_code" if problem["field"] == "position_id" else problem["field"]
            self.report.reject(number, name, problem["message"])
        except ApiError as exc:
            savepoint.rollback()
            self._forget(created, new_people)
            self.report.reject(number, "line", exc.detail)

    def _forget(self, created: list[tuple[str, str]], keep: int) -> None:
        """Drop the people a rolled-back line created from the caches."""
        for external_id, _ in created[keep:]:
            self._employees.pop(external_id, None)
        del created[keep:]

    def _employee(self, session: Session, line: ImportLine, created: list[tuple[str, str]]) -> str:
        external_id = line.employee_external_id
        cached = self._employees.get(external_id)
        if cached is not None:
            return cached
        found = session.execute(
            select(Employee.id).where(
                Employee.organization_id == self.organization_id,
                Employee.external_id == external_id,
            )
        ).scalar_one_or_none()
        if found is not None:
            self._employees[external_id] = found
            return str(found)
        employee = create_employee(
            session,
            self.organization_id,
            EmployeeCreate(external_id=external_id, display_name=line.employee_display_name),
        )
        self._employees[external_id] = employee.id
        created.append((external_id, employee.id))
        return employee.id

    def _position(self, session: Session, line: ImportLine) -> str | None:
        code = line.position_code
        if code is None:
            return None
        cached = self._positions.get(code)
        if cached is not None:
            return cached
        found = session.execute(
            select(Position.id).where(
                Position.organization_id == self.organization_id, Position.code == code
            )
        ).scalar_one_or_none()
        if found is None:
            raise ValidationFailed.one("position_code", f"no position with code {code!r}")
        self._positions[code] = found
        return str(found)

    def _seen(self, session: Session, employee_id: str, key: str) -> bool:
        return (
            session.execute(
                select(CareerEvent.id).where(
                    CareerEvent.organization_id == self.organization_id,
                    CareerEvent.employee_id == employee_id,
                    CareerEvent.event_key == key,
                )
            ).first()
            is not None
        )
