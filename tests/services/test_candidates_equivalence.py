"""The slate's organization-wide read equals the single-person readiness read, person by person.

Twin: `app.services.population.active_people` (one grouped SQL aggregate over every event
of the organization, with `app.services.ranking.Ranker` scoring each distinct input once)
beside `app.services.readiness` (the `_EVENTS` union for one person, `evidence_of` and the
domain's `score_readiness`). Random histories go through the service functions the routes
call (hires, moves, exits, reviews, leadership, trainings, skills at levels, certifications
that lapse, voids, back-filled events; a rejected write is skipped as the API would reject
it). For every target (each position, and the placeholder one level up) and a few days,
the slate holds exactly the people the readiness endpoint scores, less the holders, and
each candidate's readiness is the endpoint's, but for evidence ids: the slate reads no ids
of reviews, leadership and development, and names the least id of the events proving a
requirement where the endpoint names the earliest reaching its highest standing (the slate
shows no ids, only scores, bands, move types and what is missing). Beside them, coverage's
grouped read of proofs (`proof_standings`) gives each person the standing `active_people`
does. Runs on both stores.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database
from app.domain.readiness import Component, Readiness
from app.domain.values import EVENT_TYPE_FOR_KIND, shift_months
from app.errors import ApiError, ValidationFailed
from app.models import CareerEvent
from app.schemas.employees import EmployeeCreate
from app.schemas.events import EventCreate
from app.schemas.positions import PositionCreate
from app.services import candidates, employees, events, positions, readiness
from app.services.catalog import current
from app.services.organizations import create_organization
from app.services.population import active_people, proof_standings

START = date(2019, 1, 1)
PEOPLE = 4
NAMES = ("CPR", "Triage", "NE-BC")
# Whose evidence ids the slate leaves out (it reads counts, not events).
COUNTED = (Component.performance, Component.leadership, Component.development)
# Whose evidence ids the slate may choose otherwise among the events proving a requirement.
PROVEN = Component.requirements
MOVES = ("hire", "position_change", "promotion", "lateral_move", "demotion", "exit")
PROOFS = ("training_completed", "certification_earned", "skill_acquired")

months = st.integers(min_value=0, max_value=80)
requirement = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["training", "certification", "skill"]),
        "name": st.sampled_from(NAMES),
        "mandatory": st.booleans(),
        "min_level": st.one_of(st.none(), st.integers(1, 3)),
    }
)
position = st.tuples(
    st.integers(1, 4),  # level
    st.lists(requirement, max_size=3),
    st.sampled_from([None, 0, 6, 24]),  # min_months_in_role
)
event = st.one_of(
    st.tuples(st.sampled_from(MOVES), months, st.integers(0, 3)),
    st.tuples(st.just("performance_review"), months, st.integers(1, 5)),
    st.tuples(st.sampled_from(["leadership_activity", "initiative"]), months, st.just(0)),
    st.tuples(st.sampled_from(PROOFS), months, st.integers(0, 2), st.integers(1, 4), months),
    st.tuples(st.just("void"), st.integers(0, 40)),
)
# A person: hired on a month into a position, then events (months after the hire).
person = st.tuples(months, st.integers(0, 3), st.lists(event, max_size=12))
world = st.tuples(
    st.lists(position, min_size=1, max_size=4),
    st.lists(person, min_size=PEOPLE, max_size=PEOPLE),
    st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=3),
)


def _body(op: tuple[Any, ...], position_ids: list[str]) -> dict[str, Any]:
    kind, month = op[0], op[1]
    body: dict[str, Any] = {"type": kind, "occurred_on": shift_months(START, month).isoformat()}
    if kind in MOVES and kind != "exit":
        body["position_id"] = position_ids[op[2] % len(position_ids)]
    elif kind == "performance_review":
        body["rating"] = op[2]
    elif kind in ("leadership_activity", "initiative"):
        body["name"] = "Led the rota"
    elif kind in PROOFS:
        body["name"] = f" {NAMES[op[2]].lower()} "  # folded like the requirement's name
        if kind == "skill_acquired":
            body["level"] = op[3]
        elif kind == "certification_earned" and op[3] > 2:
            body["expires_on"] = shift_months(START, op[1] + 1 + op[4]).isoformat()
    return body


def _build(session: Any, name: str, spec: tuple[Any, ...]) -> tuple[str, list[str], list[str]]:
    """Create the organization, its positions and people, and record their histories."""
    position_specs, histories, _days = spec
    org, _key = create_organization(session, name)
    position_ids = [
        positions.create_position(
            session,
            org.id,
            PositionCreate.model_validate(
                {
                    "code": f"P{n}",
                    "title": f"P{n}",
                    "family": "F",
                    "track": "individual",
                    "level": level,
                    "requirements": _distinct(requirements),
                    "min_months_in_role": min_months,
                }
            ),
        ).id
        for n, (level, requirements, min_months) in enumerate(position_specs)
    ]
    people = []
    for n, (hired, where, history) in enumerate(histories):
        person = employees.create_employee(
            session, org.id, EmployeeCreate.model_validate({"external_id": f"E{n}"})
        ).id
        people.append(person)
        _apply(session, org.id, person, ("hire", hired, where), position_ids)
        for op in history:
            later = op if op[0] == "void" else (op[0], hired + op[1], *op[2:])
            _apply(session, org.id, person, later, position_ids)
    return org.id, position_ids, people


def _distinct(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one requirement per (kind, name), a level only for a skill."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in requirements:
        if r["kind"] != "skill" or r.get("min_level") is None:
            r = {k: v for k, v in r.items() if k != "min_level"}
        out.setdefault((r["kind"], r["name"]), r)
    return list(out.values())


def _apply(
    session: Any, org: str, person: str, op: tuple[Any, ...], position_ids: list[str]
) -> None:
    """Record or void one event in a savepoint; a rejected write leaves no trace."""
    try:
        with session.begin_nested():
            if op[0] == "void":
                ids = list(
                    session.execute(
                        select(CareerEvent.id)
                        .where(CareerEvent.organization_id == org)
                        .where(CareerEvent.employee_id == person)
                        .order_by(CareerEvent.seq)
                    ).scalars()
                )
                if ids:
                    events.void_event(session, org, person, ids[op[1] % len(ids)], reason="test")
            else:
                data = EventCreate.model_validate(_body(op, position_ids))
                events.record_event(session, org, person, data)
    except ApiError:
        pass


def _comparable(result: Readiness) -> Readiness:
    """Return the readiness without the ids the twins may name differently: none of the
    counted events', and of the proofs only how many."""
    components = tuple(
        dataclasses.replace(c, evidence=())
        if c.name in COUNTED
        else dataclasses.replace(c, evidence=(str(len(c.evidence)),))
        if c.name is PROVEN
        else c
        for c in result.components
    )
    return dataclasses.replace(result, components=components)


def _check(session: Any, org: str, position_ids: list[str], people: list[str], day: date) -> int:
    """Compare the slate of every target on `day` with each person's readiness; return how
    many candidates were compared."""
    compared = 0
    for target in [*position_ids, None]:
        slate = candidates.score_population(session, org, target, as_of=day)
        got = {c.employee.id: c for c in slate.candidates}
        expected: dict[str, Readiness] = {}
        for person in people:
            try:
                single = readiness.readiness(
                    session, org, person, target_position_id=target, as_of=day
                )
            except ValidationFailed:
                continue  # not employed on the day: no readiness, not on the slate
            if target is None or single.readiness.move_type.value != "none":
                expected[person] = single.readiness
        assert set(got) == set(expected), (target, day)
        for person, single_readiness in expected.items():
            candidate = got[person]
            assert (candidate.score, candidate.band) == (
                single_readiness.score,
                single_readiness.band,
            ), (target, day, person)
            assert _comparable(candidate.readiness) == _comparable(single_readiness), (
                target,
                day,
                person,
            )
            compared += 1
    return compared


def _check_proofs(session: Any, org: str, day: date) -> None:
    """`proof_standings` (coverage's grouped read, for the people named) gives each person
    the standing `active_people` gives them, for every proof any position asks for."""
    catalog = current(session, org)
    proofs = sorted(
        {
            (EVENT_TYPE_FOR_KIND[r.kind], r.key[1])
            for p in catalog.positions.values()
            for r in p.requirements
        }
    )
    people = active_people(session, org, day=day, policy=catalog.policy.policy, proofs=proofs)
    grouped = proof_standings(session, org, day=day, proofs=proofs, people=list(people))
    for n, proof in enumerate(proofs):
        held = {p: a.evidence.proofs[n] for p, a in people.items() if a.evidence.proofs[n]}
        assert grouped[proof] == held, (proof, day)


def test_the_slate_scores_each_person_as_the_readiness_endpoint_does(database: Database) -> None:
    counter = iter(range(10_000))
    compared: list[int] = []

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(world)
    def program(spec: tuple[Any, ...]) -> None:
        with database.transaction() as session:
            org, position_ids, people = _build(session, f"Org {next(counter)}", spec)
        with database.transaction() as session:
            for month in spec[2]:
                day = shift_months(START, month)
                compared.append(_check(session, org, position_ids, people, day))
                _check_proofs(session, org, day)

    program()
    assert sum(compared) > 0  # the comparison is not vacuous


@pytest.mark.parametrize("month", [30, 70])
def test_the_twins_agree_on_a_known_history(database: Database, month: int) -> None:
    """One fixed organization, so a failure of the property above has a readable twin."""
    spec = (
        [
            (2, [], None),
            (3, [{"kind": "certification", "name": "NE-BC", "mandatory": True}], 6),
            (3, [{"kind": "skill", "name": "Triage", "mandatory": False, "min_level": 2}], 0),
        ],
        [
            (0, 0, [("performance_review", 10, 4), ("certification_earned", 5, 2, 3, 40)]),
            (2, 1, [("skill_acquired", 18, 1, 1, 0), ("skill_acquired", 23, 1, 3, 0)]),
            (1, 0, [("exit", 29, 0), ("hire", 39, 2), ("leadership_activity", 44, 0)]),
            (3, 2, [("promotion", 17, 1), ("void", 1), ("training_completed", 6, 0, 1, 0)]),
        ],
        [month],
    )
    with database.transaction() as session:
        org, position_ids, people = _build(session, "Known", spec)
    with database.transaction() as session:
        assert _check(session, org, position_ids, people, shift_months(START, month)) > 0
        _check_proofs(session, org, shift_months(START, month))
