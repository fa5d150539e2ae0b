"""Score how ready a person is for a target position, with evidence, gaps and next steps.

Pure: the caller gathers the person's (non-voided) events up to `as_of` and the policy;
this module decides what counts and how much.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from app.domain.mobility import MoveType
from app.domain.proofs import (
    Expiring,
    Proof,
    Standing,
    State,
    check,
    expiring,
    met_standing,
    standings,
)
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
class LeadershipEvidence:
    """A leadership activity or initiative."""

    id: str
    occurred_on: date


# A training, certification or skill: counts in the window, meets requirements at any age
# (a skill at its level, a certification until it expires).
Development = Proof


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
    leadership: tuple[LeadershipEvidence, ...] = ()
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
    # A skill held below the level asked for: the level held and the level needed.
    level_held: int | None = None
    level_needed: int | None = None
    # A certification that expired: the day it did.
    expired_on: date | None = None


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
    expiring: tuple[Expiring, ...] = ()


@dataclass(frozen=True)
class Ranked:
    """What a ranking needs of a readiness: the score, its band, what is missing."""

    score: Decimal
    band: Band
    requirements_missing: tuple[Requirement, ...]


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


def summarize(*, facts: Facts, policy: Policy) -> Summary:
    """Return the summary of a person's events as of `facts.as_of` under the policy's window."""
    start = window_start(as_of=facts.as_of, months=policy.window_months)

    def in_window(day: date) -> bool:
        return start < day <= facts.as_of

    reviews = [r for r in facts.reviews if in_window(r.occurred_on)]
    leadership = [x for x in facts.leadership if in_window(x.occurred_on)]
    recent = [d for d in facts.development if in_window(d.occurred_on)]
    return Summary(
        as_of=facts.as_of,
        role_started_on=facts.role_started_on,
        role_event_id=facts.role_event_id,
        review_count=len(reviews),
        review_sum=sum(r.rating for r in reviews),
        leadership_count=len(leadership),
        development_count=len(recent),
        proofs=standings(proofs=facts.development, as_of=facts.as_of),
        review_ids=tuple(r.id for r in reviews),
        leadership_ids=tuple(x.id for x in leadership),
        development_ids=tuple(d.id for d in recent),
    )


def _saturating(count: int, saturation: int) -> Decimal:
    if saturation <= 0:
        return HUNDRED
    return min(HUNDRED, HUNDRED * count / saturation)


def _min_months(target: Target, policy: Policy) -> int:
    if target.min_months_in_role is not None:
        return target.min_months_in_role
    return policy.default_min_months_in_role


def _state(summary: Summary, requirement: Requirement) -> State:
    return check(requirement, summary.proofs.get(requirement.key), as_of=summary.as_of)


def _missing(summary: Summary, target: Target) -> tuple[Requirement, ...]:
    return tuple(r for r in target.requirements if _state(summary, r) is not State.met)


def _component_scores(summary: Summary, target: Target, policy: Policy) -> dict[Component, Decimal]:
    performance = (
        (Decimal(summary.review_sum) / summary.review_count - 1) * 25
        if summary.review_count
        else ZERO
    )
    mandatory = [r for r in target.requirements if r.mandatory]
    met_mandatory = [r for r in mandatory if _state(summary, r) is State.met]
    requirements = HUNDRED * len(met_mandatory) / len(mandatory) if mandatory else HUNDRED
    min_months = _min_months(target, policy)
    months = whole_months_between(summary.role_started_on, summary.as_of)
    experience = HUNDRED if min_months == 0 else min(HUNDRED, HUNDRED * months / min_months)
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


def _quick_total(summary: Summary, target: Target, policy: Policy) -> Decimal:
    return total_score(_component_scores(summary, target, policy), policy)


def _ranked(
    summary: Summary, target: Target, policy: Policy
) -> tuple[dict[Component, Decimal], Ranked]:
    scores = _component_scores(summary, target, policy)
    total = total_score(scores, policy)
    missing = _missing(summary, target)
    blocked = any(r.mandatory for r in missing)
    return scores, Ranked(total, band_of(total, mandatory_missing=blocked, policy=policy), missing)


def rank(*, summary: Summary, target: Target, policy: Policy) -> Ranked:
    """Return the score, band and missing requirements `score_summary` gives, without the
    gaps and next steps (what ranking many targets or people needs)."""
    return _ranked(summary, target, policy)[1]


def _requirement_gap(summary: Summary, req: Requirement) -> Gap:
    kind = "mandatory" if req.mandatory else "optional"
    standing = summary.proofs.get(req.key)
    state = _state(summary, req)
    if state is State.below_level and standing is not None:
        return Gap(
            Component.requirements,
            f'The {kind} {req.kind.value} "{req.name}" is held at level {standing.level}; '
            f"level {req.min_level} is needed.",
            req,
            level_held=standing.level,
            level_needed=req.min_level,
        )
    if state is State.expired and standing is not None and standing.lapses_on is not None:
        return Gap(
            Component.requirements,
            f'The {kind} {req.kind.value} "{req.name}" expired on '
            f"{standing.lapses_on.isoformat()}; renew it.",
            req,
            expired_on=standing.lapses_on,
        )
    level = f" at level {req.min_level} or above" if req.min_level is not None else ""
    return Gap(Component.requirements, f'Missing {kind} {req.kind.value} "{req.name}"{level}.', req)


def _requirement_action(summary: Summary, req: Requirement) -> str:
    label = "" if req.mandatory else " (optional)"
    standing = summary.proofs.get(req.key)
    state = _state(summary, req)
    if state is State.below_level and standing is not None:
        return (
            f'Reach level {req.min_level} in the skill "{req.name}"{label} '
            f"(held at level {standing.level})."
        )
    if state is State.expired and standing is not None and standing.lapses_on is not None:
        return (
            f'Renew the {req.kind.value} "{req.name}"{label} '
            f"(expired on {standing.lapses_on.isoformat()})."
        )
    level = f" at level {req.min_level}" if req.min_level is not None else ""
    return f'{_ACTION_FOR_KIND[req.kind]} "{req.name}"{level}{label}.'


_ACTION_FOR_KIND = {
    RequirementKind.certification: "Earn the certification",
    RequirementKind.skill: "Acquire the skill",
    RequirementKind.training: "Complete the training",
}


def _gaps(
    summary: Summary, target: Target, scores: dict[Component, Decimal], policy: Policy
) -> tuple[Gap, ...]:
    gaps: list[Gap] = []
    window = f"the last {policy.window_months} months"
    if scores[Component.performance] < HUNDRED:
        if not summary.review_count:
            text = f"No performance review in {window}."
        else:
            mean = round_half_up(Decimal(summary.review_sum) / summary.review_count, TENTH)
            text = (
                f"Mean review rating {mean} over {summary.review_count} review(s) in {window}; "
                "a mean of 5 (far exceeds) scores 100."
            )
        gaps.append(Gap(Component.performance, text))
    if scores[Component.leadership] < HUNDRED:
        gaps.append(
            Gap(
                Component.leadership,
                f"{summary.leadership_count} of {policy.leadership_saturation} leadership "
                f"activities or initiatives in {window}.",
            )
        )
    if scores[Component.development] < HUNDRED:
        gaps.append(
            Gap(
                Component.development,
                f"{summary.development_count} of {policy.development_saturation} trainings, "
                f"certifications or skills in {window}.",
            )
        )
    for req in _missing(summary, target):
        gaps.append(_requirement_gap(summary, req))
    if scores[Component.experience] < HUNDRED:
        months = whole_months_between(summary.role_started_on, summary.as_of)
        gaps.append(
            Gap(
                Component.experience,
                f"{months} of {_min_months(target, policy)} months in the current role.",
            )
        )
    return tuple(gaps)


def _next_steps(
    summary: Summary,
    target: Target,
    policy: Policy,
    scores: dict[Component, Decimal],
    total: Decimal,
) -> tuple[NextStep, ...]:
    candidates: list[tuple[Component, str, Decimal]] = []

    def gain_with(changed: Summary) -> Decimal:
        return _quick_total(changed, target, policy) - total

    if scores[Component.performance] < HUNDRED:
        action = (
            "Ask for a performance review; one rated 5 (far exceeds) counts most."
            if not summary.review_count
            else "Exceed the role's requirements in the next review (rated 5, far exceeds)."
        )
        reviewed = replace(
            summary, review_count=summary.review_count + 1, review_sum=summary.review_sum + 5
        )
        candidates.append((Component.performance, action, gain_with(reviewed)))
    if scores[Component.leadership] < HUNDRED:
        led = replace(summary, leadership_count=summary.leadership_count + 1)
        candidates.append(
            (
                Component.leadership,
                "Take on a leadership activity or initiative, such as leading the monthly "
                "team meeting.",
                gain_with(led),
            )
        )
    if scores[Component.development] < HUNDRED:
        developed = replace(summary, development_count=summary.development_count + 1)
        candidates.append(
            (
                Component.development,
                "Complete a training, earn a certification or acquire a skill.",
                gain_with(developed),
            )
        )
    for req in _missing(summary, target):
        # Proving a requirement (reaching a level, renewing) is also development in the window.
        proven = replace(
            summary,
            development_count=summary.development_count + 1,
            proofs={**summary.proofs, req.key: met_standing(req, summary.proofs.get(req.key))},
        )
        candidates.append(
            (Component.requirements, _requirement_action(summary, req), gain_with(proven))
        )
    if scores[Component.experience] < HUNDRED:
        min_months = _min_months(target, policy)
        months = min_months - whole_months_between(summary.role_started_on, summary.as_of)
        until = shift_months(summary.role_started_on, min_months)
        full = dict(scores)
        full[Component.experience] = HUNDRED
        candidates.append(
            (
                Component.experience,
                f"Stay in the current role {months} more month{'s' if months != 1 else ''} "
                f"(until {until.isoformat()}).",
                total_score(full, policy) - total,
            )
        )
    steps = [NextStep(c, action, gain) for c, action, gain in candidates if gain > 0]
    order = {c: i for i, c in enumerate(COMPONENT_ORDER)}
    steps.sort(key=lambda s: (-s.gain, order[s.component], s.action))
    return tuple(steps)


def score_summary(*, summary: Summary, target: Target, policy: Policy) -> Readiness:
    """Return the readiness for the target from a summary of the person's evidence."""
    scores, ranked = _ranked(summary, target, policy)
    total = ranked.score
    met_ids = [
        summary.proofs[r.key].event_id
        for r in target.requirements
        if _state(summary, r) is State.met
    ]
    evidence: dict[Component, tuple[str, ...]] = {
        Component.performance: summary.review_ids,
        Component.leadership: summary.leadership_ids,
        Component.development: summary.development_ids,
        Component.requirements: tuple(dict.fromkeys(met_ids)),
        Component.experience: (summary.role_event_id,) if summary.role_event_id else (),
    }
    components = tuple(
        ComponentScore(c, scores[c], policy.weights[c], evidence[c]) for c in COMPONENT_ORDER
    )
    return Readiness(
        as_of=summary.as_of,
        score=total,
        band=ranked.band,
        components=components,
        gaps=_gaps(summary, target, scores, policy),
        next_steps=_next_steps(summary, target, policy, scores, total),
        requirements_missing=ranked.requirements_missing,
        move_type=target.move_type,
        policy_version=policy.version,
        expiring=expiring(
            requirements=target.requirements, standings=summary.proofs, as_of=summary.as_of
        ),
    )


def score_readiness(*, facts: Facts, target: Target, policy: Policy) -> Readiness:
    """Return the readiness of one person for the target, as of `facts.as_of`."""
    return score_summary(
        summary=summarize(facts=facts, policy=policy), target=target, policy=policy
    )
