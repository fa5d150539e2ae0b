"""Score how ready a person is for a target position, with evidence, gaps and next steps.

Pure: the caller gathers the person's (non-voided) events up to `as_of` and the policy;
this module decides what counts and how much.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from app.domain.mobility import MoveType
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
class Review:
    id: str
    occurred_on: date
    rating: int


@dataclass(frozen=True)
class Dated:
    """A leadership activity or initiative."""

    id: str
    occurred_on: date


@dataclass(frozen=True)
class Development:
    """A training, certification or skill: counts in the window, meets requirements at any age."""

    id: str
    occurred_on: date
    kind: RequirementKind
    name_key: str


@dataclass(frozen=True)
class Target:
    """What is asked of the person; `position_id` None is the placeholder one level up."""

    position_id: str | None
    move_type: MoveType
    requirements: tuple[Requirement, ...] = ()
    min_months_in_role: int | None = None


@dataclass(frozen=True)
class Facts:
    as_of: date
    role_started_on: date
    role_event_id: str | None
    reviews: tuple[Review, ...] = ()
    leadership: tuple[Dated, ...] = ()
    development: tuple[Development, ...] = ()


@dataclass(frozen=True)
class ComponentScore:
    name: Component
    score: Decimal
    weight: Decimal
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    component: Component
    text: str
    requirement: Requirement | None = None


@dataclass(frozen=True)
class NextStep:
    component: Component
    action: str
    gain: Decimal


@dataclass(frozen=True)
class Readiness:
    as_of: date
    score: Decimal
    band: Band
    components: tuple[ComponentScore, ...]
    gaps: tuple[Gap, ...]
    next_steps: tuple[NextStep, ...]
    requirements_missing: tuple[Requirement, ...]
    move_type: MoveType
    policy_version: int


def window_start(*, as_of: date, months: int) -> date:
    """Return the last day outside the window: events must fall after it."""
    return shift_months(as_of, -months)


def _saturating(count: int, saturation: int) -> Decimal:
    if saturation <= 0:
        return HUNDRED
    return min(HUNDRED, HUNDRED * count / saturation)


@dataclass(frozen=True)
class _Parts:
    """Unrounded reasoning behind each component, shared by the score, gaps and steps."""

    window_reviews: tuple[Review, ...]
    window_leadership: tuple[Dated, ...]
    window_development: tuple[Development, ...]
    met: dict[Requirement, str]
    missing: tuple[Requirement, ...]
    months_in_role: int
    min_months: int


def _parts(facts: Facts, target: Target, policy: Policy) -> _Parts:
    start = window_start(as_of=facts.as_of, months=policy.window_months)

    def in_window(day: date) -> bool:
        return start < day <= facts.as_of

    development = tuple(d for d in facts.development if d.occurred_on <= facts.as_of)
    first_proof: dict[tuple[str, str], str] = {}
    for d in sorted(development, key=lambda d: d.occurred_on):
        first_proof.setdefault((d.kind, d.name_key), d.id)
    met = {r: first_proof[r.key] for r in target.requirements if r.key in first_proof}
    missing = tuple(r for r in target.requirements if r not in met)
    min_months = (
        target.min_months_in_role
        if target.min_months_in_role is not None
        else policy.default_min_months_in_role
    )
    return _Parts(
        window_reviews=tuple(r for r in facts.reviews if in_window(r.occurred_on)),
        window_leadership=tuple(x for x in facts.leadership if in_window(x.occurred_on)),
        window_development=tuple(d for d in development if in_window(d.occurred_on)),
        met=met,
        missing=missing,
        months_in_role=whole_months_between(facts.role_started_on, facts.as_of),
        min_months=min_months,
    )


def _component_scores(parts: _Parts, target: Target, policy: Policy) -> dict[Component, Decimal]:
    reviews = parts.window_reviews
    performance = (
        (Decimal(sum(r.rating for r in reviews)) / len(reviews) - 1) * 25 if reviews else ZERO
    )
    mandatory = [r for r in target.requirements if r.mandatory]
    met_mandatory = [r for r in mandatory if r in parts.met]
    requirements = HUNDRED * len(met_mandatory) / len(mandatory) if mandatory else HUNDRED
    experience = (
        HUNDRED
        if parts.min_months == 0
        else min(HUNDRED, HUNDRED * parts.months_in_role / parts.min_months)
    )
    raw = {
        Component.performance: performance,
        Component.leadership: _saturating(
            len(parts.window_leadership), policy.leadership_saturation
        ),
        Component.development: _saturating(
            len(parts.window_development), policy.development_saturation
        ),
        Component.requirements: requirements,
        Component.experience: experience,
    }
    return {name: round_half_up(value, TENTH) for name, value in raw.items()}


def _total(scores: dict[Component, Decimal], policy: Policy) -> Decimal:
    return round_half_up(sum((policy.weights[c] * scores[c] for c in COMPONENT_ORDER), ZERO), TENTH)


def _band(total: Decimal, missing: tuple[Requirement, ...], policy: Policy) -> Band:
    if total >= policy.ready_now and not any(r.mandatory for r in missing):
        return Band.ready_now
    if total >= policy.ready_1_2_years:
        return Band.ready_1_2_years
    return Band.ready_3_plus_years


def _quick_total(facts: Facts, target: Target, policy: Policy) -> Decimal:
    parts = _parts(facts, target, policy)
    return _total(_component_scores(parts, target, policy), policy)


def _requirement_text(req: Requirement) -> str:
    kind = "mandatory" if req.mandatory else "optional"
    return f'Missing {kind} {req.kind.value} "{req.name}".'


_ACTION_FOR_KIND = {
    RequirementKind.certification: "Earn the certification",
    RequirementKind.skill: "Acquire the skill",
    RequirementKind.training: "Complete the training",
}


def _gaps(parts: _Parts, scores: dict[Component, Decimal], policy: Policy) -> tuple[Gap, ...]:
    gaps: list[Gap] = []
    window = f"the last {policy.window_months} months"
    if scores[Component.performance] < HUNDRED:
        reviews = parts.window_reviews
        if not reviews:
            text = f"No performance review in {window}."
        else:
            mean = round_half_up(Decimal(sum(r.rating for r in reviews)) / len(reviews), TENTH)
            text = (
                f"Mean review rating {mean} over {len(reviews)} review(s) in {window}; "
                "a mean of 5 (far exceeds) scores 100."
            )
        gaps.append(Gap(Component.performance, text))
    if scores[Component.leadership] < HUNDRED:
        gaps.append(
            Gap(
                Component.leadership,
                f"{len(parts.window_leadership)} of {policy.leadership_saturation} leadership "
                f"activities or initiatives in {window}.",
            )
        )
    if scores[Component.development] < HUNDRED:
        gaps.append(
            Gap(
                Component.development,
                f"{len(parts.window_development)} of {policy.development_saturation} trainings, "
                f"certifications or skills in {window}.",
            )
        )
    for req in parts.missing:
        gaps.append(Gap(Component.requirements, _requirement_text(req), req))
    if scores[Component.experience] < HUNDRED:
        gaps.append(
            Gap(
                Component.experience,
                f"{parts.months_in_role} of {parts.min_months} months in the current role.",
            )
        )
    return tuple(gaps)


def _next_steps(
    facts: Facts,
    target: Target,
    policy: Policy,
    parts: _Parts,
    scores: dict[Component, Decimal],
    total: Decimal,
) -> tuple[NextStep, ...]:
    candidates: list[tuple[Component, str, Decimal]] = []

    def gain_with(changed: Facts) -> Decimal:
        return _quick_total(changed, target, policy) - total

    day = facts.as_of
    if scores[Component.performance] < HUNDRED:
        action = (
            "Ask for a performance review; one rated 5 (far exceeds) counts most."
            if not parts.window_reviews
            else "Exceed the role's requirements in the next review (rated 5, far exceeds)."
        )
        gain = gain_with(replace(facts, reviews=(*facts.reviews, Review("next-review", day, 5))))
        candidates.append((Component.performance, action, gain))
    if scores[Component.leadership] < HUNDRED:
        gain = gain_with(
            replace(facts, leadership=(*facts.leadership, Dated("next-leadership", day)))
        )
        candidates.append(
            (
                Component.leadership,
                "Take on a leadership activity or initiative, such as leading the monthly "
                "team meeting.",
                gain,
            )
        )
    if scores[Component.development] < HUNDRED:
        filler = Development("next-development", day, RequirementKind.training, "\x00")
        gain = gain_with(replace(facts, development=(*facts.development, filler)))
        candidates.append(
            (
                Component.development,
                "Complete a training, earn a certification or acquire a skill.",
                gain,
            )
        )
    for req in parts.missing:
        proof = Development("next-requirement", day, req.kind, req.key[1])
        gain = gain_with(replace(facts, development=(*facts.development, proof)))
        label = "" if req.mandatory else " (optional)"
        candidates.append(
            (Component.requirements, f'{_ACTION_FOR_KIND[req.kind]} "{req.name}"{label}.', gain)
        )
    if scores[Component.experience] < HUNDRED:
        months = parts.min_months - parts.months_in_role
        until = shift_months(facts.role_started_on, parts.min_months)
        full = dict(scores)
        full[Component.experience] = HUNDRED
        candidates.append(
            (
                Component.experience,
                f"Stay in the current role {months} more month{'s' if months != 1 else ''} "
                f"(until {until.isoformat()}).",
                _total(full, policy) - total,
            )
        )
    steps = [NextStep(c, action, gain) for c, action, gain in candidates if gain > 0]
    order = {c: i for i, c in enumerate(COMPONENT_ORDER)}
    steps.sort(key=lambda s: (-s.gain, order[s.component], s.action))
    return tuple(steps)


def score_readiness(*, facts: Facts, target: Target, policy: Policy) -> Readiness:
    """Return the readiness of one person for the target, as of `facts.as_of`."""
    parts = _parts(facts, target, policy)
    scores = _component_scores(parts, target, policy)
    total = _total(scores, policy)
    evidence: dict[Component, tuple[str, ...]] = {
        Component.performance: tuple(r.id for r in parts.window_reviews),
        Component.leadership: tuple(x.id for x in parts.window_leadership),
        Component.development: tuple(d.id for d in parts.window_development),
        Component.requirements: tuple(dict.fromkeys(parts.met.values())),
        Component.experience: (facts.role_event_id,) if facts.role_event_id else (),
    }
    components = tuple(
        ComponentScore(c, scores[c], policy.weights[c], evidence[c]) for c in COMPONENT_ORDER
    )
    return Readiness(
        as_of=facts.as_of,
        score=total,
        band=_band(total, parts.missing, policy),
        components=components,
        gaps=_gaps(parts, scores, policy),
        next_steps=_next_steps(facts, target, policy, parts, scores, total),
        requirements_missing=parts.missing,
        move_type=target.move_type,
        policy_version=policy.version,
    )
