"""Replaying career events into what a person holds, and what is inconsistent."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.history import (
    EventFacts,
    EventType,
    Problem,
    Projection,
    Status,
    chronological,
    problems_added,
    replay,
)
from app.domain.mobility import MoveType
from app.domain.values import Money

LEVELS = {"lpn": 2, "rn": 3, "triage-rn": 3, "rn-manager": 4, "director": 5}


def usd(units: int) -> Money:
    return Money(units * 100, "USD")


def event(
    eid: str,
    type_: EventType,
    day: date,
    seq: int,
    position_id: str | None = None,
    salary: Money | None = None,
) -> EventFacts:
    return EventFacts(
        id=eid, type=type_, occurred_on=day, seq=seq, position_id=position_id, salary=salary
    )


HIRE = event("hire", EventType.hire, date(2020, 1, 6), 1, "rn", usd(70_000))


def test_no_events_means_pending_and_nothing_held():
    state = replay(events=[], level_of=LEVELS)
    assert state == Projection()
    assert state.status is Status.pending
    assert (state.position_id, state.salary, state.hired_on, state.role_started_on) == (
        None,
        None,
        None,
        None,
    )


def test_hire_makes_the_person_active_in_the_position_at_the_salary():
    state = replay(events=[HIRE], level_of=LEVELS)
    assert state.status is Status.active
    assert state.position_id == "rn"
    assert state.salary == usd(70_000)
    assert state.hired_on == date(2020, 1, 6)
    assert state.role_started_on == date(2020, 1, 6)
    assert state.role_event_id == "hire"
    assert state.problems == []


def test_move_without_salary_keeps_the_previous_salary():
    move = event("move", EventType.position_change, date(2021, 3, 1), 2, "triage-rn")
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.position_id == "triage-rn"
    assert state.salary == usd(70_000)
    assert state.role_started_on == date(2021, 3, 1)
    assert state.role_event_id == "move"
    assert state.hired_on == date(2020, 1, 6)


def test_move_with_salary_sets_the_pay_in_the_new_role():
    move = event("move", EventType.promotion, date(2021, 3, 1), 2, "rn-manager", usd(85_000))
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.position_id == "rn-manager"
    assert state.salary == usd(85_000)
    assert state.classifications == {"move": MoveType.promotion}
    assert state.problems == []


def test_salary_change_changes_pay_but_not_the_role():
    raise_ = event("raise", EventType.salary_change, date(2021, 1, 1), 2, salary=usd(72_000))
    state = replay(events=[HIRE, raise_], level_of=LEVELS)
    assert state.salary == usd(72_000)
    assert state.position_id == "rn"
    assert state.role_started_on == date(2020, 1, 6)
    assert state.role_event_id == "hire"


def test_evidence_events_change_nothing_held():
    evidence = [
        event(f"e{i}", type_, date(2021, 1, 1), 10 + i)
        for i, type_ in enumerate(
            [
                EventType.training_completed,
                EventType.certification_earned,
                EventType.skill_acquired,
                EventType.leadership_activity,
                EventType.initiative,
                EventType.performance_review,
            ]
        )
    ]
    assert replay(events=[HIRE, *evidence], level_of=LEVELS) == replay(
        events=[HIRE], level_of=LEVELS
    )


def test_exit_clears_position_salary_and_role_but_keeps_hired_on():
    leave = event("exit", EventType.exit, date(2022, 5, 31), 2)
    state = replay(events=[HIRE, leave], level_of=LEVELS)
    assert state.status is Status.exited
    assert state.position_id is None
    assert state.salary is None
    assert state.role_started_on is None
    assert state.role_event_id is None
    assert state.hired_on == date(2020, 1, 6)
    assert state.problems == []


def test_rehire_after_exit_keeps_the_latest_hire():
    events = [
        HIRE,
        event("exit", EventType.exit, date(2022, 5, 31), 2),
        event("rehire", EventType.hire, date(2023, 9, 1), 3, "lpn"),
    ]
    state = replay(events=events, level_of=LEVELS)
    assert state.status is Status.active
    assert state.hired_on == date(2023, 9, 1)
    assert state.position_id == "lpn"
    assert state.salary is None  # the old salary does not come back
    assert state.role_started_on == date(2023, 9, 1)
    assert state.role_event_id == "rehire"
    assert state.problems == []


def test_as_of_ignores_events_after_it():
    move = event("move", EventType.promotion, date(2021, 3, 1), 2, "rn-manager", usd(85_000))
    events = [HIRE, move]
    assert replay(events=events, level_of=LEVELS, as_of=date(2020, 1, 5)).status is Status.pending
    before = replay(events=events, level_of=LEVELS, as_of=date(2021, 2, 28))
    assert (before.position_id, before.salary, before.classifications) == ("rn", usd(70_000), {})
    on_the_day = replay(events=events, level_of=LEVELS, as_of=date(2021, 3, 1))
    assert (on_the_day.position_id, on_the_day.salary) == ("rn-manager", usd(85_000))


# --- ordering ---------------------------------------------------------------------------------


def test_history_orders_by_date_then_arrival():
    a = event("a", EventType.salary_change, date(2021, 1, 1), 5)
    b = event("b", EventType.salary_change, date(2021, 1, 1), 2)
    c = event("c", EventType.hire, date(2020, 1, 1), 9)
    assert [e.id for e in chronological([a, b, c])] == ["c", "b", "a"]


def test_events_arriving_out_of_order_replay_by_date():
    move = event("move", EventType.position_change, date(2021, 3, 1), 1, "rn-manager")
    raise_ = event("raise", EventType.salary_change, date(2022, 1, 1), 2, salary=usd(90_000))
    hire = event("hire", EventType.hire, date(2020, 1, 6), 3, "rn", usd(70_000))
    state = replay(events=[raise_, move, hire], level_of=LEVELS)
    assert state.problems == []
    assert state.position_id == "rn-manager"
    assert state.salary == usd(90_000)
    assert state.classifications == {"move": MoveType.promotion}


def test_same_day_events_replay_in_arrival_order():
    first = event("first", EventType.salary_change, date(2021, 1, 1), 3, salary=usd(71_000))
    second = event("second", EventType.salary_change, date(2021, 1, 1), 2, salary=usd(72_000))
    state = replay(events=[HIRE, first, second], level_of=LEVELS)
    assert state.salary == usd(71_000)  # seq 3 arrived last


def test_same_day_move_that_arrived_before_the_hire_is_before_the_hire():
    move = event("move", EventType.position_change, date(2020, 1, 6), 1, "rn-manager")
    hire = event("hire", EventType.hire, date(2020, 1, 6), 2, "rn")
    state = replay(events=[hire, move], level_of=LEVELS)
    assert [p.event_id for p in state.problems] == ["move"]
    assert state.position_id == "rn"


@st.composite
def histories(draw) -> list[EventFacts]:
    types = st.sampled_from(tuple(EventType))
    specs = draw(
        st.lists(
            st.tuples(
                types,
                st.integers(0, 60),
                st.sampled_from((None, *LEVELS)),
                st.sampled_from((None, 50_000, 70_000)),
            ),
            max_size=10,
        )
    )
    return [
        event(
            f"e{seq}",
            type_,
            date(2020, 1, 1) + timedelta(days=30 * month),
            seq,
            position,
            usd(salary) if salary else None,
        )
        for seq, (type_, month, position, salary) in enumerate(specs)
    ]


@given(events=histories(), data=st.data())
@settings(max_examples=100, deadline=None)
def test_replay_depends_on_dates_and_arrival_not_on_the_order_given(events, data):
    shuffled = data.draw(st.permutations(events))
    assert replay(events=shuffled, level_of=LEVELS) == replay(events=events, level_of=LEVELS)


# --- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("rn-manager", MoveType.promotion),
        ("director", MoveType.promotion),
        ("triage-rn", MoveType.lateral),
        ("lpn", MoveType.demotion),
    ],
)
def test_position_change_is_classified_against_the_position_held(target, expected):
    move = event("move", EventType.position_change, date(2021, 3, 1), 2, target)
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.classifications == {"move": expected}
    assert state.problems == []


def test_each_move_is_classified_against_the_position_held_on_its_date():
    events = [
        HIRE,
        event("up", EventType.position_change, date(2021, 1, 1), 2, "rn-manager"),
        event("across", EventType.position_change, date(2022, 1, 1), 3, "director"),
        event("down", EventType.position_change, date(2023, 1, 1), 4, "triage-rn"),
    ]
    state = replay(events=events, level_of=LEVELS)
    assert state.classifications == {
        "up": MoveType.promotion,
        "across": MoveType.promotion,
        "down": MoveType.demotion,
    }


def test_back_filled_earlier_move_reclassifies_the_later_one():
    later = event("later", EventType.position_change, date(2022, 1, 1), 2, "rn-manager")
    before = replay(events=[HIRE, later], level_of=LEVELS)
    assert before.classifications == {"later": MoveType.promotion}

    back_filled = event("earlier", EventType.position_change, date(2021, 1, 1), 3, "director")
    after = replay(events=[HIRE, later, back_filled], level_of=LEVELS)
    assert after.classifications == {
        "earlier": MoveType.promotion,
        "later": MoveType.demotion,
    }
    assert after.position_id == "rn-manager"


def test_levels_can_come_from_a_function():
    move = event("move", EventType.position_change, date(2021, 3, 1), 2, "triage-rn")
    state = replay(events=[HIRE, move], level_of=lambda pid: LEVELS.get(pid))
    assert state.classifications == {"move": MoveType.lateral}


def test_move_to_a_position_without_a_level_is_applied_but_not_classified():
    move = event("move", EventType.promotion, date(2021, 3, 1), 2, "unknown")
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.classifications == {}
    assert state.problems == []
    assert state.position_id == "unknown"


# --- problems ---------------------------------------------------------------------------------


def test_move_before_the_hire_is_a_problem_that_asks_for_the_hire_first():
    move = event("move", EventType.position_change, date(2019, 12, 31), 2, "rn-manager")
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.problems == [
        Problem(
            "move",
            "occurred_on",
            "the person holds no position on 2019-12-31 (before their hire); record the hire first",
        )
    ]
    assert state.classifications == {}
    assert state.position_id == "rn"
    assert state.role_event_id == "hire"


def test_move_after_an_exit_is_a_problem():
    events = [
        HIRE,
        event("exit", EventType.exit, date(2022, 5, 31), 2),
        event("move", EventType.promotion, date(2022, 6, 1), 3, "rn-manager"),
    ]
    state = replay(events=events, level_of=LEVELS)
    assert state.problems == [
        Problem(
            "move",
            "occurred_on",
            "the person holds no position on 2022-06-01 (after their exit); record the hire first",
        )
    ]
    assert state.status is Status.exited
    assert state.position_id is None


def test_move_to_the_position_already_held_is_a_problem():
    move = event("move", EventType.lateral_move, date(2021, 3, 1), 2, "rn", usd(99_000))
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.problems == [
        Problem("move", "position_id", "the person already holds this position on 2021-03-01")
    ]
    assert state.classifications == {}
    assert state.role_started_on == date(2020, 1, 6)
    assert state.salary == usd(70_000)


def test_second_hire_while_employed_is_a_problem():
    again = event("again", EventType.hire, date(2021, 3, 1), 2, "rn-manager", usd(90_000))
    state = replay(events=[HIRE, again], level_of=LEVELS)
    assert state.problems == [
        Problem(
            "again",
            "type",
            "the person is already employed on 2021-03-01 (hired on 2020-01-06); "
            "record an exit before a rehire",
        )
    ]
    assert (state.position_id, state.salary, state.hired_on) == (
        "rn",
        usd(70_000),
        date(2020, 1, 6),
    )


def test_asserted_promotion_that_is_a_demotion_is_a_problem():
    hire = event("hire", EventType.hire, date(2020, 1, 6), 1, "rn-manager")
    move = event("move", EventType.promotion, date(2021, 3, 1), 2, "rn")
    state = replay(events=[hire, move], level_of=LEVELS)
    assert state.problems == [
        Problem(
            "move",
            "type",
            "a promotion must be a promotion, but level 4 to level 3 on 2021-03-01 is a demotion",
        )
    ]
    assert state.classifications == {"move": MoveType.demotion}


@pytest.mark.parametrize(
    ("type_", "target", "kind"),
    [
        (EventType.lateral_move, "rn-manager", "promotion"),
        (EventType.demotion, "triage-rn", "lateral"),
        (EventType.promotion, "triage-rn", "lateral"),
    ],
)
def test_asserted_kind_contradicting_the_levels_is_a_problem(type_, target, kind):
    move = event("move", type_, date(2021, 3, 1), 2, target)
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert [(p.event_id, p.field) for p in state.problems] == [("move", "type")]
    assert state.problems[0].message.endswith(f"is a {kind}")


@pytest.mark.parametrize(
    ("type_", "target"),
    [
        (EventType.promotion, "rn-manager"),
        (EventType.lateral_move, "triage-rn"),
        (EventType.demotion, "lpn"),
    ],
)
def test_asserted_kind_matching_the_levels_is_fine(type_, target):
    move = event("move", type_, date(2021, 3, 1), 2, target)
    state = replay(events=[HIRE, move], level_of=LEVELS)
    assert state.problems == []


def test_salary_change_before_the_hire_is_a_problem():
    raise_ = event("raise", EventType.salary_change, date(2019, 6, 1), 2, salary=usd(1))
    state = replay(events=[HIRE, raise_], level_of=LEVELS)
    assert state.problems == [
        Problem(
            "raise",
            "occurred_on",
            "the person is not employed on 2019-06-01; record the hire first",
        )
    ]
    assert state.salary == usd(70_000)


def test_salary_change_after_an_exit_is_a_problem():
    events = [
        HIRE,
        event("exit", EventType.exit, date(2022, 5, 31), 2),
        event("raise", EventType.salary_change, date(2022, 6, 1), 3, salary=usd(1)),
    ]
    state = replay(events=events, level_of=LEVELS)
    assert [(p.event_id, p.field) for p in state.problems] == [("raise", "occurred_on")]
    assert state.salary is None


def test_exit_before_any_hire_is_a_problem():
    leave = event("exit", EventType.exit, date(2019, 6, 1), 2)
    state = replay(events=[leave], level_of=LEVELS)
    assert state.problems == [
        Problem("exit", "type", "the person is not employed on 2019-06-01, so cannot exit")
    ]
    assert state.status is Status.pending


def test_second_exit_is_a_problem():
    events = [
        HIRE,
        event("exit", EventType.exit, date(2022, 5, 31), 2),
        event("again", EventType.exit, date(2022, 6, 30), 3),
    ]
    state = replay(events=events, level_of=LEVELS)
    assert state.problems == [
        Problem("again", "type", "the person is not employed on 2022-06-30, so cannot exit")
    ]
    assert state.status is Status.exited


# --- problems_added ---------------------------------------------------------------------------


def test_problems_added_is_empty_for_a_consistent_event():
    move = event("move", EventType.promotion, date(2021, 3, 1), 2, "rn-manager")
    assert problems_added(existing=[HIRE], new=move, level_of=LEVELS) == []


def test_problems_added_names_the_new_events_problem_only():
    existing = [HIRE, event("again", EventType.hire, date(2021, 1, 1), 2, "lpn")]
    assert len(replay(events=existing, level_of=LEVELS).problems) == 1
    new = event("move", EventType.promotion, date(2021, 3, 1), 3, "lpn")
    assert problems_added(existing=existing, new=new, level_of=LEVELS) == [
        Problem(
            "move",
            "type",
            "a promotion must be a promotion, but level 3 to level 2 on 2021-03-01 is a demotion",
        )
    ]


def test_problems_added_ignores_problems_already_in_the_history():
    existing = [HIRE, event("again", EventType.hire, date(2021, 1, 1), 2, "lpn")]
    new = event("raise", EventType.salary_change, date(2021, 6, 1), 3, salary=usd(75_000))
    assert problems_added(existing=existing, new=new, level_of=LEVELS) == []


def test_back_filled_exit_reports_the_later_move_it_strands():
    move = event("move", EventType.position_change, date(2022, 1, 1), 2, "rn-manager")
    leave = event("exit", EventType.exit, date(2021, 6, 30), 3)
    assert problems_added(existing=[HIRE, move], new=leave, level_of=LEVELS) == [
        Problem(
            "move",
            "occurred_on",
            "the person holds no position on 2022-01-01 (after their exit); record the hire first",
        )
    ]


def test_back_filled_hire_reports_the_later_hire_it_duplicates():
    hire = event("hire", EventType.hire, date(2021, 1, 1), 1, "rn")
    earlier = event("earlier", EventType.hire, date(2020, 1, 1), 2, "lpn")
    added = problems_added(existing=[hire], new=earlier, level_of=LEVELS)
    assert [(p.event_id, p.field) for p in added] == [("hire", "type")]


def test_problems_added_ignores_an_existing_problem_whose_wording_changes():
    # "promo" already contradicts its levels (level 3 to 2 is a demotion, for example after a
    # position's level was edited). A valid back-filled promotion before it keeps it a demotion
    # (now level 4 to 2): the history gains no new inconsistency.
    levels = {"p3": 3, "p2": 2, "p4": 4}
    hire = event("hire", EventType.hire, date(2020, 1, 1), 1, "p3")
    promo = event("promo", EventType.promotion, date(2022, 1, 1), 2, "p2")
    assert [p.event_id for p in replay(events=[hire, promo], level_of=levels).problems] == ["promo"]
    back_filled = event("backfill", EventType.position_change, date(2021, 1, 1), 3, "p4")
    assert problems_added(existing=[hire, promo], new=back_filled, level_of=levels) == []
