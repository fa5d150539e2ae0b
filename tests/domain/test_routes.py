"""Route-finding over people's spells: what a route is, and how routes are counted."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.routes import Stay, routes, trips
from app.domain.values import shift_months

START = date(2020, 1, 1)


def career(*steps: str) -> list[Stay]:
    """Stays a month apart; `|` after a position means an exit ended it."""
    out = []
    for month, step in enumerate(steps):
        out.append(Stay(step.rstrip("|"), shift_months(START, month), not step.endswith("|")))
    return out


def test_a_trip_counts_from_the_last_time_the_person_left_the_first_position() -> None:
    assert trips(
        stays=career("A", "B", "A", "C"), from_position_id="A", to_position_id="C", max_steps=5
    ) == {("A", "C"): 1}


def test_an_exit_breaks_the_chain() -> None:
    assert (
        trips(stays=career("A", "B|", "C"), from_position_id="A", to_position_id="C", max_steps=5)
        == {}
    )


def test_a_person_counts_once_a_route_with_their_first_trip() -> None:
    found = routes(
        careers=[career("A", "B", "C", "A", "D", "D2", "A", "B", "X", "Y", "Z", "C")],
        from_position_id="A",
        to_position_id="C",
        max_steps=5,
    )
    assert [(r.positions, r.count, r.median_months) for r in found] == [
        (("A", "B", "C"), 1, 2),
        (("A", "B", "X", "Y", "Z", "C"), 1, 5),
    ]


def test_ties_go_to_fewer_moves_then_the_shorter_median_then_the_ids() -> None:
    found = routes(
        careers=[
            career("A", "Q", "R", "C"),
            career("A", "N", "N2", "N3", "C"),
            career("A", "M", "C"),
            [Stay("A", START, True), Stay("L", START, True), Stay("C", date(2022, 1, 1), False)],
            career("A", "K", "C"),
        ],
        from_position_id="A",
        to_position_id="C",
        max_steps=5,
    )
    assert [r.positions for r in found] == [
        ("A", "K", "C"),
        ("A", "M", "C"),
        ("A", "L", "C"),
        ("A", "Q", "R", "C"),
        ("A", "N", "N2", "N3", "C"),
    ]


positions = st.sampled_from(["A", "B", "C", "D"])
careers = st.lists(
    st.lists(st.tuples(positions, st.booleans()), max_size=10).map(
        lambda steps: [Stay(p, shift_months(START, i), moved) for i, (p, moved) in enumerate(steps)]
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(careers, positions, positions, st.integers(min_value=1, max_value=5))
def test_every_route_is_a_run_of_held_positions_within_the_steps(
    people: list[list[Stay]], first: str, last: str, max_steps: int
) -> None:
    found = routes(careers=people, from_position_id=first, to_position_id=last, max_steps=max_steps)
    assert len({r.positions for r in found}) == len(found)
    for route in found:
        assert route.positions[0] == first and route.positions[-1] == last
        assert 1 <= route.steps <= max_steps
        assert first not in route.positions[1:-1] and last not in route.positions[1:-1]
        takers = 0
        for stays in people:
            held = [s.position_id for s in stays]
            n = len(route.positions)
            took = any(
                tuple(held[i : i + n]) == route.positions
                and all(s.moved_on for s in stays[i : i + n - 1])
                for i in range(len(held) - n + 1)
            )
            takers += took
        assert route.count == takers
    counts = [r.count for r in found]
    assert counts == sorted(counts, reverse=True)
