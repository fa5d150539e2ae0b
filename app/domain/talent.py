"""Talent reviews and the nine-box grid: performance against potential (SPEC 12).

A talent review records what people judge about someone (potential, risk and impact of
loss); it is never evidence for readiness. The grid places each person by the mean review
rating in the scoring window and by the potential of their latest talent review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Potential(IntEnum):
    """A talent review's potential: 1 low, 2 moderate, 3 high."""

    low = 1
    moderate = 2
    high = 3


class LossLevel(StrEnum):
    """How likely a person is to leave (`risk_of_loss`), or how much it would hurt
    (`impact_of_loss`)."""

    low = "low"
    medium = "medium"
    high = "high"


class Tier(StrEnum):
    """A row or column of the nine-box grid."""

    low = "low"
    moderate = "moderate"
    high = "high"


# The grid's cells in reading order: high potential first, then low to high performance.
CELLS: tuple[tuple[Tier, Tier], ...] = tuple(
    (performance, potential)
    for potential in (Tier.high, Tier.moderate, Tier.low)
    for performance in (Tier.low, Tier.moderate, Tier.high)
)
MAX_LISTED = 100


@dataclass(frozen=True)
class TalentReview:
    """The latest talent review of a person on some day."""

    event_id: str
    potential: Potential
    risk_of_loss: LossLevel | None = None
    impact_of_loss: LossLevel | None = None


@dataclass(frozen=True)
class GridFacts:
    """What places one person: their reviews in the window and their latest talent review."""

    employee_id: str
    review_count: int
    review_sum: int
    potential: Potential | None


@dataclass(frozen=True)
class Cell:
    performance: Tier
    potential: Tier
    count: int
    employee_ids: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    cells: tuple[Cell, ...]
    unrated: int


def performance_tier(*, review_count: int, review_sum: int) -> Tier | None:
    """Return the tier of a mean review rating (under 3 low, 3 to under 4 moderate, 4 and up
    high), or None without a review. Compared in whole numbers, so 3.999... is never 4."""
    if review_count <= 0:
        return None
    if review_sum < 3 * review_count:
        return Tier.low
    if review_sum < 4 * review_count:
        return Tier.moderate
    return Tier.high


POTENTIAL_TIER = {
    Potential.low: Tier.low,
    Potential.moderate: Tier.moderate,
    Potential.high: Tier.high,
}


def place(facts: GridFacts) -> tuple[Tier, Tier] | None:
    """Return the (performance, potential) cell of a person, or None when unrated."""
    performance = performance_tier(review_count=facts.review_count, review_sum=facts.review_sum)
    if performance is None or facts.potential is None:
        return None
    return performance, POTENTIAL_TIER[facts.potential]


def nine_box(*, people: Iterable[GridFacts]) -> Grid:
    """Return the grid of these people: all nine cells, each with its count and the first
    100 employee ids (in id order), and how many could not be placed."""
    members: dict[tuple[Tier, Tier], list[str]] = {cell: [] for cell in CELLS}
    unrated = 0
    for person in people:
        cell = place(person)
        if cell is None:
            unrated += 1
        else:
            members[cell].append(person.employee_id)
    cells = []
    for performance, potential in CELLS:
        ids = sorted(members[(performance, potential)])
        cells.append(Cell(performance, potential, len(ids), tuple(ids[:MAX_LISTED])))
    return Grid(tuple(cells), unrated)
