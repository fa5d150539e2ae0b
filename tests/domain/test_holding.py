"""`role_held` reads what a person holds from hires, moves and exits exactly as the full
replay does, inconsistent histories included (a voided exit leaves a later rehire
dangling, a voided hire leaves moves without a position)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.history import EventFacts, EventType, Status, chronological, replay
from app.domain.holding import HOLDING_TYPES, pay_held, role_held
from app.domain.values import Money

POSITIONS = ["p1", "p2", "p3"]
TYPES = [EventType(t) for t in HOLDING_TYPES] + [EventType.salary_change]
START = date(2020, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> list[EventFacts]:
    n = draw(st.integers(min_value=0, max_value=12))
    events = []
    for seq in range(1, n + 1):
        kind = draw(st.sampled_from(TYPES))
        # Few days, so several events share one and arrival order decides.
        day = START + timedelta(days=draw(st.integers(min_value=0, max_value=6)))
        position = (
            None
            if kind in (EventType.exit, EventType.salary_change)
            else draw(st.sampled_from(POSITIONS))
        )
        salary = Money(100, "USD") if kind is EventType.salary_change else None
        events.append(EventFacts(f"e{seq}", kind, day, seq, position, salary))
    return events


def expected(events: list[EventFacts], as_of: date) -> tuple[str, date, str | None] | None:
    projection = replay(events=events, level_of={"p1": 1, "p2": 2, "p3": 2}, as_of=as_of)
    if projection.status is not Status.active or not projection.position_id:
        return None
    assert projection.role_started_on is not None
    return projection.position_id, projection.role_started_on, projection.role_event_id


@settings(max_examples=400, deadline=None)
@given(histories(), st.integers(min_value=-1, max_value=7))
def test_role_held_agrees_with_the_replay(events: list[EventFacts], offset: int) -> None:
    as_of = START + timedelta(days=offset)
    ordered = [
        (e.id, e.type.value, e.position_id, e.occurred_on)
        for e in chronological(events)
        if e.occurred_on <= as_of and e.type.value in HOLDING_TYPES
    ]
    held = role_held(ordered)
    got = None if held is None else (held.position_id, held.role_started_on, held.role_event_id)
    assert got == expected(events, as_of)


def test_a_rehire_while_still_employed_is_skipped_as_the_replay_skips_it() -> None:
    events = [
        ("h1", "hire", "p1", date(2020, 1, 1)),
        ("h2", "hire", "p2", date(2021, 1, 1)),  # its exit was voided
        ("m1", "promotion", "p1", date(2022, 1, 1)),  # to the position held: skipped
    ]
    held = role_held(events)
    assert held is not None
    assert (held.position_id, held.role_started_on, held.role_event_id) == (
        "p1",
        date(2020, 1, 1),
        "h1",
    )


SALARIES = st.one_of(
    st.none(), st.builds(Money, st.integers(1, 10**9), st.sampled_from(["USD", "EUR"]))
)


@st.composite
def paid_histories(draw: st.DrawFn) -> list[EventFacts]:
    """Histories where hires, moves and pay changes may or may not name a salary."""
    events = []
    for seq in range(1, draw(st.integers(min_value=0, max_value=12)) + 1):
        kind = draw(st.sampled_from(TYPES))
        day = START + timedelta(days=draw(st.integers(min_value=0, max_value=6)))
        position = (
            None
            if kind in (EventType.exit, EventType.salary_change)
            else draw(st.sampled_from(POSITIONS))
        )
        salary = (
            draw(st.builds(Money, st.integers(1, 10**9), st.sampled_from(["USD", "EUR"])))
            if kind is EventType.salary_change
            else None
            if kind is EventType.exit
            else draw(SALARIES)
        )
        events.append(EventFacts(f"e{seq}", kind, day, seq, position, salary))
    return events


@settings(max_examples=400, deadline=None)
@given(paid_histories(), st.integers(min_value=-1, max_value=7))
def test_pay_held_agrees_with_the_replay(events: list[EventFacts], offset: int) -> None:
    """The pay report's twin: the position and the salary in force, as the replay has them."""
    as_of = START + timedelta(days=offset)
    ordered = [
        (
            e.type.value,
            e.position_id,
            e.salary.cents if e.salary else None,
            e.salary.currency if e.salary else None,
        )
        for e in chronological(events)
        if e.occurred_on <= as_of
    ]
    projection = replay(events=events, level_of={}, as_of=as_of)
    want = None
    if projection.status is Status.active and projection.position_id:
        salary = projection.salary
        want = (
            projection.position_id,
            salary.cents if salary else None,
            salary.currency if salary else None,
        )

    held = pay_held(ordered)

    got = None if held is None else (held.position_id, held.salary_cents, held.currency)
    assert got == want
