"""The parts of a readiness score: the policy, the five components and the band.

Pure: a `Summary` of a person's evidence (counts in the window, proofs of requirements at
any age, months in role) and a `Target` go in; each component's score, the weighted total
and the band come out. `app.domain.readiness` builds the summary from events and the
full readiness around these numbers; `app.domain.advice` explains them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from app.domain.mobility import MoveType
from app.domain.proofs import Standing, State, check
from app.domain.values import (
    TENTH,
    Requirement,
    RequirementKind,
    round_half_up,
    shift_months,
    whole_months_between,
)

HUNDRED = Decimal(100)
ZERO = Decimal(0)


class Component(StrEnum):
    performance = "performance"
    leadership = "leadership"
    development = "development"
    requirements = "requirements"
    experience = "experience"


COMPONENT_ORDER = tuple(Component)


class Band(StrEnum):
    ready_now = "ready_now"
    ready_1_2_years = "ready_1_2_years"
    ready_3_plus_years = "ready_3_plus_years"


@dataclass(frozen=True)
class Policy:
    version: int
    weights: dict[Component, Decimal]
    window_months: int = 24
    leadership_saturation: int = 3
    development_saturation: int = 4
    ready_now: Decimal = Decimal(75)
    ready_1_2_years: Decimal = Decimal(50)
    default_min_months_in_role: int = 12


DEFAULT_WEIGHTS: dict[Component, Decimal] = {
    Component.performance: Decimal("0.35"),
    Component.leadership: Decimal("0.20"),
    Component.development: Decimal("0.20"),
    Component.requirements: Decimal("0.15"),
    Component.experience: Decimal("0.10"),
}
DEFAULT_POLICY = Policy(version=1, weights=DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class Target:
    """What is asked of the person; `position_id` None is the placeholder one level up."""

    position_id: str | None
    move_type: MoveType
    requirements: tuple[Requirement, ...] = ()
    min_months_in_role: int | None = None


def window_start(*, as_of: date, months: int) -> date:
    """Return the last day outside the window: events must fall after it."""
    return shift_months(as_of, -months)


@dataclass(frozen=True)
class Summary:
    """What the score is computed from: counts in the window, proofs of requirements at any
    age, and months in role. Built from events by `summarize`, or from SQL aggregates when
    ranking many people (then the evidence ids may be empty)."""

    as_of: date
    role_started_on: date
    role_event_id: str | None = None
    review_count: int = 0
    review_sum: int = 0
    leadership_count: int = 0
    development_count: int = 0
    # (kind, folded name) of each requirement proven on or before as_of -> its standing: the
    # highest level, when it lapses, and the event behind them.
    proofs: dict[tuple[RequirementKind, str], Standing] = field(default_factory=dict)
    review_ids: tuple[str, ...] = ()
    leadership_ids: tuple[str, ...] = ()
    development_ids: tuple[str, ...] = ()


def _saturating(count: int, saturation: int) -> Decimal:
    if saturation <= 0:
        return HUNDRED
    return min(HUNDRED, HUNDRED * count / saturation)


def min_months(target: Target, policy: Policy) -> int:
    """Return the months in role the target asks for (the policy's default when it names
    none)."""
    if target.min_months_in_role is not None:
        return target.min_months_in_role
    return policy.default_min_months_in_role


def requirement_state(summary: Summary, requirement: Requirement) -> State:
    """Return whether the summary's proofs meet the requirement, and if not, why."""
    return check(requirement, summary.proofs.get(requirement.key), as_of=summary.as_of)


def missing(summary: Summary, target: Target) -> tuple[Requirement, ...]:
    """Return the target's requirements the summary does not meet, in the target's order."""
    return tuple(r for r in target.requirements if requirement_state(summary, r) is not State.met)


def component_scores(summary: Summary, target: Target, policy: Policy) -> dict[Component, Decimal]:
    """Return each component's 0-100 score, rounded to one decimal (SPEC 5)."""
    performance = (
        (Decimal(summary.review_sum) / summary.review_count - 1) * 25
        if summary.review_count
        else ZERO
    )
    mandatory = [r for r in target.requirements if r.mandatory]
    met_mandatory = [r for r in mandatory if requirement_state(summary, r) is State.met]
    requirements = HUNDRED * len(met_mandatory) / len(mandatory) if mandatory else HUNDRED
    asked = min_months(target, policy)
    months = whole_months_between(summary.role_started_on, summary.as_of)
    experience = HUNDRED if asked == 0 else min(HUNDRED, HUNDRED * months / asked)
    raw = {
        Component.performance: performance,
        Component.leadership: _saturating(summary.leadership_count, policy.leadership_saturation),
        Component.development: _saturating(
            summary.development_count, policy.development_saturation
        ),
        Component.requirements: requirements,
        Component.experience: experience,
    }
    return {name: round_half_up(value, TENTH) for name, value in raw.items()}


def total_score(scores: Mapping[Component, Decimal], policy: Policy) -> Decimal:
    """Return the 0-100 score: the weighted sum of the (rounded) component scores, rounded
    to one decimal."""
    return round_half_up(sum((policy.weights[c] * scores[c] for c in COMPONENT_ORDER), ZERO), TENTH)


def band_of(total: Decimal, *, mandatory_missing: bool, policy: Policy) -> Band:
    """Return the band of a score: never ready now while a mandatory requirement is
    missing."""
    if total >= policy.ready_now and not mandatory_missing:
        return Band.ready_now
    if total >= policy.ready_1_2_years:
        return Band.ready_1_2_years
    return Band.ready_3_plus_years
