"""Replay a person's career events into what they hold on a day, and what is inconsistent.

Events are applied in `occurred_on` order, then arrival order (`seq`); voided events are
skipped. The same replay classifies every move against the position held on its date, so a
back-filled or voided event re-classifies the moves after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from app.domain.mobility import MoveType, classify_levels
from app.domain.values import Money, whole_months_between


class EventType(StrEnum):
    hire = "hire"
    position_change = "position_change"
    promotion = "promotion"
    lateral_move = "lateral_move"
    demotion = "demotion"
    salary_change = "salary_change"
    training_completed = "training_completed"
    certification_earned = "certification_earned"
    skill_acquired = "skill_acquired"
    leadership_activity = "leadership_activity"
    initiative = "initiative"
    performance_review = "performance_review"
    exit = "exit"
    talent_review = "talent_review"


# Event types by their stored name: a dict lookup, where `EventType(name)` is an enum call
# (hot loops over stored rows use this).
EVENT_TYPE_BY_NAME: dict[str, EventType] = {t.value: t for t in EventType}

MOVE_TYPES = frozenset(
    {EventType.position_change, EventType.promotion, EventType.lateral_move, EventType.demotion}
)
# The classification an asserted move type promises.
ASSERTED_KIND: dict[EventType, MoveType] = {
    EventType.promotion: MoveType.promotion,
    EventType.lateral_move: MoveType.lateral,
    EventType.demotion: MoveType.demotion,
}
DEVELOPMENT_TYPES = frozenset(
    {EventType.training_completed, EventType.certification_earned, EventType.skill_acquired}
)
LEADERSHIP_TYPES = frozenset({EventType.leadership_activity, EventType.initiative})
# The types that change what a person holds; the rest are evidence only.
STATE_TYPES = MOVE_TYPES | {EventType.hire, EventType.salary_change, EventType.exit}

# Which of an event's optional fields each type takes (anything else is refused), and which
# of them it must have.
ALLOWED_FIELDS: dict[EventType, frozenset[str]] = {
    EventType.hire: frozenset({"position_id", "salary"}),
    EventType.position_change: frozenset({"position_id", "salary"}),
    EventType.promotion: frozenset({"position_id", "salary"}),
    EventType.lateral_move: frozenset({"position_id", "salary"}),
    EventType.demotion: frozenset({"position_id", "salary"}),
    EventType.salary_change: frozenset({"salary"}),
    EventType.training_completed: frozenset({"name"}),
    EventType.certification_earned: frozenset({"name", "expires_on"}),
    EventType.skill_acquired: frozenset({"name", "level"}),
    EventType.leadership_activity: frozenset({"name"}),
    EventType.initiative: frozenset({"name"}),
    EventType.performance_review: frozenset({"rating"}),
    EventType.exit: frozenset(),
    EventType.talent_review: frozenset({"potential", "risk_of_loss", "impact_of_loss"}),
}
REQUIRED_FIELDS: dict[EventType, frozenset[str]] = {
    EventType.hire: frozenset({"position_id"}),
    EventType.position_change: frozenset({"position_id"}),
    EventType.promotion: frozenset({"position_id"}),
    EventType.lateral_move: frozenset({"position_id"}),
    EventType.demotion: frozenset({"position_id"}),
    EventType.salary_change: frozenset({"salary"}),
    EventType.training_completed: frozenset({"name"}),
    EventType.certification_earned: frozenset({"name"}),
    EventType.skill_acquired: frozenset({"name"}),
    EventType.performance_review: frozenset({"rating"}),
    EventType.talent_review: frozenset({"potential"}),
}


class Status(StrEnum):
    pending = "pending"
    active = "active"
    exited = "exited"


@dataclass(frozen=True)
class EventFacts:
    id: str
    type: EventType
    occurred_on: date
    seq: int
    position_id: str | None = None
    salary: Money | None = None


@dataclass(frozen=True)
class Problem:
    event_id: str
    field: str
    message: str


@dataclass
class Projection:
    """What a person holds after the replay, and what the replay found."""

    status: Status = Status.pending
    position_id: str | None = None
    salary: Money | None = None
    hired_on: date | None = None
    role_started_on: date | None = None
    role_event_id: str | None = None
    classifications: dict[str, MoveType] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def chronological(events: Iterable[EventFacts]) -> list[EventFacts]:
    """Return events in history order: by date, then by arrival."""
    return sorted(events, key=lambda e: (e.occurred_on, e.seq))


def replay(
    *,
    events: Iterable[EventFacts],
    level_of: Callable[[str], int | None] | Mapping[str, int],
    as_of: date | None = None,
) -> Projection:
    """Return the projection of the (non-voided) events up to `as_of` (all when None)."""
    lookup = level_of.get if isinstance(level_of, Mapping) else level_of
    state = Projection()
    for ev in chronological(events):
        if as_of is not None and ev.occurred_on > as_of:
            break
        apply_event(state, ev, lookup)
    return state


def apply_event(state: Projection, ev: EventFacts, level_of: Callable[[str], int | None]) -> None:
    """Apply one event to the state in place, or record the problem it has and skip it."""
    employed = state.status is Status.active
    day = ev.occurred_on.isoformat()
    if ev.type is EventType.hire:
        if employed:
            state.problems.append(
                Problem(
                    ev.id,
                    "type",
                    f"the person is already employed on {day} (hired on {state.hired_on}); "
                    "record an exit before a rehire",
                )
            )
            return
        state.status = Status.active
        state.position_id = ev.position_id
        state.salary = ev.salary
        state.hired_on = ev.occurred_on
        state.role_started_on = ev.occurred_on
        state.role_event_id = ev.id
    elif ev.type in MOVE_TYPES:
        if not employed or state.position_id is None:
            when = "after their exit" if state.status is Status.exited else "before their hire"
            state.problems.append(
                Problem(
                    ev.id,
                    "occurred_on",
                    f"the person holds no position on {day} ({when}); record the hire first",
                )
            )
            return
        if ev.position_id == state.position_id:
            state.problems.append(
                Problem(ev.id, "position_id", f"the person already holds this position on {day}")
            )
            return
        before, after = level_of(state.position_id), level_of(ev.position_id or "")
        if before is not None and after is not None:
            kind = classify_levels(source_level=before, target_level=after)
            state.classifications[ev.id] = kind
            promised = ASSERTED_KIND.get(ev.type)
            if promised is not None and promised is not kind:
                state.problems.append(
                    Problem(
                        ev.id,
                        "type",
                        f"a {ev.type.value} must be a {promised.value}, but level {before} to "
                        f"level {after} on {day} is a {kind.value}",
                    )
                )
        state.position_id = ev.position_id
        state.role_started_on = ev.occurred_on
        state.role_event_id = ev.id
        if ev.salary is not None:
            state.salary = ev.salary
    elif ev.type is EventType.salary_change:
        if not employed:
            state.problems.append(
                Problem(
                    ev.id,
                    "occurred_on",
                    f"the person is not employed on {day}; record the hire first",
                )
            )
            return
        state.salary = ev.salary
    elif ev.type is EventType.exit:
        if not employed:
            state.problems.append(
                Problem(ev.id, "type", f"the person is not employed on {day}, so cannot exit")
            )
            return
        state.status = Status.exited
        state.position_id = None
        state.salary = None
        state.role_started_on = None
        state.role_event_id = None


def problems_added(
    *,
    existing: list[EventFacts],
    new: EventFacts,
    level_of: Callable[[str], int | None] | Mapping[str, int],
) -> list[Problem]:
    """Return the inconsistencies that recording `new` would add to the history."""
    # A problem is identified by its event and field: the wording of an old problem may
    # change (it quotes levels and dates) without it being a new one.
    before = {(p.event_id, p.field) for p in replay(events=existing, level_of=level_of).problems}
    after = replay(events=[*existing, new], level_of=level_of).problems
    return [p for p in after if (p.event_id, p.field) not in before]


def problems_removed(
    *,
    existing: list[EventFacts],
    removed_id: str,
    level_of: Callable[[str], int | None] | Mapping[str, int],
) -> list[Problem]:
    """Return the inconsistencies that taking the event `removed_id` out of the history (a
    void) would add: the later events that would no longer fit, as recording would judge
    them."""
    before = {(p.event_id, p.field) for p in replay(events=existing, level_of=level_of).problems}
    rest = [e for e in existing if e.id != removed_id]
    after = replay(events=rest, level_of=level_of).problems
    return [p for p in after if (p.event_id, p.field) not in before]


@dataclass(frozen=True)
class MoveRecord:
    """One move as it happened: from what, to what, after how long, at what pay change."""

    event_id: str
    occurred_on: date
    from_position_id: str
    to_position_id: str
    months_in_from_role: int
    pay_change_percent: Decimal | None
    classification: MoveType | None


def pay_change(before: Money | None, after: Money | None) -> Decimal | None:
    """Return the change from one salary to another in percent, or None without both."""
    if before is None or after is None or before.currency != after.currency or before.cents <= 0:
        return None
    return Decimal(after.cents - before.cents) * 100 / Decimal(before.cents)


def move_records(
    *,
    events: Iterable[EventFacts],
    level_of: Callable[[str], int | None] | Mapping[str, int],
) -> list[MoveRecord]:
    """Return every valid move of one person's history with its context.

    The pay change compares the salary in force right after the move (the move's own
    salary, or a salary change the same day) with the salary in force the day before.
    Observed paths read the same moves from the stored spells (`holding.spells`); this is
    the replay's own account of them, which the tests hold the spells to.
    """
    lookup = level_of.get if isinstance(level_of, Mapping) else level_of
    state = Projection()
    records: list[MoveRecord] = []
    ordered = chronological(events)
    index = 0
    while index < len(ordered):
        day = ordered[index].occurred_on
        salary_before = state.salary
        pending: list[tuple[EventFacts, str, date]] = []
        while index < len(ordered) and ordered[index].occurred_on == day:
            ev = ordered[index]
            held, since = state.position_id, state.role_started_on
            apply_event(state, ev, lookup)
            # A move whose asserted kind the levels contradict is a problem, but it still
            # moves the person: it counts when it started the role held now.
            if ev.type in MOVE_TYPES and state.role_event_id == ev.id and held and since:
                pending.append((ev, held, since))
            index += 1
        change = pay_change(salary_before, state.salary)
        for ev, held, since in pending:
            records.append(
                MoveRecord(
                    event_id=ev.id,
                    occurred_on=ev.occurred_on,
                    from_position_id=held,
                    to_position_id=ev.position_id or "",
                    months_in_from_role=whole_months_between(since, ev.occurred_on),
                    pay_change_percent=change,
                    classification=state.classifications.get(ev.id),
                )
            )
    return records


@dataclass(frozen=True)
class Step:
    """What a person held from a day on, after a hire, move, salary change or exit."""

    event_id: str
    type: EventType
    occurred_on: date
    position_id: str | None
    level: int | None
    salary: Money | None
    classification: MoveType | None


def steps(
    *,
    events: Iterable[EventFacts],
    level_of: Callable[[str], int | None] | Mapping[str, int],
) -> list[Step]:
    """Return the state after each event that applied cleanly, in history order."""
    lookup = level_of.get if isinstance(level_of, Mapping) else level_of
    state = Projection()
    out = []
    for ev in chronological(events):
        problems = len(state.problems)
        apply_event(state, ev, lookup)
        if len(state.problems) != problems or ev.type not in STATE_TYPES:
            continue
        out.append(
            Step(
                event_id=ev.id,
                type=ev.type,
                occurred_on=ev.occurred_on,
                position_id=state.position_id,
                level=lookup(state.position_id) if state.position_id else None,
                salary=state.salary,
                classification=state.classifications.get(ev.id),
            )
        )
    return out
