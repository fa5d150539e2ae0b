"""Succession slates: everyone active ranked by readiness for one position.

Scores come from the same domain function as the single-person endpoint, fed by SQL over
the whole organization instead of one request per person. At 10,000 people that is a
million events, so:

- one pass over the organization's events (through the driver's cursor, no ORM rows)
  returns, per person, the counts in the window, the proof of each requirement of the
  target, and their hires, moves and exits as one string; what each person holds is read
  from those alone (`app.domain.holding.role_held`, the replay's rules without levels or
  pay);
- the ranking needs only the score and the band: each component's score is taken from the
  domain once per distinct input (a handful of review means, counts, requirement sets and
  months), and the full readiness (gaps, next steps) is built only for the candidates a
  page actually shows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlmodel import Session

from app.domain.history import DEVELOPMENT_TYPES, LEADERSHIP_TYPES, EventType
from app.domain.holding import HOLDING_TYPES, role_held
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
    window_start,
)
from app.domain.values import (
    EVENT_TYPE_FOR_KIND,
    Requirement,
    RequirementKind,
    whole_months_between,
)
from app.services.employees import today
from app.services.policy import current_policy
from app.services.positions import get_position, requirements_of

BAND_ORDER = (Band.ready_now, Band.ready_1_2_years, Band.ready_3_plus_years)

_REVIEW = EventType.performance_review.value
_LEADERSHIP = tuple(sorted(t.value for t in LEADERSHIP_TYPES))
_DEVELOPMENT = tuple(sorted(t.value for t in DEVELOPMENT_TYPES))


class Person(NamedTuple):
    """Who a candidate is, as the slate shows them."""

    id: str
    external_id: str
    display_name: str | None


class Candidate:
    """One person on the slate, ranked by `score` (and `band`, for `min_band`).

    `readiness` is what the readiness endpoint answers for this person and target (less the
    evidence ids of reviews, leadership and development); it is built on first read.
    """

    __slots__ = ("employee", "score", "band", "_ranker", "_facts", "_readiness")

    def __init__(
        self, employee: Person, score: Decimal, band: Band, ranker: _Ranker, facts: _Facts
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


def _rows(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    """Run one statement on the session's connection through the driver's own cursor.

    `sql` uses `?` placeholders; they become `%s` for drivers that want those.
    """
    connection = session.connection()
    if connection.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


# What a proof's standing reads besides its event (app.domain.proofs): the highest level of
# a skill (NULL is 1), the latest expiry of a certification (NULL, never, as the last day).
_SKILL = EVENT_TYPE_FOR_KIND[RequirementKind.skill]
_CERTIFICATION = EVENT_TYPE_FOR_KIND[RequirementKind.certification]
_STANDING_SQL = {
    _SKILL: "MAX(CASE WHEN name_key = ? AND type = ? THEN COALESCE(level, 1) END)",
    _CERTIFICATION: "MAX(CASE WHEN name_key = ? AND type = ? THEN COALESCE(expires_on, ?) END)",
}
NEVER = date.max


def _evidence_sql(proofs: list[tuple[str, str]], holding: str | None) -> str:
    """Return the per-person aggregate of the window and the proofs, and of `holding` (an
    aggregate of the hires, moves and exits) when given."""
    names = sorted({name for _, name in proofs})
    columns = [
        "SUM(CASE WHEN occurred_on > ? AND type = ? AND rating IS NOT NULL THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN occurred_on > ? AND type = ? AND rating IS NOT NULL THEN rating ELSE 0 END)",
        f"SUM(CASE WHEN occurred_on > ? AND type IN ({_marks(_LEADERSHIP)}) THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN occurred_on > ? AND type IN ({_marks(_DEVELOPMENT)}) THEN 1 ELSE 0 END)",
        *("MIN(CASE WHEN name_key = ? AND type = ? THEN id END)" for _ in proofs),
        *(_STANDING_SQL[kind] for kind, _ in proofs if kind in _STANDING_SQL),
    ]
    if holding:
        columns.append(holding)
    # Only the rows some column reads: the window, the proofs and, with `holding`, the moves.
    wanted = ["occurred_on > ?"]
    if holding:
        wanted.append(f"type IN ({_marks(HOLDING_TYPES)})")
    if names:
        wanted.append(f"name_key IN ({_marks(names)})")
    sql = (
        f"SELECT employee_id, {', '.join(columns)} FROM career_event "
        "WHERE organization_id = ? AND voided_at IS NULL AND occurred_on <= ? "
        f"AND ({' OR '.join(wanted)}) GROUP BY employee_id"
    )
    return sql


def _people_facts(
    session: Session,
    organization_id: str,
    day: date,
    start: date,
    proofs: list[tuple[str, str]],
) -> dict[str, tuple[tuple[Any, str | date, str | None], tuple[Any, ...]]]:
    """Return, for each person active on `day`, what they hold (position, role start, role
    event) and their evidence: (reviews in the window, their rating sum, leadership in the
    window, development in the window, then the least id proving each of `proofs` ((event
    type, folded name)), or None).

    On SQLite one pass over the events does it all: each person's hires, moves and exits
    come back as one string. PostgreSQL (15) cannot aggregate strings in parallel, so there
    it is two scans, each run in parallel: the evidence, and the hires, moves and exits.
    """
    on: Any
    recent: Any
    if session.connection().dialect.name == "sqlite":
        # SQLite keeps a date as ISO text.
        on, recent = day.isoformat(), start.isoformat()
        record = (
            "occurred_on || ' ' || CAST(seq AS TEXT) || ' ' || type || ' ' "
            "|| COALESCE(position_id, '') || ' ' || id"
        )
        holding = (
            f"group_concat(CASE WHEN type IN ({_marks(HOLDING_TYPES)}) THEN {record} END, ',')"
        )
    else:
        on, recent, holding = day, start, None
    sql = _evidence_sql(proofs, holding)
    params: list[Any] = [
        recent,
        _REVIEW,
        recent,
        _REVIEW,
        recent,
        *_LEADERSHIP,
        recent,
        *_DEVELOPMENT,
    ]
    for event_type, name in proofs:
        params += [name, event_type]
    never = NEVER.isoformat() if holding else NEVER
    for event_type, name in proofs:
        if event_type in _STANDING_SQL:
            params += [name, event_type, *([never] if event_type == _CERTIFICATION else [])]
    if holding:
        params += HOLDING_TYPES
    params += [organization_id, on, recent]
    if holding:
        params += HOLDING_TYPES
    params += sorted({name for _, name in proofs})
    rows = _rows(session, sql, params)
    out: dict[str, tuple[tuple[Any, str | date, str | None], tuple[Any, ...]]] = {}
    if holding:
        for row in rows:
            held = _held(row[-1])
            if held is not None:
                out[row[0]] = (held, row[1:-1])
        return out
    evidence = {row[0]: row[1:] for row in rows}
    nothing = (0, 0, 0, 0, *([None] * (len(proofs) + _standing_columns(proofs))))
    moves = _rows(
        session,
        "SELECT employee_id, occurred_on, seq, id, type, position_id FROM career_event "
        "WHERE organization_id = ? AND voided_at IS NULL AND occurred_on <= ? "
        f"AND type IN ({_marks(HOLDING_TYPES)})",
        [organization_id, on, *HOLDING_TYPES],
    )
    moves.sort()
    index, n = 0, len(moves)
    while index < n:
        employee_id = moves[index][0]
        end = index + 1
        while end < n and moves[end][0] == employee_id:
            end += 1
        held_by = role_held((m[3], m[4], m[5], m[1]) for m in moves[index:end])
        if held_by is not None:
            out[employee_id] = (
                (held_by.position_id, held_by.role_started_on, held_by.role_event_id),
                evidence.get(employee_id, nothing),
            )
        index = end
    return out


def _standing_columns(proofs: list[tuple[str, str]]) -> int:
    return sum(1 for kind, _ in proofs if kind in _STANDING_SQL)


def _standings(proofs: list[tuple[str, str]], values: Sequence[Any]) -> tuple[Standing | None, ...]:
    """Return the standing of each proof from its columns of `_evidence_sql` (the event ids,
    then the levels and expiries, in the order of `proofs`)."""
    ids, extra = values[: len(proofs)], iter(values[len(proofs) :])
    out: list[Standing | None] = []
    for (kind, _), event_id in zip(proofs, ids, strict=True):
        value = next(extra) if kind in _STANDING_SQL else None
        if event_id is None:
            out.append(None)
        elif kind == _SKILL:
            out.append(Standing(event_id, int(value or 1)))
        elif kind == _CERTIFICATION:
            lapses = (
                value if isinstance(value, date) or value is None else date.fromisoformat(value)
            )
            out.append(Standing(event_id, 1, None if lapses == NEVER else lapses))
        else:
            out.append(Standing(event_id))
    return tuple(out)


def _held(records: str | None) -> tuple[str, str, str | None] | None:
    """Return (position, role start as ISO text, role event) from the records, if active."""
    if not records:
        return None
    events = []
    for text in records.split(","):
        occurred_on, seq, kind, position, event_id = text.split(" ", 4)
        events.append((occurred_on, int(seq), event_id, kind, position or None))
    events.sort()
    held = role_held((e[2], e[3], e[4], e[0]) for e in events)
    if held is None:
        return None
    return held.position_id, held.role_started_on, held.role_event_id


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
    target_position = get_position(session, organization_id, position_id) if position_id else None
    day = as_of or today()
    policy = current_policy(session, organization_id).policy
    requirements = requirements_of(target_position) if target_position else ()
    start = window_start(as_of=day, months=policy.window_months)
    requirement_keys = list(dict.fromkeys(r.key for r in requirements))
    proofs = [(EVENT_TYPE_FOR_KIND[kind], name) for kind, name in requirement_keys]
    facts = _people_facts(session, organization_id, day, start, proofs)
    if not facts:
        return Slate(position_id, day, policy.version, [])
    level_of = (
        {
            pid: int(level)
            for pid, level in _rows(
                session,
                "SELECT id, level FROM position WHERE organization_id = ?",
                [organization_id],
            )
        }
        if target_position
        else {}
    )
    people = {
        row[0]: Person(*row)
        for row in _rows(
            session,
            "SELECT id, external_id, display_name FROM employee WHERE organization_id = ?",
            [organization_id],
        )
    }
    ranker = _Ranker(
        day=day,
        position_id=position_id,
        level=target_position.level if target_position else None,
        min_months_in_role=target_position.min_months_in_role if target_position else None,
        requirements=requirements,
        requirement_keys=requirement_keys,
        policy=policy,
    )
    scored = []
    for employee_id, ((position, since, role_event), evidence) in facts.items():
        if position_id is not None and position == position_id:
            continue
        person = people.get(employee_id)
        if person is None:
            continue
        scored.append(
            ranker.candidate(
                person,
                source_level=level_of.get(position, ranker.level or 0),
                since=since,
                role_event=role_event,
                counts=evidence[:4],
                proofs=_standings(proofs, evidence[4:]),
            )
        )
    return Slate(position_id, day, policy.version, scored)


class _Facts(NamedTuple):
    """What one person's score is computed from."""

    move: MoveType
    role_started_on: date
    role_event_id: str | None
    review_count: int
    review_sum: int
    leadership_count: int
    development_count: int
    proofs: tuple[Standing | None, ...]


class _Ranker:
    """Scores people for one target as the domain does, each distinct input once."""

    def __init__(
        self,
        *,
        day: date,
        position_id: str | None,
        level: int | None,
        min_months_in_role: int | None,
        requirements: tuple[Requirement, ...],
        requirement_keys: list[Any],
        policy: Policy,
    ) -> None:
        self.day = day
        self.level = level
        self.policy = policy
        self.requirement_keys = requirement_keys
        self.requirements = requirements
        index = {key: n for n, key in enumerate(requirement_keys)}
        self.proof_of = tuple(index[r.key] for r in requirements)
        self.mandatory = tuple(r.mandatory for r in requirements)
        self.targets = {
            move: Target(
                position_id=position_id,
                move_type=move,
                requirements=requirements,
                min_months_in_role=min_months_in_role,
            )
            for move in MoveType
        }
        self.min_months = (
            min_months_in_role
            if min_months_in_role is not None
            else policy.default_min_months_in_role
        )
        self.since: dict[str | date, tuple[date, int]] = {}
        self.moves: dict[int, MoveType] = {}
        # Each component's rounded score by what it reads (SPEC 5): reviews (count, sum);
        # the leadership and the development count, which stop mattering at saturation; the
        # proven requirements; whole months in role, which stop mattering at the minimum.
        self.parts: dict[tuple[Component, Any], Decimal] = {}
        # (total, band) by all of those together.
        self.scored: dict[tuple[Any, ...], tuple[Decimal, Band]] = {}

    def candidate(
        self,
        person: Person,
        *,
        source_level: int,
        since: str | date,
        role_event: str | None,
        counts: Sequence[Any],
        proofs: tuple[Standing | None, ...],
    ) -> Candidate:
        policy = self.policy
        started = self.since.get(since)
        if started is None:
            on = since if isinstance(since, date) else date.fromisoformat(since)
            started = self.since[since] = (on, whole_months_between(on, self.day))
        move = self.moves.get(source_level)
        if move is None:
            # Without a target position, the placeholder one level up is a promotion.
            move = self.moves[source_level] = (
                MoveType.promotion
                if self.level is None
                else classify_levels(source_level=source_level, target_level=self.level)
            )
        review_count, review_sum = int(counts[0]), int(counts[1])
        leadership, development = int(counts[2]), int(counts[3])
        facts = _Facts(
            move,
            started[0],
            role_event,
            review_count,
            review_sum,
            leadership,
            development,
            proofs,
        )
        day = self.day
        met = tuple(
            check(r, proofs[n], as_of=day) is State.met
            for r, n in zip(self.requirements, self.proof_of, strict=True)
        )
        key = (
            review_count,
            review_sum,
            min(leadership, policy.leadership_saturation),
            min(development, policy.development_saturation),
            met,
            min(started[1], self.min_months),
        )
        scored = self.scored.get(key)
        if scored is None:
            scored = self.scored[key] = self._score(key, facts)
        return Candidate(person, scored[0], scored[1], self, facts)

    def band(self, *, since: str | date, counts: Sequence[Any]) -> Band:
        """Return the band `candidate` gives someone with no requirement to prove (the
        target has none, or they are all met), without building the candidate."""
        policy = self.policy
        started = self.since.get(since)
        if started is None:
            on = since if isinstance(since, date) else date.fromisoformat(since)
            started = self.since[since] = (on, whole_months_between(on, self.day))
        key = (
            int(counts[0]),
            int(counts[1]),
            min(int(counts[2]), policy.leadership_saturation),
            min(int(counts[3]), policy.development_saturation),
            (),
            min(started[1], self.min_months),
        )
        scored = self.scored.get(key)
        if scored is None:
            return self.candidate(
                _ANYONE, source_level=0, since=since, role_event=None, counts=counts, proofs=()
            ).band
        return scored[1]

    def summary(self, facts: _Facts) -> Summary:
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

    def readiness(self, facts: _Facts) -> Readiness:
        """Return the full readiness of one person, from the domain."""
        return score_summary(
            summary=self.summary(facts), target=self.targets[facts.move], policy=self.policy
        )

    def _score(self, key: tuple[Any, ...], facts: _Facts) -> tuple[Decimal, Band]:
        """Return the total and the band for a key of `candidate`, by the domain's rules
        (SPEC 5 and 8). The component scores come from the domain too, which is asked only
        about inputs not seen before."""
        review_count, review_sum, leadership, development, met, months = key
        inputs: dict[Component, Any] = {
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


# What `active_people` answers per person: ((position held, role start, role event),
# (reviews in the window, their rating sum, leadership, development, then the least id
# proving each of the proofs asked for, or None)).
ActiveFacts = dict[str, tuple[tuple[Any, Any, str | None], tuple[Any, ...]]]
_ANYONE = Person("", "", None)


def active_people(
    session: Session,
    organization_id: str,
    *,
    day: date,
    policy: Policy,
    proofs: list[tuple[str, str]],
) -> ActiveFacts:
    """Return everyone active on `day` with what they hold and their evidence under the
    policy's window: the slate's own reading of the organization, in one pass. `proofs`
    are (event type, folded name) pairs whose earliest proof to look up."""
    start = window_start(as_of=day, months=policy.window_months)
    return _people_facts(session, organization_id, day, start, proofs)


def ready_now_once_requirements_met(
    people: ActiveFacts, *, day: date, policy: Policy, min_months_in_role: int | None
) -> set[str]:
    """Return who of `people` the slate would band ready now for a target with this
    minimum time in role, were every mandatory requirement of it met.

    With all of them met the requirements part is 100 and nothing blocks the band, exactly
    as for a target with no requirements: so one scoring per person serves every target
    with the same minimum, and a target's ready-now slate is this set cut down to those
    who hold its mandatory proofs (`proof_holders`; `app.services.coverage`)."""
    ranker = _Ranker(
        day=day,
        position_id="",
        level=0,
        min_months_in_role=min_months_in_role,
        requirements=(),
        requirement_keys=[],
        policy=policy,
    )
    band = ranker.band
    return {
        employee_id
        for employee_id, ((_position, since, _event), evidence) in people.items()
        if band(since=since, counts=evidence) is Band.ready_now
    }


def proof_standings(
    session: Session,
    organization_id: str,
    *,
    day: date,
    proofs: list[tuple[str, str]],
    people: Collection[str],
) -> dict[tuple[str, str], dict[str, Standing]]:
    """Return, for each (event type, folded name), the standing of each of `people` who
    holds a proof of it on `day`: the highest level (skills) and the latest lapse
    (certifications), as `_standings` reads them.

    A twin of the proof and standing columns of `_evidence_sql` (events of that type and
    name, not voided, on or before the day, at any age), read as one grouped query for many
    targets at once and for the people named only, through the (organization, employee,
    type, day, name) index. A change to what proves a requirement changes both;
    `tests/api/test_succession_coverage.py` compares the coverage built on this with each
    position's slate."""
    out: dict[tuple[str, str], dict[str, Standing]] = {proof: {} for proof in proofs}
    if not proofs or not people:
        return out
    sqlite = session.connection().dialect.name == "sqlite"
    on: Any = day.isoformat() if sqlite else day
    never: Any = NEVER.isoformat() if sqlite else NEVER
    types = sorted({kind for kind, _ in proofs})
    names = sorted({name for _, name in proofs})
    ids = sorted(people)
    where = (
        "FROM career_event WHERE organization_id = ? AND employee_id {people} "
        f"AND type IN ({_marks(types)}) AND occurred_on <= ? AND name_key IN ({_marks(names)}) "
        "AND voided_at IS NULL GROUP BY employee_id, type, name_key"
    )
    select_ = (
        "SELECT employee_id, type, name_key, MIN(id), MAX(COALESCE(level, 1)), "
        "MAX(COALESCE(expires_on, ?)) "
    )
    chunks = [ids[i : i + 10_000] for i in range(0, len(ids), 10_000)] if sqlite else [ids]
    for chunk in chunks:
        match = f"IN ({_marks(chunk)})" if sqlite else "= ANY(?)"
        rows = _rows(
            session,
            select_ + where.format(people=match),
            [never, organization_id, *(chunk if sqlite else [chunk]), *types, on, *names],
        )
        for employee_id, kind, name, event_id, level, lapses in rows:
            held = out.get((kind, name))
            if held is None:
                continue
            (standing,) = _standings(
                [(kind, name)],
                [event_id, level if kind == _SKILL else lapses]
                if kind in _STANDING_SQL
                else [event_id],
            )
            if standing is not None:
                held[employee_id] = standing
    return out
