"""One batch of an import as it is written: the people it locked and what is stored of
them, then what its lines add, line by line (each person's numbering, history and dedupe
keys), and the rows that come of it.

`lock_batch` reads a batch's people under a lock; `ImportBatch` checks a line against its
person's history and builds the rows the importer's writer inserts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain.history import EventFacts, Projection, replay
from app.domain.values import Money, fold_name
from app.models import Employee, utcnow
from app.services import history
from app.services.events import history_problems
from app.services.import_lines import STATE_NAMES, ParsedLine, Rejection
from app.services.import_writer import EventRow, PersonRow, SqlWriter, ordered_ids


class Person(NamedTuple):
    """A person a batch names: their id and the number of their last event."""

    id: str
    seq: int


@dataclass
class ImportBatch:
    """What writing one batch knows: what the lock read of its people, then what its lines
    add, line by line."""

    organization_id: str
    writer: SqlWriter
    level_of: dict[str, int]
    # By external id: the people stored (locked), then those the batch creates.
    people: dict[str, Person]
    # The ids for the people the batch may create (ascending in name order).
    new_ids: dict[str, str]
    # The (employee id, dedupe key) pairs stored or taken by the batch.
    seen: set[tuple[str, str]]
    # Each person's state events: those stored, then the batch's.
    histories: dict[str, list[EventFacts]]
    latest: dict[str, date | None]
    event_ids: Iterator[str]
    recorded_at: Any
    # The people the batch creates, with their display names, in order of first event.
    created: dict[str, str | None] = field(default_factory=dict)
    # The stored people whose event counter the batch moves (external ids, in order).
    renumbered: dict[str, None] = field(default_factory=dict)
    rows: list[EventRow] = field(default_factory=list)
    projections: dict[str, Projection] = field(default_factory=dict)
    problem_keys: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    # The people whose history a line reaches into (not after its last day).
    backfilled: set[str] = field(default_factory=set)

    def next_event_of(self, external_id: str) -> tuple[str, int]:
        """Return the person's id and the number their next event takes."""
        person = self.people.get(external_id)
        if person is None:
            return self.new_ids[external_id], 1
        return person.id, person.seq + 1

    def fits_history(self, employee_id: str, facts: EventFacts) -> Rejection | None:
        """Add a state event to the person's history, or return the first problem it would
        add to it (the history then stays as it was)."""
        existing = self.histories.setdefault(employee_id, [])
        # One replay a line: the history's problems before the line are those after the
        # line before it. A line that adds one is rare: ask again for the words.
        before = self.problem_keys.get(employee_id)
        if before is None:
            before = _problem_keys(replay(events=existing, level_of=self.level_of))
        projection = replay(events=[*existing, facts], level_of=self.level_of)
        after = _problem_keys(projection)
        if not after <= before:
            self.problem_keys[employee_id] = before
            first = history_problems(facts, existing, self.level_of)[0]
            return Rejection(first["field"], first["message"])
        self.problem_keys[employee_id] = after
        self.projections[employee_id] = projection
        last = self.latest.get(employee_id)
        if last is not None and facts.occurred_on < last:
            self.backfilled.add(employee_id)
        existing.append(facts)
        self.latest[employee_id] = max(last or facts.occurred_on, facts.occurred_on)
        return None

    def add(
        self,
        parsed: ParsedLine,
        person: Person,
        *,
        event_id: str,
        position_id: str | None,
        salary: Money | None,
    ) -> None:
        """Take a line that fits: number it as the person's event (creating the person on
        first sight), keep its key as seen, and build its row."""
        external_id = parsed.line.employee_external_id
        if external_id not in self.people:
            self.created[external_id] = parsed.line.employee_display_name
        elif external_id not in self.created:
            self.renumbered[external_id] = None
        self.people[external_id] = person
        self.seen.add((person.id, parsed.key))
        self.rows.append(self._row_of(parsed, person, event_id, position_id, salary))

    def _row_of(
        self,
        parsed: ParsedLine,
        person: Person,
        event_id: str,
        position_id: str | None,
        salary: Money | None,
    ) -> EventRow:
        """Return the event row of a line that fits (not yet classified)."""
        line, day = parsed.line, self.writer.day
        # Positional, in the columns' order: keyword arguments cost a row three times as
        # much (see bench/profile_notes.md, "Import").
        return EventRow(
            self.organization_id,
            event_id,
            person.id,
            person.seq,
            parsed.kind,
            day(line.occurred_on),
            self.recorded_at,
            position_id,
            salary.cents if salary is not None else None,
            salary.currency if salary is not None else None,
            line.rating,
            line.name,
            fold_name(line.name) if line.name is not None else None,
            line.description,
            line.level,
            day(line.expires_on) if line.expires_on is not None else None,
            None,  # the classification, set once the batch's histories are whole
            parsed.key,
            line.potential,
            line.risk_of_loss.value if line.risk_of_loss is not None else None,
            line.impact_of_loss.value if line.impact_of_loss is not None else None,
        )

    def classified_rows(self) -> list[EventRow]:
        """Return the rows with the classification of each that names a position, from the
        replay of its person's history with the last of their lines in it."""
        return [
            row
            if row.position_id is None
            else row._replace(classification=_move_name(self.projections[row.employee_id], row.id))
            for row in self.rows
        ]

    def people_rows(self) -> list[PersonRow]:
        """Return the rows of the people the batch creates, created one microsecond apart so
        that listings oldest first keep the file's order."""
        rows = []
        created: datetime = utcnow()
        for external_id, display_name in self.created.items():
            person = self.people[external_id]
            stamp = self.writer.timestamp(created)
            rows.append(
                PersonRow(
                    self.organization_id,
                    person.id,
                    external_id,
                    display_name,
                    stamp,
                    stamp,
                    1,
                    person.seq,
                )
            )
            created += timedelta(microseconds=1)
        return rows

    def new_seqs(self) -> list[tuple[str, int]]:
        """Return the new event counter of each stored person the batch numbers events for."""
        moved = [self.people[external_id] for external_id in self.renumbered]
        return [(person.id, person.seq) for person in moved]


def _move_name(projection: Projection, event_id: str) -> str | None:
    move = projection.classifications.get(event_id)
    return move.value if move is not None else None


def _problem_keys(projection: Projection) -> set[tuple[str, str]]:
    """Return what identifies each problem of a history: its event and field (the words
    may change as the history does)."""
    return {(p.event_id, p.field) for p in projection.problems}


def lock_batch(
    session: Session,
    writer: SqlWriter,
    organization_id: str,
    level_of: dict[str, int],
    lines: list[ParsedLine],
) -> ImportBatch:
    """Lock the batch's people and read what is stored of them: their event counters,
    which of the batch's dedupe keys they hold, and (for those the batch moves) their
    state events."""
    names = sorted({parsed.line.employee_external_id for parsed in lines})
    people = _lock_people(session, organization_id, names)
    known_ids = [person.id for person in people.values()]
    keys = sorted({parsed.key for parsed in lines})
    seen = writer.seen_keys(session.connection(), organization_id, known_ids, keys)
    histories: dict[str, list[EventFacts]] = {e: [] for e in known_ids}
    histories.update(_stored_histories(session, organization_id, people, lines))
    latest = {e: max((f.occurred_on for f in fs), default=None) for e, fs in histories.items()}
    recorded_at = writer.timestamp(utcnow())
    event_ids = iter(ordered_ids(len(lines)))
    unknown = [name for name in names if name not in people]
    return ImportBatch(
        organization_id=organization_id,
        writer=writer,
        level_of=level_of,
        people=people,
        new_ids=dict(zip(unknown, ordered_ids(len(unknown)), strict=True)),
        seen=seen,
        histories=histories,
        latest=latest,
        event_ids=event_ids,
        recorded_at=recorded_at,
    )


def _lock_people(session: Session, organization_id: str, names: list[str]) -> dict[str, Person]:
    """Return the stored people of these external ids, locked (on PostgreSQL) so that no
    concurrent writer numbers or validates against the same histories at the same time."""
    rows = session.execute(
        select(col(Employee.external_id), col(Employee.id), col(Employee.event_seq))
        .where(
            col(Employee.organization_id) == organization_id,
            col(Employee.external_id).in_(names),
        )
        .with_for_update()
    ).all()
    return {external_id: Person(employee_id, seq) for external_id, employee_id, seq in rows}


def _stored_histories(
    session: Session, organization_id: str, people: dict[str, Person], lines: list[ParsedLine]
) -> dict[str, list[EventFacts]]:
    """Return the stored state events of the people a line of the batch moves."""
    movers = {
        people[parsed.line.employee_external_id].id
        for parsed in lines
        if parsed.kind in STATE_NAMES and parsed.line.employee_external_id in people
    }
    if not movers:
        return {}
    return history.state_events_by_person(session, organization_id, people=sorted(movers))
