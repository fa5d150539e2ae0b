"""Succession slates: everyone active ranked by readiness for one position.

Scores come from the same domain function as the single-person endpoint, fed by one read
of the whole organization (`app.services.population`) instead of one request per person,
and scored each distinct input once (`app.services.ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlmodel import Session

from app.domain.mobility import MoveType
from app.domain.readiness import Band, Policy, Readiness, Target
from app.domain.values import EVENT_TYPE_FOR_KIND
from app.models import Employee, Position
from app.services.employees import today
from app.services.policy import current_policy
from app.services.population import active_people
from app.services.positions import get_position, requirements_of
from app.services.ranking import Ranker, ScoredFacts

BAND_ORDER = (Band.ready_now, Band.ready_1_2_years, Band.ready_3_plus_years)


class Person(NamedTuple):
    """Who a candidate is, as the slate shows them."""

    id: str
    external_id: str
    display_name: str | None


class Candidate:
    """One person on the slate, ranked by `score` (and `band`, for `min_band`).

    `readiness` is what the readiness endpoint answers for this person and target, but for
    evidence ids (none of reviews, leadership and development; the least id of the events
    proving a requirement); it is built on first read.
    `tests/services/test_candidates_equivalence.py` holds the two equal.
    """

    __slots__ = ("employee", "score", "band", "_ranker", "_facts", "_readiness")

    def __init__(
        self, employee: Person, score: Decimal, band: Band, ranker: Ranker, facts: ScoredFacts
    ) -> None:
        self.employee = employee
        self.score = score
        self.band = band
        self._ranker = ranker
        self._facts = facts
        self._readiness: Readiness | None = None

    @property
    def readiness(self) -> Readiness:
        """Return the person's readiness for the position, as the readiness endpoint scores it."""
        if self._readiness is None:
            self._readiness = self._ranker.readiness(self._facts)
        return self._readiness


@dataclass(frozen=True)
class Slate:
    target_position_id: str | None
    as_of: date
    policy_version: int
    candidates: list[Candidate]


def slate(
    session: Session,
    organization_id: str,
    position_id: str,
    *,
    as_of: date | None,
    min_band: Band | None,
) -> Slate:
    """Return the active people (not already in the position) ranked by readiness for it."""
    scored = score_population(session, organization_id, position_id, as_of=as_of)
    allowed = set(BAND_ORDER[: BAND_ORDER.index(min_band) + 1]) if min_band else set(BAND_ORDER)
    ranked = [c for c in scored.candidates if c.band in allowed]
    ranked.sort(key=lambda c: (-c.score, c.employee.external_id))
    return Slate(position_id, scored.as_of, scored.policy_version, ranked)


_LEVELS = select(Position.id, Position.level).where(
    Position.organization_id == bindparam("organization_id")
)
_PEOPLE = select(Employee.id, Employee.external_id, Employee.display_name).where(
    Employee.organization_id == bindparam("organization_id")
)


def score_population(
    session: Session,
    organization_id: str,
    position_id: str | None,
    *,
    as_of: date | None,
) -> Slate:
    """Return everyone active on the day (today by default) who does not hold the position,
    scored for it as the readiness endpoint scores them, in no particular order. Without a
    position, the target is the placeholder one level up (SPEC 8): the slate's population
    and scores, for the fairness report too."""
    position = get_position(session, organization_id, position_id) if position_id else None
    day = as_of or today()
    policy = current_policy(session, organization_id).policy
    ranker = _ranker(position, day=day, policy=policy)
    proofs = [(EVENT_TYPE_FOR_KIND[kind], name) for kind, name in ranker.requirement_keys]
    facts = active_people(session, organization_id, day=day, policy=policy, proofs=proofs)
    if not facts:
        return Slate(position_id, day, policy.version, [])
    connection = session.connection()
    params = {"organization_id": organization_id}
    levels = connection.execute(_LEVELS, params).all() if position else []
    level_of = {pid: int(level) for pid, level in levels}
    people = {row[0]: Person(*row) for row in connection.execute(_PEOPLE, params).all()}
    default_level = ranker.level or 0
    scored = []
    for employee_id, (role, evidence) in facts.items():
        person = people.get(employee_id)
        if person is None or (position_id is not None and role.position_id == position_id):
            continue
        source_level = level_of.get(role.position_id, default_level)
        score, band, person_facts = ranker.rank(
            source_level=source_level, role=role, evidence=evidence
        )
        scored.append(Candidate(person, score, band, ranker, person_facts))
    return Slate(position_id, day, policy.version, scored)


def _ranker(position: Position | None, *, day: date, policy: Policy) -> Ranker:
    """Return the ranker for the position (the placeholder one level up when None)."""
    if position is None:
        target = Target(position_id=None, move_type=MoveType.promotion)
        return Ranker(day=day, target=target, level=None, requirement_keys=[], policy=policy)
    requirements = requirements_of(position)
    target = Target(
        position_id=position.id,
        move_type=MoveType.none,
        requirements=requirements,
        min_months_in_role=position.min_months_in_role,
    )
    return Ranker(
        day=day,
        target=target,
        level=position.level,
        requirement_keys=list(dict.fromkeys(r.key for r in requirements)),
        policy=policy,
    )
