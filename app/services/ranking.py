"""Score many people for one target as the domain scores one, each distinct input once.

The ranking needs only the score and the band: each component's score is taken from the
domain once per distinct input (a handful of review means, counts, requirement sets and
months), and the full readiness (gaps, next steps) is built only for the people a page
actually shows.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from app.domain.mobility import MoveType, classify_levels
from app.domain.proofs import Standing, State, check
from app.domain.readiness import (
    COMPONENT_ORDER,
    Band,
    Component,
    Policy,
    Readiness,
    Summary,
    Target,
    band_of,
    score_summary,
    total_score,
)
from app.domain.values import Requirement, RequirementKind, whole_months_between
from app.services.population import ActiveFacts, Evidence, Role


class ScoredFacts(NamedTuple):
    """What one person's score is computed from."""

    move: MoveType
    role_started_on: date
    role_event_id: str | None
    review_count: int
    review_sum: int
    leadership_count: int
    development_count: int
    proofs: tuple[Standing | None, ...]


class Ranker:
    """Scores people for one target as the domain does, each distinct input once."""

    def __init__(
        self,
        *,
        day: date,
        target: Target,
        level: int | None,
        requirement_keys: list[tuple[RequirementKind, str]],
        policy: Policy,
    ) -> None:
        """`target` is what the target asks (its move type is decided per person);
        `level` its level, None for the placeholder one level up; `requirement_keys` the
        distinct keys of its requirements, in the order of the evidence's proofs."""
        self.day = day
        self.level = level
        self.policy = policy
        self.requirement_keys = requirement_keys
        self.requirements: tuple[Requirement, ...] = target.requirements
        index = {key: n for n, key in enumerate(requirement_keys)}
        self.proof_of = tuple(index[r.key] for r in self.requirements)
        self.mandatory = tuple(r.mandatory for r in self.requirements)
        self.targets = {move: replace(target, move_type=move) for move in MoveType}
        self.min_months = (
            target.min_months_in_role
            if target.min_months_in_role is not None
            else policy.default_min_months_in_role
        )
        self.months: dict[date, int] = {}
        self.moves: dict[int, MoveType] = {}
        # Each component's rounded score by what it reads (SPEC 5): reviews (count, sum);
        # the leadership and the development count, which stop mattering at saturation; the
        # proven requirements; whole months in role, which stop mattering at the minimum.
        self.parts: dict[tuple[Component, Hashable], Decimal] = {}
        # (total, band) by all of those together.
        self.scored: dict[tuple[Hashable, ...], tuple[Decimal, Band]] = {}

    def _move(self, source_level: int) -> MoveType:
        move = self.moves.get(source_level)
        if move is None:
            # Without a target position, the placeholder one level up is a promotion.
            move = self.moves[source_level] = (
                MoveType.promotion
                if self.level is None
                else classify_levels(source_level=source_level, target_level=self.level)
            )
        return move

    def _key(self, role: Role, evidence: Evidence, met: tuple[bool, ...]) -> tuple[Hashable, ...]:
        """Return what decides the score: each component's input, saturations applied."""
        months = self.months.get(role.started_on)
        if months is None:
            months = self.months[role.started_on] = whole_months_between(role.started_on, self.day)
        policy = self.policy
        return (
            evidence.review_count,
            evidence.review_sum,
            min(evidence.leadership_count, policy.leadership_saturation),
            min(evidence.development_count, policy.development_saturation),
            met,
            min(months, self.min_months),
        )

    def rank(
        self, *, source_level: int, role: Role, evidence: Evidence
    ) -> tuple[Decimal, Band, ScoredFacts]:
        """Return the score and band of someone holding `role` at `source_level`, with the
        facts their full readiness is built from (`readiness`)."""
        facts = ScoredFacts(self._move(source_level), role.started_on, role.event_id, *evidence)
        met = tuple(
            check(r, evidence.proofs[n], as_of=self.day) is State.met
            for r, n in zip(self.requirements, self.proof_of, strict=True)
        )
        key = self._key(role, evidence, met)
        scored = self.scored.get(key)
        if scored is None:
            scored = self.scored[key] = self._score(key, facts)
        return scored[0], scored[1], facts

    def summary(self, facts: ScoredFacts) -> Summary:
        """Return the domain summary of one person's facts."""
        return Summary(
            as_of=self.day,
            role_started_on=facts.role_started_on,
            role_event_id=facts.role_event_id,
            review_count=facts.review_count,
            review_sum=facts.review_sum,
            leadership_count=facts.leadership_count,
            development_count=facts.development_count,
            proofs={
                key: proof
                for key, proof in zip(self.requirement_keys, facts.proofs, strict=True)
                if proof is not None
            },
        )

    def readiness(self, facts: ScoredFacts) -> Readiness:
        """Return the full readiness of one person, from the domain."""
        return score_summary(
            summary=self.summary(facts), target=self.targets[facts.move], policy=self.policy
        )

    def _score(self, key: tuple[Hashable, ...], facts: ScoredFacts) -> tuple[Decimal, Band]:
        """Return the total and the band for a key of `rank`, by the domain's rules (SPEC 5
        and 8). The component scores come from the domain too, which is asked only about
        inputs not seen before."""
        review_count, review_sum, leadership, development, met, months = key
        inputs: dict[Component, Hashable] = {
            Component.performance: (review_count, review_sum),
            Component.leadership: leadership,
            Component.development: development,
            Component.requirements: met,
            Component.experience: months,
        }
        parts = self.parts
        if any((c, value) not in parts for c, value in inputs.items()):
            for component in self.readiness(facts).components:
                parts[(component.name, inputs[component.name])] = component.score
        total = total_score({c: parts[(c, inputs[c])] for c in COMPONENT_ORDER}, self.policy)
        blocked = any(m and not p for m, p in zip(self.mandatory, met, strict=True))
        return total, band_of(total, mandatory_missing=blocked, policy=self.policy)


def ready_now_once_requirements_met(
    people: ActiveFacts, *, day: date, policy: Policy, min_months_in_role: int | None
) -> set[str]:
    """Return who of `people` the slate would band ready now for a target with this
    minimum time in role, were every mandatory requirement of it met.

    With all of them met the requirements part is 100 and nothing blocks the band, exactly
    as for a target with no requirements: so one scoring per person serves every target
    with the same minimum, and a target's ready-now slate is this set cut down to those
    who hold its mandatory proofs (`proof_standings`; `app.services.coverage`)."""
    target = Target(position_id="", move_type=MoveType.none, min_months_in_role=min_months_in_role)
    ranker = Ranker(day=day, target=target, level=0, requirement_keys=[], policy=policy)
    ready = set()
    for employee_id, (role, evidence) in people.items():
        unproven = evidence._replace(proofs=()) if evidence.proofs else evidence
        if ranker.rank(source_level=0, role=role, evidence=unproven)[1] is Band.ready_now:
            ready.add(employee_id)
    return ready
