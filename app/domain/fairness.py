"""The group-report core the three fairness reports share (SPEC 10).

Pure arithmetic over people already sorted into categories: groups and their
intersections, shares and the 2% exclusion, rates and impact ratios (the four-fifths
rule), medians and the share scoring above one, mean and median pay gaps against a
reference category, suppression of small groups and pay quartiles. Everything is exact
(`Fraction`) until it is rounded for the answer, half up: shares, rates and ratios to 3
decimals, mean scores to 1, gaps to 2, money to the cent. Flags (`adverse_impact`, the 5%
joint pay assessment) are read from the rounded figures a report shows, so a reader can
check each flag against the numbers beside it.

Demographics only decide who is in which group here; no score is ever computed from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Generic, TypeVar

T = TypeVar("T")

# A group's category: one value per dimension of the report, in the dimensions' order.
Category = tuple[str, ...]

DIMENSION_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_DIMENSIONS_PER_PERSON = 8
MAX_REPORT_DIMENSIONS = 3
MAX_CATEGORY_LENGTH = 64
# LL144 lets an audit leave out a group under 2% of the people with known categories.
EXCLUSION_SHARE = Fraction(2, 100)
# 29 CFR 1607.4(D): a selection rate under four fifths of the highest reads as adverse impact.
FOUR_FIFTHS = Decimal("0.8")
# Directive 2023/970 Art. 10: a gap of 5% or more calls for a joint pay assessment.
JOINT_ASSESSMENT_GAP = Decimal(5)


def rounded(value: Fraction | int, places: int) -> Decimal:
    """Return `value` rounded half up to `places` decimals."""
    quantum = Decimal(1).scaleb(-places)
    exact = Fraction(value)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        quantum, rounding=ROUND_HALF_UP
    )


def check_dimension(name: str) -> str | None:
    """Return what is wrong with a dimension name, or None when it is a good one."""
    if not DIMENSION_PATTERN.match(name):
        return "must match ^[a-z][a-z0-9_]{0,31}$ (lower case, digits, underscores)"
    return None


def check_category(value: str) -> str | None:
    """Return what is wrong with a (trimmed) category, or None when it is a good one."""
    if not 1 <= len(value) <= MAX_CATEGORY_LENGTH:
        return f"must be 1 to {MAX_CATEGORY_LENGTH} characters after trimming"
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        return "must not contain control characters"
    return None


def category_of(attributes: Mapping[str, str] | None, dimensions: Sequence[str]) -> Category | None:
    """Return the person's category on these dimensions, or None when one is unknown."""
    if not attributes:
        return None
    values: list[str] = []
    for dimension in dimensions:
        value = attributes.get(dimension)
        if value is None:
            return None
        values.append(value)
    return tuple(values)


@dataclass(frozen=True)
class Group(Generic[T]):
    """The members of one category, their share of the known population and whether the
    group is left out of the ratios for being under 2%."""

    category: Category
    members: tuple[T, ...]
    share: Fraction
    excluded: bool

    @property
    def count(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Grouping(Generic[T]):
    """A population split by category: groups ordered by their category values, and the
    number of people without a value for some dimension."""

    groups: tuple[Group[T], ...]
    unknown: int

    @property
    def population(self) -> int:
        return sum(g.count for g in self.groups) + self.unknown


def group(*, people: Iterable[tuple[T, Category | None]]) -> Grouping[T]:
    """Return the people sorted into groups by category (None counts as unknown)."""
    by_category: dict[Category, list[T]] = {}
    unknown = 0
    for person, category in people:
        if category is None:
            unknown += 1
        else:
            by_category.setdefault(category, []).append(person)
    known = sum(len(m) for m in by_category.values())
    groups = tuple(
        Group(
            category=category,
            members=tuple(members),
            share=Fraction(len(members), known),
            excluded=Fraction(len(members), known) < EXCLUSION_SHARE,
        )
        for category, members in sorted(by_category.items())
    )
    return Grouping(groups=groups, unknown=unknown)


def rate(count: int, of: int) -> Fraction | None:
    """Return count / of, or None for an empty group."""
    return Fraction(count, of) if of else None


def impact_ratios(
    *, rates: Sequence[Fraction | None], excluded: Sequence[bool]
) -> list[Fraction | None]:
    """Return each rate over the highest rate among groups not excluded (None for excluded
    groups, and for all when that highest rate is 0 or there is none)."""
    counted = [r for r, out in zip(rates, excluded, strict=True) if not out and r is not None]
    top = max(counted, default=None)
    if not top:
        return [None] * len(rates)
    return [None if out or r is None else r / top for r, out in zip(rates, excluded, strict=True)]


def is_adverse(ratio: Decimal | None) -> bool:
    """Return whether a (rounded) impact ratio falls under four fifths."""
    return ratio is not None and ratio < FOUR_FIFTHS


@dataclass(frozen=True)
class RatedGroup:
    """A group with one rate per measure (`selection`, `scoring`, ...), and their ratios."""

    category: Category
    count: int
    share: Decimal
    excluded: bool
    hits: tuple[int, ...]
    rates: tuple[Decimal | None, ...]
    ratios: tuple[Decimal | None, ...]

    @property
    def adverse_impact(self) -> bool:
        return any(is_adverse(r) for r in self.ratios)


def rated_groups(
    *, grouping: Grouping[T], measures: Sequence[Callable[[T], bool]]
) -> list[RatedGroup]:
    """Return each group's rate of members for whom each measure holds, with impact ratios
    against the highest rate of that measure among groups not excluded."""
    hits = [
        tuple(sum(1 for m in g.members if test(m)) for test in measures) for g in grouping.groups
    ]
    exact = [
        [rate(h[i], g.count) for h, g in zip(hits, grouping.groups, strict=True)]
        for i in range(len(measures))
    ]
    excluded = [g.excluded for g in grouping.groups]
    ratios = [impact_ratios(rates=r, excluded=excluded) for r in exact]
    out = []
    for index, g in enumerate(grouping.groups):
        out.append(
            RatedGroup(
                category=g.category,
                count=g.count,
                share=rounded(g.share, 3),
                excluded=g.excluded,
                hits=hits[index],
                rates=tuple(_maybe(r[index], 3) for r in exact),
                ratios=tuple(_maybe(r[index], 3) for r in ratios),
            )
        )
    return out


def _maybe(value: Fraction | None, places: int) -> Decimal | None:
    return None if value is None else rounded(value, places)


def mean(values: Sequence[Fraction | Decimal | int]) -> Fraction | None:
    """Return the exact mean, or None for no values."""
    if not values:
        return None
    # Ints and Decimals add exactly in their own type (Decimals here carry a digit or two).
    return Fraction(sum(values)) / len(values)


def median(values: Sequence[Fraction | Decimal | int]) -> Fraction | None:
    """Return the exact median (the mean of the two middle values for an even count)."""
    if not values:
        return None
    # Sorted in their own type (ints and Decimals compare exactly, and fast); only the
    # middle values become fractions.
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return (Fraction(ordered[middle - 1]) + Fraction(ordered[middle])) / 2


def gap_percent(*, reference: Fraction | None, value: Fraction | None) -> Decimal | None:
    """Return the pay gap as the Directive computes it: (reference - value) / reference x
    100, to 2 decimals; None without both figures or against a reference of 0."""
    if reference is None or value is None or reference == 0:
        return None
    return rounded((reference - value) / reference * 100, 2)


def needs_joint_assessment(gaps: Iterable[Decimal | None]) -> bool:
    """Return whether any (rounded, unsuppressed) mean gap reaches 5% either way."""
    return any(g is not None and abs(g) >= JOINT_ASSESSMENT_GAP for g in gaps)


def default_reference(grouping: Grouping[T]) -> Category | None:
    """Return the category with the most people, ties by category values; None if none."""
    if not grouping.groups:
        return None
    return min(grouping.groups, key=lambda g: (-g.count, g.category)).category


@dataclass(frozen=True)
class PayGroup:
    """A group's pay: null figures and `suppressed` when it is smaller than `min_count`."""

    category: Category
    count: int
    share: Decimal
    excluded: bool
    suppressed: bool
    mean_cents: Decimal | None
    median_cents: Decimal | None
    mean_gap_percent: Decimal | None
    median_gap_percent: Decimal | None


@dataclass(frozen=True)
class PayRow:
    groups: tuple[PayGroup, ...]
    joint_pay_assessment: bool


def pay_row(*, grouping: Grouping[int], reference: Category | None, min_count: int) -> PayRow:
    """Return the pay figures of one row (one grouping value and currency), members being
    salaries in cents. Gaps are null in a row whose reference group is absent or
    suppressed, and for every suppressed group."""
    by_category = {g.category: g for g in grouping.groups}
    ref = by_category.get(reference) if reference is not None else None
    ref_usable = ref is not None and ref.count >= min_count
    ref_mean = mean(ref.members) if ref is not None and ref_usable else None
    ref_median = median(ref.members) if ref is not None and ref_usable else None
    groups = []
    for g in grouping.groups:
        suppressed = g.count < min_count
        if suppressed:
            figures: tuple[Decimal | None, ...] = (None, None, None, None)
        else:
            group_mean, group_median = mean(g.members), median(g.members)
            figures = (
                _maybe(group_mean, 0),
                _maybe(group_median, 0),
                gap_percent(reference=ref_mean, value=group_mean),
                gap_percent(reference=ref_median, value=group_median),
            )
        groups.append(
            PayGroup(
                category=g.category,
                count=g.count,
                share=rounded(g.share, 3),
                excluded=g.excluded,
                suppressed=suppressed,
                mean_cents=figures[0],
                median_cents=figures[1],
                mean_gap_percent=figures[2],
                median_gap_percent=figures[3],
            )
        )
    return PayRow(
        groups=tuple(groups),
        joint_pay_assessment=needs_joint_assessment(g.mean_gap_percent for g in groups),
    )


@dataclass(frozen=True)
class QuartileCount:
    """How many of a group fall in one pay quartile; None and `suppressed` when fewer than
    `min_count` (but more than none) would let someone's pay be read off."""

    category: Category
    count: int | None
    suppressed: bool


def quartile_sizes(n: int) -> list[int]:
    """Return the sizes of four parts of n as equal as possible (the lower parts larger)."""
    return [n // 4 + (1 if i < n % 4 else 0) for i in range(4)]


def quartiles(
    *, people: Sequence[tuple[int, Category | None]], min_count: int
) -> list[list[QuartileCount]]:
    """Return, for quartiles 1 (lowest pay) to 4, the count of each known category in it.

    `people` are (salary in cents, category or None) of one currency; people of unknown
    category take their place in the split but are not listed. Ties in pay are split in
    the order given, so callers pass a stable order.
    """
    ordered = sorted(enumerate(people), key=lambda item: (item[1][0], item[0]))
    categories = sorted({c for _, c in people if c is not None})
    out = []
    start = 0
    for size in quartile_sizes(len(ordered)):
        part = ordered[start : start + size]
        start += size
        counts = dict.fromkeys(categories, 0)
        for _, (_, category) in part:
            if category is not None:
                counts[category] += 1
        out.append(
            [
                QuartileCount(c, None, True) if 0 < n < min_count else QuartileCount(c, n, False)
                for c, n in counts.items()
            ]
        )
    return out


def above_median_rate_measure(
    scores: Sequence[Decimal],
) -> tuple[Fraction | None, Callable[[Decimal], bool]]:
    """Return the median of all scores and a test for scoring strictly above it (LL144's
    scoring rate)."""
    middle = median(scores)
    if middle is None:
        return None, lambda _score: False
    return middle, lambda score: score > middle
