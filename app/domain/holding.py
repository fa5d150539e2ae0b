"""What a person holds on a day, read from their hires, moves and exits alone.

A light twin of `app.domain.history.replay` for ranking a whole organization: it keeps only
the status, the position and when (and by which event) the role started, so it needs
neither levels nor salaries, and it skips the same inconsistent events the replay skips (a
hire while employed, a move while not employed or to the position held, an exit while not
employed). Salary changes never change any of these, so callers may leave them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.domain.history import MOVE_TYPES, EventType

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
