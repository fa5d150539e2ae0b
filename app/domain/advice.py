"""What stands between a person and a target, and what would raise their score most.

Pure: from a `Summary`, a `Target`, the policy and the component scores
(`app.domain.scoring`), the gaps name each component below 100 and each requirement not
met; the next steps name an action per gap with the score it would gain, biggest first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from app.domain.proofs import State, met_standing
from app.domain.scoring import (
    COMPONENT_ORDER,
    HUNDRED,
    Component,
    Policy,
    Summary,
    Target,
    component_scores,
    min_months,
    missing,
    requirement_state,
    total_score,
)
from app.domain.values import (
    TENTH,
    Requirement,
    RequirementKind,
    round_half_up,
    shift_months,
    whole_months_between,
)


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


def _requirement_gap(summary: Summary, req: Requirement) -> Gap:
    kind = "mandatory" if req.mandatory else "optional"
    standing = summary.proofs.get(req.key)
    state = requirement_state(summary, req)
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
    state = requirement_state(summary, req)
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


def gaps(
    *, summary: Summary, target: Target, scores: dict[Component, Decimal], policy: Policy
) -> tuple[Gap, ...]:
    """Return what keeps each component below 100, and each requirement not met."""
    found: list[Gap] = []
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
        found.append(Gap(Component.performance, text))
    if scores[Component.leadership] < HUNDRED:
        found.append(
            Gap(
                Component.leadership,
                f"{summary.leadership_count} of {policy.leadership_saturation} leadership "
                f"activities or initiatives in {window}.",
            )
        )
    if scores[Component.development] < HUNDRED:
        found.append(
            Gap(
                Component.development,
                f"{summary.development_count} of {policy.development_saturation} trainings, "
                f"certifications or skills in {window}.",
            )
        )
    for req in missing(summary, target):
        found.append(_requirement_gap(summary, req))
    if scores[Component.experience] < HUNDRED:
        months = whole_months_between(summary.role_started_on, summary.as_of)
        found.append(
            Gap(
                Component.experience,
                f"{months} of {min_months(target, policy)} months in the current role.",
            )
        )
    return tuple(found)


def next_steps(
    *,
    summary: Summary,
    target: Target,
    policy: Policy,
    scores: dict[Component, Decimal],
    total: Decimal,
) -> tuple[NextStep, ...]:
    """Return one action per component below 100 and per requirement not met, with what
    it would add to `total`, biggest gain first (none that gains nothing)."""
    candidates: list[tuple[Component, str, Decimal]] = []

    def gain_with(changed: Summary) -> Decimal:
        return total_score(component_scores(changed, target, policy), policy) - total

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
    for req in missing(summary, target):
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
        asked = min_months(target, policy)
        months = asked - whole_months_between(summary.role_started_on, summary.as_of)
        until = shift_months(summary.role_started_on, asked)
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
