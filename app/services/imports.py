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
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import Database
from app.domain.history import STATE_TYPES, EventFacts, replay
from app.models import CareerEvent, Employee, Position, utcnow
from app.schemas.events import EventCreate
from app.schemas.imports import ImportLine
from app.services import history
from app.services.events import event_row, facts_of, history_problems, shape_errors

BATCH_SIZE = 1000
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


@dataclass
class _Line:
    number: int
    line: ImportLine
    key: str


class Importer:
    """Feeds lines in, commits a batch at a time, and keeps the running report.

    A batch costs a handful of queries whatever its size: the people and dedupe keys it
    names are read at once, history is checked in memory against the people's state
    events, and the new events go in with one multi-row insert.
    """

    def __init__(self, database: Database, organization_id: str, *, batch_size: int = BATCH_SIZE):
        self.database = database
        self.organization_id = organization_id
        self.batch_size = batch_size
        self.report = ImportReport()
        self._batch: list[tuple[int, str]] = []
        self._positions: dict[str, tuple[str, int]] | None = None

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
        """Commit the queued lines in one transaction; a bad line is reported and skipped."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        listed = len(self.report.errors)
        parsed = [p for p in (self._parse(n, t) for n, t in batch) if p is not None]
        if parsed:
            self._write_with_retry(parsed)
        # Parse errors are found before history errors; report the batch in line order.
        self.report.errors[listed:] = sorted(self.report.errors[listed:], key=lambda e: e["line"])

    def _write_with_retry(self, parsed: list[_Line]) -> None:
        """Write a batch; if a concurrent import created one of its people first (a unique
        violation on PostgreSQL), roll back, forget what the attempt counted, and redo it
        against the people as they now are."""
        report = self.report
        for attempt in range(3):
            counted = (report.created, report.duplicates, report.rejected, len(report.errors))
            try:
                with self.database.transaction() as session:
                    self._write(session, parsed)
                return
            except IntegrityError:
                report.created, report.duplicates, report.rejected = counted[:3]
                del report.errors[counted[3] :]
                if attempt == 2:
                    raise

    def _parse(self, number: int, text: str) -> _Line | None:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            self.report.reject(number, "line", f"not valid JSON: {exc}")
            return None
        if not isinstance(raw, dict):
            self.report.reject(number, "line", "each line must be a JSON object")
            return None
        try:
            line = ImportLine.model_validate(raw)
        except ValidationError as exc:
            details = exc.errors()[0]
            where = ".".join(str(p) for p in details["loc"]) or "line"
            self.report.reject(number, where, details["msg"])
            return None
        key = line.event_key or content_key({k: v for k, v in raw.items() if k != "event_key"})
        return _Line(number, line, key)

    def _positions_by_code(self, session: Session) -> dict[str, tuple[str, int]]:
        if self._positions is None:
            rows = session.execute(
                select(Position.code, Position.id, Position.level).where(
                    Position.organization_id == self.organization_id
                )
            ).all()
            self._positions = {code: (pid, level) for code, pid, level in rows}
        return self._positions

    def _write(self, session: Session, lines: list[_Line]) -> None:
        org = self.organization_id
        positions = self._positions_by_code(session)
        level_of = dict(positions.values())
        names = sorted({item.line.employee_external_id for item in lines})
        # Locking the people (PostgreSQL) keeps a concurrent writer from numbering or
        # validating against the same histories at the same time.
        people = {
            e.external_id: e
            for e in session.execute(
                select(Employee)
                .where(Employee.organization_id == org, Employee.external_id.in_(names))
                .with_for_update()
            ).scalars()
        }
        known_ids = [e.id for e in people.values()]
        seen_keys = {
            (employee_id, key)
            for employee_id, key in session.execute(
                select(CareerEvent.employee_id, CareerEvent.event_key).where(
                    CareerEvent.organization_id == org,
                    CareerEvent.employee_id.in_(known_ids),
                    CareerEvent.event_key.in_(sorted({item.key for item in lines})),
                )
            ).all()
        }
        histories: dict[str, list[EventFacts]] = {e: [] for e in known_ids}
        movers = {
            people[item.line.employee_external_id].id
            for item in lines
            if item.line.type in STATE_TYPES and item.line.employee_external_id in people
        }
        for employee_id, *fields in session.execute(
            select(
                CareerEvent.employee_id,
                CareerEvent.id,
                CareerEvent.type,
                CareerEvent.occurred_on,
                CareerEvent.seq,
                CareerEvent.position_id,
                CareerEvent.salary_cents,
                CareerEvent.salary_currency,
            ).where(
                CareerEvent.organization_id == org,
                CareerEvent.employee_id.in_(sorted(movers)),
                CareerEvent.voided_at.is_(None),
                CareerEvent.type.in_([t.value for t in STATE_TYPES]),
            )
        ).all():
            histories[employee_id].append(history.to_facts(*fields))
        latest = {e: max((f.occurred_on for f in fs), default=None) for e, fs in histories.items()}

        created_people: list[Employee] = []
        rows: list[dict[str, Any]] = []
        backfilled: set[str] = set()
        for item in lines:
            line = item.line
            position_id = None
            if line.position_code is not None:
                found = positions.get(line.position_code)
                if found is None:
                    self.report.reject(
                        item.number,
                        "position_code",
                        f"no position with code {line.position_code!r}",
                    )
                    continue
                position_id = found[0]
            data = EventCreate(
                type=line.type,
                occurred_on=line.occurred_on,
                position_id=position_id,
                salary=line.salary,
                rating=line.rating,
                name=line.name,
                description=line.description,
            )
            if self._rejected(item.number, shape_errors(data)):
                continue
            person = people.get(line.employee_external_id)
            if person is not None and (person.id, item.key) in seen_keys:
                self.report.duplicates += 1
                continue
            employee_id = person.id if person is not None else str(uuid.uuid4())
            seq = (person.event_seq if person is not None else 0) + 1
            event = event_row(org, employee_id, data, seq=seq, event_key=item.key)
            if line.type in STATE_TYPES:
                facts = facts_of(event)
                existing = histories.setdefault(employee_id, [])
                if self._rejected(item.number, history_problems(facts, existing, level_of)):
                    continue
                last = latest.get(employee_id)
                if last is not None and facts.occurred_on < last:
                    backfilled.add(employee_id)
                existing.append(facts)
                latest[employee_id] = max(last or facts.occurred_on, facts.occurred_on)
            if person is None:
                now = utcnow()
                person = Employee(
                    organization_id=org,
                    id=employee_id,
                    external_id=line.employee_external_id,
                    display_name=line.employee_display_name,
                    created_at=now,
                    updated_at=now,
                    event_seq=0,
                )
                people[person.external_id] = person
                created_people.append(person)
            person.event_seq = seq
            seen_keys.add((employee_id, item.key))
            rows.append(event)
            self.report.created += 1

        if created_people:
            session.add_all(created_people)
            session.flush()
        if rows:
            self._classify_new(rows, histories, level_of)
            # Core executemany: the ORM's bulk insert would split rows by which columns are
            # null, into dozens of statements a batch.
            session.connection().execute(insert(CareerEvent.__table__), rows)
            # The people's new `event_seq` values flush with the session (they are loaded).
            for employee_id in backfilled:
                history.store_classifications(session, org, employee_id)

    def _rejected(self, number: int, errors: list[Any]) -> bool:
        """Report the line's first error (naming `position_code` for the position)."""
        if not errors:
            return False
        field = "position_code" if errors[0]["field"] == "position_id" else errors[0]["field"]
        self.report.reject(number, field, errors[0]["message"])
        return True

    @staticmethod
    def _classify_new(
        rows: list[dict[str, Any]],
        histories: dict[str, list[EventFacts]],
        level_of: dict[str, int],
    ) -> None:
        moved = {e["employee_id"] for e in rows if e["position_id"] is not None}
        kinds = {}
        for employee_id in moved:
            kinds.update(
                replay(events=histories.get(employee_id, []), level_of=level_of).classifications
            )
        for event in rows:
            kind = kinds.get(event["id"])
            event["classification"] = kind.value if kind is not None else None
