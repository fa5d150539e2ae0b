"""Routes: the chains of positions people actually held on their way from one to another.

A route is a run of consecutive spells of one person (each one ended by the move that
started the next: an exit, and a rehire after it, break the run) that begins in the
position asked from and ends in the position asked to, with at most `max_steps` moves.
A trip is counted from the last time the person left the first position: a run that comes
back to it starts over there (A, B, A, C is the route A, C), and it ends the first time it
reaches the last position. The time a route took is the whole months from taking up the
first position to taking up the last.

A person counts once for each route; when they took the same route more than once, their
first trip gives its months.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from app.domain.values import TENTH, round_half_up, whole_months_between

MAX_STEPS = 5


@dataclass(frozen=True)
class Stay:
    """What a route needs of a spell: where, since when, and whether a move ended it."""

    position_id: str
    started_on: date
    moved_on: bool


@dataclass(frozen=True)
class Route:
    positions: tuple[str, ...]
    count: int
    median_months: Decimal

    @property
    def steps(self) -> int:
        """Return the number of moves on the route."""
        return len(self.positions) - 1


def _runs(stays: Sequence[Stay]) -> Iterable[Sequence[Stay]]:
    """Yield the runs of consecutive stays: each stay but the last of a run ended by a move."""
    start = 0
    for index, stay in enumerate(stays):
        if not stay.moved_on:
            yield stays[start : index + 1]
            start = index + 1
    if start < len(stays):
        yield stays[start:]


def trips(
    *, stays: Sequence[Stay], from_position_id: str, to_position_id: str, max_steps: int
) -> dict[tuple[str, ...], int]:
    """Return one person's routes with the months of their first trip on each.

    `stays` are the person's spells oldest first.
    """
    found: dict[tuple[str, ...], int] = {}
    for run in _runs(stays):
        for first, stay in enumerate(run):
            if stay.position_id != from_position_id:
                continue
            for last in range(first + 1, min(first + max_steps, len(run) - 1) + 1):
                reached = run[last].position_id
                if reached == to_position_id:
                    route = tuple(s.position_id for s in run[first : last + 1])
                    if route not in found:
                        found[route] = whole_months_between(stay.started_on, run[last].started_on)
                    break
                if reached == from_position_id:
                    break  # the trip starts over from here
    return found


def routes(
    *,
    careers: Iterable[Sequence[Stay]],
    from_position_id: str,
    to_position_id: str,
    max_steps: int,
) -> list[Route]:
    """Return the routes people took, most frequent first.

    Ties: fewer moves first, then the shorter median time, then the position ids in order.
    """
    months: dict[tuple[str, ...], list[int]] = {}
    for stays in careers:
        taken = trips(
            stays=stays,
            from_position_id=from_position_id,
            to_position_id=to_position_id,
            max_steps=max_steps,
        )
        for route, took in taken.items():
            months.setdefault(route, []).append(took)
    found = [
        Route(
            positions=route,
            count=len(took),
            median_months=round_half_up(Decimal(median(took)), TENTH),
        )
        for route, took in months.items()
    ]
    found.sort(key=lambda r: (-r.count, r.steps, r.median_months, r.positions))
    return found
