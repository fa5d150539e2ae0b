"""What a person holds: on one day (`role_held`), and over their whole history (`spells`).

`spells` cuts the full replay of a person's history into the stretches they held each
position; the service stores them (table `position_holding`) so that questions across
people (observed paths, routes) read stored spells instead of replaying every history.

`role_held` is a light twin of `app.domain.history.replay` for ranking a whole
organization: it keeps only the status, the position and when (and by which event) the
role started, so it needs neither levels nor salaries, and it skips the same inconsistent
events the replay skips (a hire while employed, a move while not employed or to the
position held, an exit while not employed). Salary changes never change any of these, so
callers may leave them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from app.domain.history import (
    MOVE_TYPES,
    EventFacts,
    EventType,
    Projection,
    Status,
    apply_event,
    chronological,
    pay_change,
)
from app.domain.mobility import MoveType
from app.domain.values import Money

HIRE = EventType.hire.value
EXIT = EventType.exit.value
SALARY_CHANGE = EventType.salary_change.value
MOVES = frozenset(t.value for t in MOVE_TYPES)
# The event types that decide what is held; the only ones `role_held` reads.
HOLDING_TYPES = (HIRE, *sorted(MOVES), EXIT)


# A day: a `date`, or anything that stands for one (the ranking passes ISO text through).
Day = TypeVar("Day")


@dataclass(frozen=True)
class Held(Generic[Day]):
    """The position an active person holds, since when, and the event that started it."""

    position_id: str
    role_started_on: Day
    role_event_id: str | None


def role_held(events: Iterable[tuple[str, str, str | None, Day]]) -> Held[Day] | None:
    """Return what the person holds after these events, or None when not active.

    `events` are (id, type, position_id, occurred_on) in history order (by `occurred_on`,
    then arrival), non-voided, up to the day asked about. `occurred_on` is passed through
    to `role_started_on` as given.
    """
    active = False
    position: str | None = None
    started: Day | None = None
    event_id: str | None = None
    for ev_id, kind, ev_position, occurred_on in events:
        if kind == HIRE:
            if active:
                continue
            active, position, started, event_id = True, ev_position, occurred_on, ev_id
        elif kind in MOVES:
            if not active or position is None or ev_position == position:
                continue
            position, started, event_id = ev_position, occurred_on, ev_id
        elif kind == EXIT:
            if not active:
                continue
            active, position, started, event_id = False, None, None, None
    if active and position and started is not None:
        return Held(position, started, event_id)
    return None


@dataclass(frozen=True)
class Paid:
    """The position an active person holds and the salary in force (None when unknown)."""

    position_id: str
    salary_cents: int | None
    currency: str | None


def pay_held(events: Iterable[tuple[str, str | None, int | None, str | None]]) -> Paid | None:
    """Return what the person holds and is paid after these events, or None when not active.

    A twin of `app.domain.history.replay` for the pay report, with its rules for status,
    position and salary (a hire sets the salary it names, a move or a salary change sets
    one when it names it, a salary change while employed always does, an exit clears
    it) and none of its levels or problems. `events` are (type, position_id, salary in
    cents, currency) in history order, non-voided, up to the day asked about; types other
    than hires, moves, salary changes and exits are not expected.
    """
    active = False
    position: str | None = None
    cents: int | None = None
    currency: str | None = None
    for kind, ev_position, ev_cents, ev_currency in events:
        salary = (ev_cents, ev_currency) if ev_cents is not None and ev_currency else None
        if kind == HIRE:
            if active:
                continue
            active, position = True, ev_position
            cents, currency = salary or (None, None)
        elif kind in MOVES:
            if not active or position is None or ev_position == position:
                continue
            position = ev_position
            if salary is not None:
                cents, currency = salary
        elif kind == SALARY_CHANGE:
            if active:
                cents, currency = salary or (None, None)
        elif kind == EXIT:
            if not active:
                continue
            active, position, cents, currency = False, None, None, None
    if active and position:
        return Paid(position, cents, currency)
    return None


class SpellEnd(StrEnum):
    """What ended a spell in a position."""

    move = "move"
    exit = "exit"


@dataclass(frozen=True)
class Spell:
    """One stretch of holding a position, from the hire or move that started it to the move
    or exit that ended it (all of the end fields are None while it is still held).

    For a spell ended by a move: `next_position_id` is where the person went, and
    `classification` is that move's; `salary_before` is the salary in force the day before
    the move, `salary_after` the salary in force once the move's day is applied (the move's
    own salary, or a salary change of the same day): what a move's pay change compares.
    """

    ordinal: int
    position_id: str
    started_on: date
    start_event_id: str
    ended_on: date | None = None
    end_event_id: str | None = None
    ended_by: SpellEnd | None = None
    next_position_id: str | None = None
    classification: MoveType | None = None
    salary_before: Money | None = None
    salary_after: Money | None = None

    @property
    def pay_change_percent(self) -> Decimal | None:
        """Return the pay change of the move that ended the spell, in percent."""
        return pay_change(self.salary_before, self.salary_after)


def spells(
    *,
    events: Iterable[EventFacts],
    level_of: Callable[[str], int | None] | Mapping[str, int],
) -> list[Spell]:
    """Return the spells of one person's (non-voided) history, oldest first, numbered from 1.

    The replay is `history.replay`'s: an event it finds a problem in is skipped, and every
    move is classified against the levels given (the positions' levels as they are now).
    """
    lookup = level_of.get if isinstance(level_of, Mapping) else level_of
    state = Projection()
    out: list[Spell] = []
    ordered = chronological(events)
    index = 0
    while index < len(ordered):
        day = ordered[index].occurred_on
        salary_before = state.salary
        # Spells a move ended today: their salary after is known once the day is applied.
        moved: list[int] = []
        while index < len(ordered) and ordered[index].occurred_on == day:
            ev = ordered[index]
            index += 1
            was_active = state.status is Status.active
            apply_event(state, ev, lookup)
            # What the event did, read from the state: a move whose asserted kind the
            # levels contradict is a problem, yet it still moves the person.
            started = state.role_event_id == ev.id
            is_move = ev.type in MOVE_TYPES and started
            exited = ev.type is EventType.exit and was_active
            if is_move or exited:
                last = len(out) - 1
                out[last] = replace(
                    out[last],
                    ended_on=day,
                    end_event_id=ev.id,
                    ended_by=SpellEnd.move if is_move else SpellEnd.exit,
                    next_position_id=ev.position_id if is_move else None,
                    classification=state.classifications.get(ev.id) if is_move else None,
                    salary_before=salary_before if is_move else None,
                )
                if is_move:
                    moved.append(last)
            if started:
                out.append(
                    Spell(
                        ordinal=len(out) + 1,
                        position_id=ev.position_id or "",
                        started_on=day,
                        start_event_id=ev.id,
                    )
                )
        for at in moved:
            out[at] = replace(out[at], salary_after=state.salary)
    return out
