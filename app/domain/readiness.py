"""Score how ready a person is for a target position, with evidence, gaps and next steps.

Pure: the caller gathers the person's (non-voided) events up to `as_of` and the policy;
this module decides what counts (`summarize`) and builds the readiness around the numbers
of `app.domain.scoring` and the explanations of `app.domain.advice`. The names of both
that callers use are importable from here too, so the rest of the service reads readiness
from one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain.advice import Gap, NextStep, gaps, next_steps
from app.domain.mobility import MoveType
from app.domain.proofs import Expiring, Proof, State, expiring, standings
from app.domain.scoring import (
    COMPONENT_ORDER,
    DEFAULT_POLICY,
    DEFAULT_WEIGHTS,
    Band,
    Component,
    Policy,
    Summary,
    Target,
    band_of,
    component_scores,
    missing,
    requirement_state,
    total_score,
    window_start,
)
from app.domain.values import Requirement

__all__ = [
    "COMPONENT_ORDER",
    "DEFAULT_POLICY",
    "DEFAULT_WEIGHTS",
    "Band",
    "Component",
    "ComponentScore",
    "Development",
    "Facts",
    "Gap",
    "LeadershipEvidence",
    "NextStep",
    "Policy",
    "Ranked",
    "Readiness",
    "Review",
    "Summary",
    "Target",
    "band_of",
    "rank",
    "score_readiness",
    "score_summary",
    "summarize",
    "total_score",
    "window_start",
]


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


def _ranked(
    summary: Summary, target: Target, policy: Policy
) -> tuple[dict[Component, Decimal], Ranked]:
    scores = component_scores(summary, target, policy)
    total = total_score(scores, policy)
    absent = missing(summary, target)
    blocked = any(r.mandatory for r in absent)
    return scores, Ranked(total, band_of(total, mandatory_missing=blocked, policy=policy), absent)


def rank(*, summary: Summary, target: Target, policy: Policy) -> Ranked:
    """Return the score, band and missing requirements `score_summary` gives, without the
    gaps and next steps (what ranking many targets or people needs)."""
    return _ranked(summary, target, policy)[1]


def score_summary(*, summary: Summary, target: Target, policy: Policy) -> Readiness:
    """Return the readiness for the target from a summary of the person's evidence."""
    scores, ranked = _ranked(summary, target, policy)
    total = ranked.score
    met_ids = [
        summary.proofs[r.key].event_id
        for r in target.requirements
        if requirement_state(summary, r) is State.met
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
        gaps=gaps(summary=summary, target=target, scores=scores, policy=policy),
        next_steps=next_steps(
            summary=summary, target=target, policy=policy, scores=scores, total=total
        ),
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
