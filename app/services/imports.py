"""Bulk import of career events from NDJSON, committed in batches.

Each line names its person by `employee_external_id` (created on first sight) and its
position by `position_code`. A bad line is reported and skipped; the good ones land. Every
event carries a dedupe key (the line's `event_key`, or a hash of its content), so importing
the same file twice adds nothing the second time. Memory stays flat: only the current batch
and the id caches are held.

The importer is the service's bulk path, so it is written for throughput: each line is
parsed and validated once (straight from its JSON text), the per-type field checks are
answered from a small cache, a state event costs one replay of its person's history, and
the rows go straight to the driver (COPY on PostgreSQL, multi-row INSERTs on SQLite) with
ascending ids, past SQLAlchemy's statement compilation and the ORM.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import chain
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from uuid_utils import uuid7

from app.db import Database
from app.domain.history import (
    EVENT_TYPE_BY_NAME,
    STATE_TYPES,
    EventFacts,
    Projection,
    replay,
)
from app.domain.holding import spells
from app.domain.values import Money, decimal_to_cents, fold_name
from app.models import CareerEvent, Employee, Position, utcnow
from app.schemas.events import EventCreate
from app.schemas.imports import ImportLine, PlainImportLine
from app.services import history, holdings
from app.services.events import expiry_problem, history_problems, shape_errors

BATCH_SIZE = 1000
MAX_LISTED_ERRORS = 1000
# The longest line read. The longest valid line, every text at its limit written as JSON
# escapes, is about 20 KB; past this a line is rejected unread, so one huge line costs
# neither memory nor the seconds of CPU its parse would.
MAX_LINE_BYTES = 65_536
TOO_LONG = f"is longer than {MAX_LINE_BYTES:,} bytes; one event a line"

# The columns the importer writes, in the order of its row tuples. The others (`voided_at`,
# `void_reason`) stay NULL.
EVENT_COLUMNS = (
    "organization_id",
    "id",
    "employee_id",
    "seq",
    "type",
    "occurred_on",
    "recorded_at",
    "position_id",
    "salary_cents",
    "salary_currency",
    "rating",
    "name",
    "name_key",
    "description",
    "level",
    "expires_on",
    "classification",
    "event_key",
    "potential",
    "risk_of_loss",
    "impact_of_loss",
)
_CLASSIFICATION = EVENT_COLUMNS.index("classification")
EMPLOYEE_COLUMNS = (
    "organization_id",
    "id",
    "external_id",
    "display_name",
    "created_at",
    "updated_at",
    "version",
    "event_seq",
)


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
            # A field name comes from the line itself: it may hold a lone surrogate.
            self.errors.append(
                {"line": line, "field": _storable(field_name), "message": _storable(message)}
            )


def _storable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


class LineSplitter:
    """Cuts a stream of bytes into lines, holding at most `limit` bytes of one line.

    A longer line is dropped as it streams past and comes out as None, so the caller can
    report it; joining chunks costs only the bytes kept (no quadratic re-joining).
    """

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._pending = bytearray()
        self._too_long = False

    def feed(self, chunk: bytes) -> list[bytes | None]:
        """Return the lines the chunk completes (None for each one over the limit)."""
        out: list[bytes | None] = []
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            piece = chunk[start:end]
            if self._too_long or len(self._pending) + len(piece) > self.limit:
                out.append(None)
            else:
                self._pending += piece
                out.append(bytes(self._pending))
            self._pending.clear()
            self._too_long = False
            start = end + 1
        rest = chunk[start:]
        if not self._too_long:
            if len(self._pending) + len(rest) > self.limit:
                self._too_long = True
                self._pending.clear()
            else:
                self._pending += rest
        return out

    def finish(self) -> list[bytes | None]:
        """Return the last line when the stream did not end with a line break."""
        if self._too_long:
            return [None]
        return [bytes(self._pending)] if self._pending else []


def content_key(payload: dict[str, Any]) -> str:
    """Return the dedupe key of a line without its own `event_key`: a hash of its content."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:56]


@dataclass(slots=True)
class _Line:
    number: int
    line: PlainImportLine | ImportLine
    key: str
    kind: str  # the event type's name


_STATE_NAMES = frozenset(t.value for t in STATE_TYPES)


@lru_cache(maxsize=512)
def _shape_problem(
    kind: str,
    position: bool,
    salary: bool,
    rating: bool,
    name: bool,
    description: bool,
    level: bool = False,
    expires_on: bool = False,
    talent: tuple[bool, bool, bool] = (False, False, False),
) -> tuple[str, str] | None:
    """Return the first (field, message) wrong with an event of this type that has these
    optional fields, or None: `shape_errors` asked once for each combination (it looks at
    which fields are present, never at their values, which the line's model validated).
    `talent` says which of a talent review's potential, risk_of_loss and impact_of_loss
    are present."""
    potential, risk, impact = talent
    stand_in = EventCreate.model_construct(
        type=EVENT_TYPE_BY_NAME[kind],
        occurred_on=None,
        position_id="-" if position else None,
        salary=True if salary else None,
        rating=1 if rating else None,
        name="-" if name else None,
        description="-" if description else None,
        level=1 if level else None,
        expires_on=date.max if expires_on else None,
        potential=1 if potential else None,
        risk_of_loss="-" if risk else None,
        impact_of_loss="-" if impact else None,
    )
    errors = shape_errors(stand_in)
    if not errors:
        return None
    # The line names its position by code.
    where = "position_code" if errors[0]["field"] == "position_id" else errors[0]["field"]
    return where, errors[0]["message"]


ROWS_PER_INSERT = 100  # SQLite: rows a multi-row INSERT carries (1,600 parameters)


@dataclass
class _Driver:
    """How the importer writes on one store, past SQLAlchemy's compiler: the SQL, and the
    values bound as SQLAlchemy would bind them (SQLite keeps dates and timestamps as text
    in its own format)."""

    postgres: bool
    insert_people: str
    update_seq: str
    day: Callable[[Any], Any]
    timestamp: Callable[[Any], Any]

    @classmethod
    def for_connection(cls, conn: Connection) -> _Driver:
        dialect = conn.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"

        def processor(column: Any) -> Callable[[Any], Any]:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            return process if process is not None else _same

        events = CareerEvent.__table__.c
        day = processor(events.occurred_on)
        if day(date(1901, 2, 3)) == "1901-02-03":
            day = date.isoformat  # the same text, without a Python call in between
        return cls(
            postgres=dialect.name == "postgresql",
            insert_people=_insert("employee", EMPLOYEE_COLUMNS, mark),
            update_seq=f"UPDATE employee SET event_seq = {mark} "
            f"WHERE organization_id = {mark} AND id = {mark}",
            day=day,
            timestamp=processor(events.recorded_at),
        )

    def seen_keys(
        self, conn: Connection, organization_id: str, employee_ids: list[str], keys: list[str]
    ) -> set[tuple[str, str]]:
        """Return which of these people already hold which of these dedupe keys (SQL written
        here: SQLAlchemy spends longer rendering a thousand-item IN than the store answering
        it)."""
        if not employee_ids:
            return set()
        found: set[tuple[str, str]] = set()
        select_keys = (
            "SELECT employee_id, event_key FROM career_event WHERE organization_id = {mark} "
            "AND employee_id {people} AND event_key {keys}"
        )
        if self.postgres:
            statement = select_keys.format(mark="%s", people="= ANY(%s)", keys="= ANY(%s)")
            rows = conn.exec_driver_sql(statement, (organization_id, employee_ids, keys))
            found.update((person, key) for person, key in rows)
            return found
        for start in range(0, len(keys), 10_000):  # SQLite binds at most 32,766 values
            chunk = keys[start : start + 10_000]
            statement = select_keys.format(
                mark="?", people=_in(len(employee_ids)), keys=_in(len(chunk))
            )
            found.update(conn.exec_driver_sql(statement, (organization_id, *employee_ids, *chunk)))
        return found

    def insert_events(self, conn: Connection, rows: list[list[Any]]) -> None:
        """Insert event rows (values in `EVENT_COLUMNS` order).

        PostgreSQL takes them by COPY (half the time of a pipelined `executemany`); SQLite
        by multi-row INSERTs (a fifth less time than a row a statement).
        """
        if self.postgres:
            driver = conn.connection.driver_connection
            assert driver is not None
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY career_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        full = len(rows) - len(rows) % ROWS_PER_INSERT
        if full:
            statement = _insert("career_event", EVENT_COLUMNS, "?", ROWS_PER_INSERT)
            for start in range(0, full, ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                conn.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))
        if full < len(rows):
            conn.exec_driver_sql(
                _insert("career_event", EVENT_COLUMNS, "?"), [tuple(row) for row in rows[full:]]
            )


@lru_cache(maxsize=8)
def _insert(table: str, columns: tuple[str, ...], mark: str, rows: int = 1) -> str:
    """Return an INSERT of `rows` rows of the columns."""
    one = "(" + ", ".join(mark for _ in columns) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows)


def _in(count: int) -> str:
    return "IN (" + ", ".join("?" for _ in range(count)) + ")"


def _same(value: Any) -> Any:
    return value


def ordered_ids(count: int) -> list[str]:
    """Return `count` new UUIDs of version 7 (RFC 9562: a millisecond timestamp first), each
    greater than any this process made before. An import's ids ascend, so its rows land at
    the end of the primary-key index instead of at random places in it: on SQLite this
    doubles how fast the events go in (random uuid4 keys dirty a page of the index almost
    every row, and the WAL checkpoints write them all back)."""
    return [str(uuid7()) for _ in range(count)]


class Importer:
    """Feeds lines in, commits a batch at a time, and keeps the running report.

    A batch costs a handful of queries whatever its size: the people and dedupe keys it
    names are read at once, history is checked in memory against the people's state
    events, and the new people and events go in with one `executemany` each.
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
        self.report = ImportReport()
        # The people whose hire line was rejected, with that line's number.
        self.rejected_hires: dict[str, int] = {}
        self._batch: list[tuple[int, str | None]] = []
        self._positions: dict[str, tuple[str, int]] | None = None
        self._level_of: dict[str, int] = {}
        self._statements: _Driver | None = None

    def feed(self, line_number: int, text: str | None) -> None:
        """Queue one line (None: one longer than `MAX_LINE_BYTES`, rejected unread); commit
        the batch when it is full."""
        if text is not None and (not text or text.isspace()):
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
        parse = self._parse
        parsed = [p for p in (parse(n, t) for n, t in batch) if p is not None]
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
            select(CareerEvent.id)
            .where(
                CareerEvent.organization_id == Employee.organization_id,
                CareerEvent.employee_id == Employee.id,
                CareerEvent.type == "hire",
                CareerEvent.voided_at.is_(None),
            )
            .exists()
        )
        names = sorted(self.rejected_hires)
        found: list[str] = []
        for start in range(0, len(names), 1000):
            found.extend(
                session.execute(
                    select(Employee.external_id).where(
                        Employee.organization_id == self.organization_id,
                        Employee.external_id.in_(names[start : start + 1000]),
                        ~hired,
                    )
                ).scalars()
            )
        return sorted(found)

    def _write_with_retry(self, parsed: list[_Line]) -> None:
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

    def _parse(self, number: int, text: str | None) -> _Line | None:
        if text is None or len(text) > MAX_LINE_BYTES:
            self.report.reject(number, "line", TOO_LONG)
            return None
        try:
            line = PlainImportLine.model_validate_json(text)
        except ValidationError:
            # Bad JSON, a bad field, or a text `ImportLine` would trim: read it again the
            # slow way, which takes or rejects it (with the report's wording) as it always did.
            return self._parse_reporting(number, text)
        key = line.event_key
        if key is None:
            raw = json.loads(text)
            key = content_key({k: v for k, v in raw.items() if k != "event_key"})
        return _Line(number, line, key, line.type)

    def _parse_reporting(self, number: int, text: str) -> _Line | None:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            self.report.reject(number, "line", f"not valid JSON: {exc}")
            return None
        except RecursionError:
            self.report.reject(number, "line", "not valid JSON: it nests too deeply")
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
        return _Line(number, line, key, line.type.value)

    def _positions_by_code(self, session: Session) -> dict[str, tuple[str, int]]:
        if self._positions is None:
            rows = session.execute(
                select(Position.code, Position.id, Position.level).where(
                    Position.organization_id == self.organization_id
                )
            ).all()
            self._positions = {code: (pid, level) for code, pid, level in rows}
            self._level_of = dict(self._positions.values())
        return self._positions

    def _write(self, session: Session, lines: list[_Line]) -> None:
        org = self.organization_id
        report = self.report
        conn = session.connection()
        if self._statements is None:
            self._statements = _Driver.for_connection(conn)
        sql = self._statements
        positions = self._positions_by_code(session)
        level_of = self._level_of
        names = sorted({item.line.employee_external_id for item in lines})
        # Locking the people (PostgreSQL) keeps a concurrent writer from numbering or
        # validating against the same histories at the same time. A person is [id, seq].
        people: dict[str, list[Any]] = {
            external_id: [employee_id, event_seq]
            for external_id, employee_id, event_seq in session.execute(
                select(Employee.external_id, Employee.id, Employee.event_seq)
                .where(Employee.organization_id == org, Employee.external_id.in_(names))
                .with_for_update()
            ).all()
        }
        known_ids = [person[0] for person in people.values()]
        seen_keys = sql.seen_keys(conn, org, known_ids, sorted({item.key for item in lines}))
        histories: dict[str, list[EventFacts]] = {e: [] for e in known_ids}
        movers = {
            people[item.line.employee_external_id][0]
            for item in lines
            if item.kind in _STATE_NAMES and item.line.employee_external_id in people
        }
        if movers:
            histories.update(history.state_events_by_person(session, org, people=sorted(movers)))
        latest = {e: max((f.occurred_on for f in fs), default=None) for e, fs in histories.items()}

        recorded_at = sql.timestamp(utcnow())
        day = sql.day
        event_ids = iter(ordered_ids(len(lines)))
        unknown = [name for name in names if name not in people]
        new_ids = dict(zip(unknown, ordered_ids(len(unknown)), strict=True))
        new_people: list[tuple[str, str | None, list[Any]]] = []
        renumbered: dict[str, list[Any]] = {}
        rows: list[list[Any]] = []
        moves: list[list[Any]] = []
        backfilled: set[str] = set()
        problem_keys: dict[str, set[tuple[str, str]]] = {}
        projections: dict[str, Projection] = {}
        for item in lines:
            line = item.line
            kind = item.kind
            position_id = None
            if line.position_code is not None:
                found = positions.get(line.position_code)
                if found is None:
                    report.reject(
                        item.number,
                        "position_code",
                        f"no position with code {line.position_code!r}",
                    )
                    continue
                position_id = found[0]
            salary = line.salary
            name = line.name
            problem = _shape_problem(
                kind,
                position_id is not None,
                salary is not None,
                line.rating is not None,
                name is not None,
                line.description is not None,
                line.level is not None,
                line.expires_on is not None,
                (
                    line.potential is not None,
                    line.risk_of_loss is not None,
                    line.impact_of_loss is not None,
                ),
            )
            if problem is None and line.expires_on is not None:
                expiry = expiry_problem(line.occurred_on, line.expires_on)
                problem = ("expires_on", expiry) if expiry is not None else None
            if problem is not None:
                report.reject(item.number, *problem)
                continue
            external_id = line.employee_external_id
            person = people.get(external_id)
            if person is None:
                employee_id, seq = new_ids[external_id], 1
            else:
                employee_id, seq = person[0], person[1] + 1
                if (employee_id, item.key) in seen_keys:
                    report.duplicates += 1
                    continue
            event_id = next(event_ids)
            cents = currency = None
            if salary is not None:
                cents, currency = decimal_to_cents(salary.amount), salary.currency
            if kind in _STATE_NAMES:
                facts = EventFacts(
                    id=event_id,
                    type=EVENT_TYPE_BY_NAME[kind],
                    occurred_on=line.occurred_on,
                    seq=seq,
                    position_id=position_id,
                    salary=Money(cents, currency) if cents is not None else None,
                )
                existing = histories.setdefault(employee_id, [])
                # One replay a line: the history's problems before the line are those after
                # the line before it. A line that adds one is rare: ask again for the words.
                before = problem_keys.get(employee_id)
                if before is None:
                    before = _problem_keys(replay(events=existing, level_of=level_of))
                projection = replay(events=[*existing, facts], level_of=level_of)
                after = _problem_keys(projection)
                if not after <= before:
                    problem_keys[employee_id] = before
                    self._rejected(item.number, history_problems(facts, existing, level_of))
                    continue
                problem_keys[employee_id] = after
                projections[employee_id] = projection
                last = latest.get(employee_id)
                if last is not None and facts.occurred_on < last:
                    backfilled.add(employee_id)
                existing.append(facts)
                latest[employee_id] = max(last or facts.occurred_on, facts.occurred_on)
            if person is None:
                person = people[external_id] = [employee_id, 0]
                new_people.append((external_id, line.employee_display_name, person))
            else:
                renumbered[employee_id] = person
            person[1] = seq
            seen_keys.add((employee_id, item.key))
            row = [
                org,
                event_id,
                employee_id,
                seq,
                kind,
                day(line.occurred_on),
                recorded_at,
                position_id,
                cents,
                currency,
                line.rating,
                name,
                fold_name(name) if name is not None else None,
                line.description,
                line.level,
                day(line.expires_on) if line.expires_on is not None else None,
                None,
                item.key,
                line.potential,
                line.risk_of_loss.value if line.risk_of_loss is not None else None,
                line.impact_of_loss.value if line.impact_of_loss is not None else None,
            ]
            rows.append(row)
            if position_id is not None:
                moves.append(row)
            report.created += 1

        if new_people:
            conn.exec_driver_sql(sql.insert_people, self._people_rows(new_people, sql))
        if renumbered:
            conn.exec_driver_sql(
                sql.update_seq,
                [(seq, org, employee_id) for employee_id, seq in renumbered.values()],
            )
        if rows:
            self._classify(moves, projections)
            sql.insert_events(conn, rows)
            for employee_id in backfilled:
                history.store_classifications(session, org, employee_id)
            # The others' histories are whole in memory (what was stored, then the lines).
            holdings.replace(
                session,
                org,
                {
                    employee_id: spells(events=histories[employee_id], level_of=level_of)
                    for employee_id in projections
                    if employee_id not in backfilled
                },
            )

    def _people_rows(
        self, new_people: list[tuple[str, str | None, list[Any]]], sql: _Driver
    ) -> list[tuple[Any, ...]]:
        """Return the rows of the people a batch creates, created one microsecond apart so
        that listings oldest first keep the file's order."""
        rows = []
        created: datetime = utcnow()
        for external_id, display_name, (employee_id, seq) in new_people:
            stamp = sql.timestamp(created)
            rows.append(
                (self.organization_id, employee_id, external_id, display_name, stamp, stamp, 1, seq)
            )
            created += timedelta(microseconds=1)
        return rows

    def _rejected(self, number: int, errors: list[Any]) -> bool:
        """Report the line's first error."""
        if not errors:
            return False
        self.report.reject(number, errors[0]["field"], errors[0]["message"])
        return True

    @staticmethod
    def _classify(moves: list[list[Any]], projections: dict[str, Projection]) -> None:
        """Set the classification of the batch's events that name a position, from the
        replay of each person's history with the last of their lines in it."""
        for row in moves:
            move = projections[row[2]].classifications.get(row[1])
            row[_CLASSIFICATION] = move.value if move is not None else None


def _problem_keys(projection: Projection) -> set[tuple[str, str]]:
    """Return what identifies each problem of a history: its event and field (the words
    may change as the history does)."""
    return {(p.event_id, p.field) for p in projection.problems}
