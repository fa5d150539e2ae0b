"""`spells` cuts the replay into the stretches each position was held, and `role_held`
reads what a person holds from hires, moves and exits exactly as the full
replay does, inconsistent histories included (a voided exit leaves a later rehire
dangling, a voided hire leaves moves without a position)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.history import (
    EventFacts,
    EventType,
    MoveRecord,
    Status,
    chronological,
    move_records,
    replay,
)
from app.domain.holding import HOLDING_TYPES, SpellEnd, pay_held, role_held, spells
from app.domain.mobility import MoveType
from app.domain.values import Money, whole_months_between

POSITIONS = ["p1", "p2", "p3"]
TYPES = [EventType(t) for t in HOLDING_TYPES] + [EventType.salary_change]
START = date(2020, 1, 1)


def draw_event(
    draw: st.DrawFn, kinds: list[EventType], *, steps: int = 6, step_days: int = 1
) -> tuple[EventType, date, str | None]:
    """Draw an event's type, its day (START plus up to `steps` steps of `step_days`) and its
    position (none for exits and pay changes)."""
    kind = draw(st.sampled_from(kinds))
    day = START + timedelta(days=step_days * draw(st.integers(min_value=0, max_value=steps)))
    no_position = kind in (EventType.exit, EventType.salary_change)
    return kind, day, None if no_position else draw(st.sampled_from(POSITIONS))


@st.composite
def histories(draw: st.DrawFn) -> list[EventFacts]:
    n = draw(st.integers(min_value=0, max_value=12))
    events = []
    for seq in range(1, n + 1):
        # Few days, so several events share one and arrival order decides.
        kind, day, position = draw_event(draw, TYPES)
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
def pay_histories(draw: st.DrawFn) -> list[EventFacts]:
    """Histories where hires, moves and pay changes may or may not name a salary."""
    events = []
    for seq in range(1, draw(st.integers(min_value=0, max_value=12)) + 1):
        kind, day, position = draw_event(draw, TYPES)
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
@given(pay_histories(), st.integers(min_value=-1, max_value=7))
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


# --- spells: the stretches a person held each position ------------------------------------

LEVELS = {"p1": 1, "p2": 2, "p3": 2}


@st.composite
def paid_histories(draw: st.DrawFn) -> list[EventFacts]:
    """Histories of hires, moves (of every kind), salary changes and exits, salaries
    anywhere they may be, over few days so that several events share one."""
    n = draw(st.integers(min_value=0, max_value=14))
    kinds = [
        EventType.hire,
        EventType.position_change,
        EventType.promotion,
        EventType.lateral_move,
        EventType.salary_change,
        EventType.exit,
    ]
    events = []
    for seq in range(1, n + 1):
        kind, day, position = draw_event(draw, kinds, steps=8, step_days=31)
        salary = None
        if kind is EventType.salary_change or (kind is not EventType.exit and draw(st.booleans())):
            salary = Money(draw(st.integers(min_value=1, max_value=5)) * 1000, "USD")
        events.append(EventFacts(f"e{seq}", kind, day, seq, position, salary))
    return events


@settings(max_examples=400, deadline=None)
@given(paid_histories())
def test_spells_ended_by_a_move_are_the_move_records_of_the_replay(
    events: list[EventFacts],
) -> None:
    from_spells = [
        MoveRecord(
            event_id=s.end_event_id or "",
            occurred_on=s.ended_on or START,
            from_position_id=s.position_id,
            to_position_id=s.next_position_id or "",
            months_in_from_role=whole_months_between(s.started_on, s.ended_on or START),
            pay_change_percent=s.pay_change_percent,
            classification=s.classification,
        )
        for s in spells(events=events, level_of=LEVELS)
        if s.ended_by is SpellEnd.move
    ]
    assert from_spells == move_records(events=events, level_of=LEVELS)


@settings(max_examples=400, deadline=None)
@given(paid_histories())
def test_spells_follow_on_from_each_other_and_the_last_open_one_is_what_the_replay_holds(
    events: list[EventFacts],
) -> None:
    got = spells(events=events, level_of=LEVELS)
    assert [s.ordinal for s in got] == list(range(1, len(got) + 1))
    for before, after in zip(got, got[1:], strict=False):
        assert before.ended_by is not None
        if before.ended_by is SpellEnd.move:
            assert before.next_position_id == after.position_id
            assert before.end_event_id == after.start_event_id
            assert before.ended_on == after.started_on
        else:
            assert before.end_event_id is not None and before.ended_on is not None
            assert after.started_on >= before.ended_on
    projection = replay(events=events, level_of=LEVELS)
    open_spells = [s for s in got if s.ended_by is None]
    if projection.status is Status.active:
        assert len(open_spells) == 1 and open_spells[0] == got[-1]
        assert got[-1].position_id == projection.position_id
        assert got[-1].started_on == projection.role_started_on
        assert got[-1].start_event_id == projection.role_event_id
    else:
        assert open_spells == []


def test_spells_of_a_hire_a_promotion_with_a_same_day_raise_and_an_exit() -> None:
    events = [
        EventFacts("h", EventType.hire, date(2020, 1, 15), 1, "p1", Money(100_00, "USD")),
        EventFacts("m", EventType.promotion, date(2021, 3, 1), 2, "p2"),
        EventFacts("r", EventType.salary_change, date(2021, 3, 1), 3, None, Money(120_00, "USD")),
        EventFacts("x", EventType.exit, date(2022, 1, 1), 4),
    ]
    first, second = spells(events=events, level_of=LEVELS)
    assert first.position_id == "p1" and first.started_on == date(2020, 1, 15)
    assert (first.ended_by, first.end_event_id, first.next_position_id) == (
        SpellEnd.move,
        "m",
        "p2",
    )
    assert first.classification is MoveType.promotion
    assert first.pay_change_percent == 20
    assert (second.position_id, second.start_event_id, second.ended_by) == (
        "p2",
        "m",
        SpellEnd.exit,
    )
    assert second.salary_before is None and second.pay_change_percent is None
