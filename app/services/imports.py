"""Bulk import of career events from NDJSON, committed in batches.

Each line names its person by `employee_external_id` (created on first sight) and its
position by `position_code`. A bad line is reported and skipped; the good ones land. Every
event carries a dedupe key (the line's `event_key`, or a hash of its content), so importing
the same file twice adds nothing the second time. Memory stays flat: only the current batch
and the id caches are held.

The importer is the service's bulk path, so it is written for throughput (see
bench/profile_notes.md, "Import"): each line is parsed and validated once, straight from
its JSON text (`services.import_lines`); the per-type field checks are answered from a
small cache; a state event costs one replay of its person's history; and the rows go
straight to the driver with ascending ids (`services.import_writer`), past SQLAlchemy's
statement compilation and the ORM. Writing a batch takes four steps: lock its people (and
read what is stored of them), check each line, build its rows, insert them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.db import Database
from app.domain.history import EVENT_TYPE_BY_NAME, EventFacts
from app.domain.holding import spells
from app.domain.values import Money, decimal_to_cents
from app.models import CareerEvent, Employee, Position
from app.services import history, holdings
from app.services.import_batch import ImportBatch, Person, lock_batch
from app.services.import_lines import (
    MAX_LINE_BYTES,
    STATE_NAMES,
    LineSplitter,
    ParsedLine,
    Rejection,
    line_problem,
    parse_line,
)
from app.services.import_writer import SqlWriter

# The importer's face: the command line and the API take these from here.
__all__ = ["BATCH_SIZE", "MAX_LINE_BYTES", "ImportTally", "Importer", "LineSplitter"]

BATCH_SIZE = 1000
MAX_LISTED_ERRORS = 1000


@dataclass
class ImportTally:
    """What an import has done so far: lines read, events created, duplicates skipped and
    lines rejected, the first `MAX_LISTED_ERRORS` of them listed. The API answers it as
    `schemas.imports.ImportReport`; the command line prints it."""

    lines: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, field_name: str, message: str) -> None:
        """Count a rejected line, listing it while the list is short."""
        self.rejected += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            # A field name comes from the line itself: it may hold a lone surrogate.
            self.errors.append(
                {"line": line, "field": _storable(field_name), "message": _storable(message)}
            )


def _storable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


class Importer:
    """Feeds lines in, commits a batch at a time, and keeps the running tally (`report`).

    A batch costs a handful of queries whatever its size: the people and dedupe keys it
    names are read at once, history is checked in memory against the people's state
    events, and the new people and events go in a statement or two each.
    """

    def __init__(
        self,
        database: Database,
        organization_id: str,
        *,
        batch_size: int = BATCH_SIZE,
        session: Session | None = None,
    ):
        self.database = database
        self.organization_id = organization_id
        self.batch_size = batch_size
        # A dry run hands in one session: every batch is written into it and the caller
        # rolls it back, so later lines are checked against the earlier ones as a real
        # import would check them, and nothing lands.
        self._session = session
        self.report = ImportTally()
        # The people whose hire line was rejected, with that line's number.
        self.rejected_hires: dict[str, int] = {}
        self._batch: list[tuple[int, str | None]] = []
        self._positions: dict[str, str] | None = None
        self._level_of: dict[str, int] = {}
        self._writer: SqlWriter | None = None

    def feed(self, line_number: int, text: str | None) -> None:
        """Queue one line (None: one longer than `MAX_LINE_BYTES`, rejected unread); commit
        the batch when it is full."""
        if text is not None and (not text or text.isspace()):
            return
        self.report.lines += 1
        self._batch.append((line_number, text))
        if len(self._batch) >= self.batch_size:
            self.flush()

    def feed_all(self, lines: Iterable[str]) -> ImportTally:
        """Import every line of an iterable and return the tally."""
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
        parsed = []
        for number, text in batch:
            line = parse_line(number, text)
            if isinstance(line, Rejection):
                self.report.reject(number, *line)
            else:
                parsed.append(line)
        if parsed:
            self._write_with_retry(parsed)
        # Parse errors are found before history errors; report the batch in line order.
        self.report.errors[listed:] = sorted(self.report.errors[listed:], key=lambda e: e["line"])
        if len(self.report.errors) > listed:
            texts = dict(batch)
            for error in self.report.errors[listed:]:
                self._note_rejected_hire(error["line"], texts.get(error["line"]))

    def _note_rejected_hire(self, number: int, text: str | None) -> None:
        if text is None:  # a line too long to keep
            return
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):  # hostile lines were rejected for the same
            return
        if isinstance(raw, dict) and raw.get("type") == "hire":
            external_id = raw.get("employee_external_id")
            if isinstance(external_id, str):
                self.rejected_hires.setdefault(external_id, number)

    def people_without_hire(self, session: Session) -> list[str]:
        """Return the external ids of the people whose hire line was rejected and who now
        exist without any hire (their other lines landed): they stay `pending`."""
        if not self.rejected_hires:
            return []
        hired = (
            select(col(CareerEvent.id))
            .where(
                col(CareerEvent.organization_id) == col(Employee.organization_id),
                col(CareerEvent.employee_id) == col(Employee.id),
                col(CareerEvent.type) == "hire",
                col(CareerEvent.voided_at).is_(None),
            )
            .exists()
        )
        names = sorted(self.rejected_hires)
        found: list[str] = []
        for start in range(0, len(names), 1000):
            found.extend(
                session.execute(
                    select(col(Employee.external_id)).where(
                        col(Employee.organization_id) == self.organization_id,
                        col(Employee.external_id).in_(names[start : start + 1000]),
                        ~hired,
                    )
                ).scalars()
            )
        return sorted(found)

    def _write_with_retry(self, parsed: list[ParsedLine]) -> None:
        """Write a batch; if a concurrent import created one of its people first (a unique
        violation on PostgreSQL), roll back, forget what the attempt counted, and redo it
        against the people as they now are."""
        report = self.report
        if self._session is not None:
            self._write(self._session, parsed)
            return
        for attempt in range(3):
            counted = (report.created, report.duplicates, report.rejected, len(report.errors))
            try:
                with self.database.transaction() as session:
                    self._write(session, parsed)
                return
            except (IntegrityError, psycopg.IntegrityError):
                report.created, report.duplicates, report.rejected = counted[:3]
                del report.errors[counted[3] :]
                if attempt == 2:
                    raise

    def _positions_by_code(self, session: Session) -> dict[str, str]:
        if self._positions is None:
            rows = session.execute(
                select(col(Position.code), col(Position.id), col(Position.level)).where(
                    col(Position.organization_id) == self.organization_id
                )
            ).all()
            self._positions = {code: position_id for code, position_id, _ in rows}
            self._level_of = {position_id: level for _, position_id, level in rows}
        return self._positions

    def _write(self, session: Session, lines: list[ParsedLine]) -> None:
        """Write one batch: lock its people, check each line and build its row, insert."""
        conn = session.connection()
        if self._writer is None:
            self._writer = SqlWriter.for_connection(conn)
        positions = self._positions_by_code(session)
        batch = lock_batch(session, self._writer, self.organization_id, self._level_of, lines)
        for parsed in lines:
            problem = self._take(batch, parsed, positions)
            if problem is not None:
                self.report.reject(parsed.number, *problem)
        self._insert(session, conn, batch)

    def _take(
        self, batch: ImportBatch, parsed: ParsedLine, positions: dict[str, str]
    ) -> Rejection | None:
        """Check one line against its type and its person's history; when it fits and is no
        duplicate, add its row to the batch. Return why it is rejected, or None."""
        line = parsed.line
        position_id = None
        if line.position_code is not None:
            position_id = positions.get(line.position_code)
            if position_id is None:
                return Rejection("position_code", f"no position with code {line.position_code!r}")
        problem = line_problem(parsed, names_position=position_id is not None)
        if problem is not None:
            return problem
        employee_id, seq = batch.next_event_of(line.employee_external_id)
        if (employee_id, parsed.key) in batch.seen:
            self.report.duplicates += 1
            return None
        event_id = next(batch.event_ids)
        salary = None
        if line.salary is not None:
            salary = Money(decimal_to_cents(line.salary.amount), line.salary.currency)
        if parsed.kind in STATE_NAMES:
            facts = EventFacts(
                id=event_id,
                type=EVENT_TYPE_BY_NAME[parsed.kind],
                occurred_on=line.occurred_on,
                seq=seq,
                position_id=position_id,
                salary=salary,
            )
            problem = batch.fits_history(employee_id, facts)
            if problem is not None:
                return problem
        batch.add(
            parsed,
            Person(employee_id, seq),
            event_id=event_id,
            position_id=position_id,
            salary=salary,
        )
        self.report.created += 1
        return None

    def _insert(self, session: Session, conn: Connection, batch: ImportBatch) -> None:
        """Insert what the batch built: new people, moved event counters, the events, and
        the classifications and holdings they change."""
        org, writer = self.organization_id, batch.writer
        if batch.created:
            writer.insert_people(conn, batch.people_rows())
        if batch.renumbered:
            writer.update_seqs(conn, org, batch.new_seqs())
        if not batch.rows:
            return
        writer.insert_events(conn, batch.classified_rows())
        for employee_id in batch.backfilled:
            history.store_classifications(session, org, employee_id)
        # The others' histories are whole in memory (what was stored, then the lines).
        holdings.replace(
            session,
            org,
            {
                employee_id: spells(events=batch.histories[employee_id], level_of=batch.level_of)
                for employee_id in batch.projections
                if employee_id not in batch.backfilled
            },
        )
