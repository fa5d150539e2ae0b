"""Stored position holdings: each person's spells in positions, kept equal to a replay.

`position_holding` holds what `app.domain.holding.spells` derives from a person's
non-voided history. Every write that can change it rewrites the person's spells in the
same transaction: recording a hire, move, salary change or exit (`services.events`),
voiding one, re-classifying after a position's level changes (both through
`history.store_classifications`), imports (`services.imports`), and erasure (the rows go
with the person). `tests/services/test_holdings_equivalence.py` checks the stored spells
against a full replay after random histories, voids and back-fills included.

The readers (observed paths, routes) ask for the spells of everyone who held a position.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, inspect, select
from sqlmodel import Session, col

from app.domain.holding import Spell, SpellEnd
from app.domain.mobility import MoveType
from app.domain.values import Money
from app.models import PositionHolding

_TABLE = cast(Table, inspect(PositionHolding).local_table)
_INSERT = insert(_TABLE)
_DELETE_PEOPLE = delete(PositionHolding).where(
    col(PositionHolding.organization_id) == bindparam("org"),
    col(PositionHolding.employee_id).in_(bindparam("people", expanding=True)),
)


def rows_of(
    organization_id: str, employee_id: str, spells: Iterable[Spell]
) -> list[dict[str, Any]]:
    """Return the table rows of one person's spells."""
    return [
        {
            "organization_id": organization_id,
            "employee_id": employee_id,
            "ordinal": s.ordinal,
            "position_id": s.position_id,
            "started_on": s.started_on,
            "start_event_id": s.start_event_id,
            "ended_on": s.ended_on,
            "end_event_id": s.end_event_id,
            "ended_by": s.ended_by.value if s.ended_by is not None else None,
            "next_position_id": s.next_position_id,
            "classification": s.classification.value if s.classification is not None else None,
            "salary_before_cents": s.salary_before.cents if s.salary_before else None,
            "salary_before_currency": s.salary_before.currency if s.salary_before else None,
            "salary_after_cents": s.salary_after.cents if s.salary_after else None,
            "salary_after_currency": s.salary_after.currency if s.salary_after else None,
        }
        for s in spells
    ]


def replace(
    session: Session, organization_id: str, spells_by_person: Mapping[str, list[Spell]]
) -> None:
    """Store these people's spells in place of what was stored for them."""
    if not spells_by_person:
        return
    conn = session.connection()
    people = sorted(spells_by_person)
    for start in range(0, len(people), 500):
        conn.execute(
            _DELETE_PEOPLE, {"org": organization_id, "people": people[start : start + 500]}
        )
    rows = [
        row
        for employee_id in people
        for row in rows_of(organization_id, employee_id, spells_by_person[employee_id])
    ]
    if rows:
        conn.execute(_INSERT, rows)


_COLUMNS = (
    col(PositionHolding.employee_id),
    col(PositionHolding.ordinal),
    col(PositionHolding.position_id),
    col(PositionHolding.started_on),
    col(PositionHolding.start_event_id),
    col(PositionHolding.ended_on),
    col(PositionHolding.end_event_id),
    col(PositionHolding.ended_by),
    col(PositionHolding.next_position_id),
    col(PositionHolding.classification),
    col(PositionHolding.salary_before_cents),
    col(PositionHolding.salary_before_currency),
    col(PositionHolding.salary_after_cents),
    col(PositionHolding.salary_after_currency),
)


def _money(cents: int | None, currency: str | None) -> Money | None:
    return Money(cents, currency) if cents is not None and currency is not None else None


def _spell(row: Any) -> tuple[str, Spell]:
    (
        employee_id,
        ordinal,
        position_id,
        started_on,
        start_event_id,
        ended_on,
        end_event_id,
        ended_by,
        next_position_id,
        classification,
        before_cents,
        before_currency,
        after_cents,
        after_currency,
    ) = row
    return employee_id, Spell(
        ordinal=ordinal,
        position_id=position_id,
        started_on=started_on,
        start_event_id=start_event_id,
        ended_on=ended_on,
        end_event_id=end_event_id,
        ended_by=SpellEnd(ended_by) if ended_by is not None else None,
        next_position_id=next_position_id,
        classification=MoveType(classification) if classification is not None else None,
        salary_before=_money(before_cents, before_currency),
        salary_after=_money(after_cents, after_currency),
    )


def stored_spells(
    session: Session, organization_id: str, *, people: Any = None
) -> dict[str, list[Spell]]:
    """Return the stored spells by person, each person's oldest first. `people` limits the
    persons: a list of ids or a scalar subquery; None means the whole organization."""
    query = select(*_COLUMNS).where(col(PositionHolding.organization_id) == organization_id)
    if people is not None:
        query = query.where(col(PositionHolding.employee_id).in_(people))
    query = query.order_by(col(PositionHolding.employee_id), col(PositionHolding.ordinal))
    by_person: dict[str, list[Spell]] = defaultdict(list)
    for row in session.connection().execute(query):
        employee_id, spell = _spell(row)
        by_person[employee_id].append(spell)
    return dict(by_person)


def moves_out_of(
    session: Session, organization_id: str, position_id: str, *, since: date | None
) -> list[Spell]:
    """Return the spells in a position that a move ended (on or after `since`)."""
    query = select(*_COLUMNS).where(
        col(PositionHolding.organization_id) == organization_id,
        col(PositionHolding.position_id) == position_id,
        col(PositionHolding.ended_by) == SpellEnd.move.value,
    )
    if since is not None:
        query = query.where(col(PositionHolding.ended_on) >= since)
    return [_spell(row)[1] for row in session.connection().execute(query)]


def careers_through(
    session: Session, organization_id: str, position_id: str
) -> dict[str, list[tuple[str, date, bool]]]:
    """Return, for everyone who ever held a position, their spells oldest first as
    (position, started on, ended by a move): what routes read, and no more."""
    # No DISTINCT: IN ignores repeats, and with one SQLite walks the whole organization's
    # primary key instead of the position's index.
    held = select(col(PositionHolding.employee_id)).where(
        col(PositionHolding.organization_id) == organization_id,
        col(PositionHolding.position_id) == position_id,
    )
    query = (
        select(
            col(PositionHolding.employee_id),
            col(PositionHolding.position_id),
            col(PositionHolding.started_on),
            col(PositionHolding.ended_by),
        )
        .where(
            col(PositionHolding.organization_id) == organization_id,
            col(PositionHolding.employee_id).in_(held.scalar_subquery()),
        )
        .order_by(col(PositionHolding.employee_id), col(PositionHolding.ordinal))
    )
    moved = SpellEnd.move.value
    by_person: dict[str, list[tuple[str, date, bool]]] = defaultdict(list)
    for employee_id, held_position, started_on, ended_by in session.connection().execute(query):
        by_person[employee_id].append((held_position, started_on, ended_by == moved))
    return dict(by_person)
