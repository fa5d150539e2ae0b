"""What a person's trainings, certifications and skills prove on a day (SPEC 5 and 11).

A requirement is proven by an event of its kind and name (case and surrounding space
ignored). A skill requirement may ask for a level: the highest level recorded for the name
on or before the day must reach it (a skill recorded without a level is level 1). A
certification may expire: it proves its requirement on the days `occurred_on` <= day <
`expires_on`, and one without `expires_on` never expires. Readiness, comparisons, the
succession slate and opportunities all ask `check` the same question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.values import Requirement, RequirementKind

# Certifications behind met requirements that lapse within this many days after the day
# asked about are reported as expiring.
EXPIRY_NOTICE_DAYS = 90

Key = tuple[RequirementKind, str]


@dataclass(frozen=True)
class Proof:
    """A training, certification or skill: counts in the window, meets requirements."""

    id: str
    occurred_on: date
    kind: RequirementKind
    name_key: str
    level: int = 1
    expires_on: date | None = None


@dataclass(frozen=True)
class Standing:
    """What the proofs of one (kind, folded name) recorded on or before a day amount to:
    the highest level, the last day they lapse (None: never), and the event behind them."""

    event_id: str
    level: int = 1
    lapses_on: date | None = None


class State(StrEnum):
    met = "met"
    below_level = "below_level"
    expired = "expired"
    missing = "missing"


@dataclass(frozen=True)
class Expiring:
    """A certification behind a met requirement that lapses soon."""

    name: str
    expires_on: date


def _reach(proof: Proof) -> tuple[int, date]:
    return proof.level, proof.expires_on or date.max


def standings(*, proofs: Iterable[Proof], as_of: date) -> dict[Key, Standing]:
    """Return the standing of each (kind, folded name) from the proofs recorded on or before
    `as_of`: the highest level and the latest lapse, with the earliest event reaching both
    (proofs in history order: `occurred_on`, then arrival)."""
    best: dict[Key, Proof] = {}
    for proof in sorted(proofs, key=lambda p: p.occurred_on):
        if proof.occurred_on > as_of:
            continue
        key = (proof.kind, proof.name_key)
        held = best.get(key)
        if held is None or _reach(proof) > _reach(held):
            best[key] = proof
    return {key: Standing(proof.id, proof.level, proof.expires_on) for key, proof in best.items()}


def check(requirement: Requirement, standing: Standing | None, *, as_of: date) -> State:
    """Return whether the standing meets the requirement on `as_of`, and if not, why."""
    if standing is None:
        return State.missing
    if standing.lapses_on is not None and standing.lapses_on <= as_of:
        return State.expired
    if requirement.min_level is not None and standing.level < requirement.min_level:
        return State.below_level
    return State.met


def expiring(
    *,
    requirements: Iterable[Requirement],
    standings: Mapping[Key, Standing],
    as_of: date,
) -> tuple[Expiring, ...]:
    """Return the certifications behind the met requirements that lapse within
    `EXPIRY_NOTICE_DAYS` after `as_of`, soonest first."""
    horizon = as_of + timedelta(days=EXPIRY_NOTICE_DAYS)
    found: dict[Key, Expiring] = {}
    for requirement in requirements:
        standing = standings.get(requirement.key)
        if standing is None or standing.lapses_on is None or requirement.key in found:
            continue
        if check(requirement, standing, as_of=as_of) is State.met and standing.lapses_on <= horizon:
            found[requirement.key] = Expiring(requirement.name, standing.lapses_on)
    return tuple(sorted(found.values(), key=lambda e: (e.expires_on, e.name)))


def met_standing(requirement: Requirement, standing: Standing | None) -> Standing:
    """Return the standing after the step that meets the requirement: the level it asks
    for (or the one held, if higher), with a proof that does not lapse."""
    level = max(requirement.min_level or 1, standing.level if standing else 1)
    return Standing("next-step", level, None)
