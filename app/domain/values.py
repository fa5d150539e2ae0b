"""Small value types shared by the domain modules: money in cents, requirements, dates."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


class RequirementKind(StrEnum):
    certification = "certification"
    skill = "skill"
    training = "training"


# Skill levels run 1..5; a skill recorded without one is level 1.
MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 5

# The event type whose `name` proves a requirement of each kind.
EVENT_TYPE_FOR_KIND: dict[RequirementKind, str] = {
    RequirementKind.certification: "certification_earned",
    RequirementKind.skill: "skill_acquired",
    RequirementKind.training: "training_completed",
}
KIND_FOR_EVENT_TYPE: dict[str, RequirementKind] = {v: k for k, v in EVENT_TYPE_FOR_KIND.items()}


def fold_name(name: str) -> str:
    """Return a name folded for matching: case and surrounding space ignored."""
    return name.strip().casefold()


@dataclass(frozen=True)
class Requirement:
    kind: RequirementKind
    name: str
    mandatory: bool = True
    # Skills only: the least level (1..5) that meets it; None means any level.
    min_level: int | None = None

    @property
    def key(self) -> tuple[RequirementKind, str]:
        """Return what identifies the requirement: its kind and folded name."""
        return (self.kind, fold_name(self.name))


@dataclass(frozen=True)
class Money:
    """An amount in integer cents and its ISO 4217 currency."""

    cents: int
    currency: str

    @property
    def amount(self) -> Decimal:
        """Return the amount as a decimal with two places."""
        return (Decimal(self.cents) / 100).quantize(CENT)


def cents_to_decimal(cents: int) -> Decimal:
    """Return cents as a two-place decimal."""
    return (Decimal(cents) / 100).quantize(CENT)


def decimal_to_cents(amount: Decimal) -> int:
    """Return a decimal amount (at most two places) as integer cents."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def round_half_up(value: Decimal, quantum: Decimal) -> Decimal:
    """Return value rounded half-up to the quantum (for example 0.1 or 0.001)."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def shift_months(day: date, months: int) -> date:
    """Return the same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def whole_months_between(start: date, end: date) -> int:
    """Return the whole calendar months from start to end, rounded down (0 if end < start)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if shift_months(start, months) > end:
        months -= 1
    return max(months, 0)
