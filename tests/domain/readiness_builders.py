"""Builders shared by the readiness tests: a person's facts, a target, a policy weighing
one component, and readers of a result's parts and evidence."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import settings

from app.domain.mobility import MoveType
from app.domain.readiness import (
    DEFAULT_POLICY,
    Component,
    Development,
    Facts,
    LeadershipEvidence,
    Policy,
    Readiness,
    Review,
    Target,
    score_readiness,
)
from app.domain.values import Requirement, RequirementKind, fold_name, shift_months

CERT = RequirementKind.certification
SKILL = RequirementKind.skill
TRAINING = RequirementKind.training

PERFORMANCE = Component.performance
LEADERSHIP = Component.leadership
DEVELOPMENT = Component.development
REQUIREMENTS = Component.requirements
EXPERIENCE = Component.experience

AS_OF = date(2024, 6, 30)
WINDOW_EDGE = date(2022, 6, 30)  # exactly 24 months before AS_OF: outside the window
LONG_AGO = date(2015, 3, 1)
HUNDRED = Decimal(100)

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


def dev(eid: str, day: date, kind: RequirementKind, name: str) -> Development:
    """Return development evidence; the caller folds the name, as the service does."""
    return Development(eid, day, kind, fold_name(name))


def facts(
    *,
    as_of: date = AS_OF,
    months_in_role: int = 12,
    role_event_id: str | None = "role",
    reviews: tuple[Review, ...] = (),
    leadership: tuple[LeadershipEvidence, ...] = (),
    development: tuple[Development, ...] = (),
) -> Facts:
    return Facts(
        as_of=as_of,
        role_started_on=shift_months(as_of, -months_in_role),
        role_event_id=role_event_id,
        reviews=reviews,
        leadership=leadership,
        development=development,
    )


def target(*requirements: Requirement, min_months: int | None = None) -> Target:
    return Target("target", MoveType.promotion, requirements, min_months)


def score(f: Facts, t: Target | None = None, policy: Policy = DEFAULT_POLICY) -> Readiness:
    return score_readiness(facts=f, target=t or target(), policy=policy)


def part(result: Readiness, name: Component) -> Decimal:
    (found,) = [c for c in result.components if c.name is name]
    return found.score


def evidence(result: Readiness, name: Component) -> tuple[str, ...]:
    (found,) = [c for c in result.components if c.name is name]
    return found.evidence


def reviews(*ratings: int, day: date = AS_OF) -> tuple[Review, ...]:
    return tuple(Review(f"review-{i}", day, r) for i, r in enumerate(ratings))


def activities(count: int, day: date = AS_OF) -> tuple[LeadershipEvidence, ...]:
    return tuple(LeadershipEvidence(f"lead-{i}", day) for i in range(count))


def trainings(count: int, day: date = AS_OF) -> tuple[Development, ...]:
    return tuple(dev(f"dev-{i}", day, TRAINING, f"course {i}") for i in range(count))


def only(component: Component, **overrides) -> Policy:
    """Return a policy that weighs one component alone."""
    weights = {c: Decimal(1 if c is component else 0) for c in Component}
    return replace(DEFAULT_POLICY, version=7, weights=weights, **overrides)
