"""The three group reports (SPEC 10): readiness, promotions and pay, by demographic group.

Each gathers its population and the people's figures here, then hands them to the shared
core in `app.domain.fairness`. The readiness report scores people with the succession
slate's own code (`app.services.candidates.score_population`), so a report's scores are
the slate's scores. Demographics decide only who is in which group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.domain import fairness as core
from app.domain.fairness import Category, Group, Grouping, PayRow, QuartileCount, RatedGroup
from app.domain.history import Status, replay
from app.domain.holding import HOLDING_TYPES, role_held
from app.domain.mobility import MoveType
from app.domain.readiness import Band
from app.errors import FieldError, ValidationFailed
from app.models import CareerEvent, Position
from app.services import history
from app.services.candidates import BAND_ORDER, score_population
from app.services.demographics import attributes_by_person
from app.services.employees import today


def parse_dimensions(text: str) -> tuple[str, ...]:
    """Return the dimension names of a `dimension` parameter; a 422 naming it otherwise."""
    names = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not n for n in names):
        raise ValidationFailed.one(
            "dimension", "name one to three dimensions, separated by commas", "query"
        )
    if len(names) > core.MAX_REPORT_DIMENSIONS:
        raise ValidationFailed.one(
            "dimension",
            f"at most {core.MAX_REPORT_DIMENSIONS} dimensions, got {len(names)}",
            "query",
        )
    errors = [
        FieldError("dimension", f"{name!r}: {problem}", "query")
        for name in names
        if (problem := core.check_dimension(name)) is not None
    ]
    if errors:
        raise ValidationFailed(
            "dimension: " + "; ".join(e["message"] for e in errors), errors=errors
        )
    if len(set(names)) != len(names):
        raise ValidationFailed.one("dimension", "names a dimension twice", "query")
    return tuple(names)


def _check_window(start: date, end: date) -> None:
    if start > end:
        raise ValidationFailed.one("from", "must be on or before `to`", "query")


def _grouping(
    session: Session, organization_id: str, dimensions: tuple[str, ...], people: list[Any]
) -> Grouping[Any]:
    """Return `people` (tuples whose first item is the person's id) grouped by category."""
    attributes = attributes_by_person(session, organization_id)
    return core.group(
        people=((p, core.category_of(attributes.get(p[0]), dimensions)) for p in people)
    )


@dataclass(frozen=True)
class ReadinessReport:
    dimensions: tuple[str, ...]
    as_of: date
    target_position_id: str | None
    policy_version: int
    selected_band: Band
    median_score: Decimal | None
    population: int
    unknown: int
    groups: list[tuple[RatedGroup, Decimal | None]]  # with each group's mean score


def readiness_report(
    session: Session,
    organization_id: str,
    *,
    dimensions: tuple[str, ...],
    target_position_id: str | None,
    as_of: date | None,
    selected_band: Band,
) -> ReadinessReport:
    """Return selection and scoring rates by group over the slate's population and scores."""
    scored = score_population(session, organization_id, target_position_id, as_of=as_of)
    chosen = set(BAND_ORDER[: BAND_ORDER.index(selected_band) + 1])
    people = [(c.employee.id, c.score, c.band in chosen) for c in scored.candidates]
    middle, above = core.above_median_rate_measure([p[1] for p in people])
    grouping = _grouping(session, organization_id, dimensions, people)
    rated = core.rated_groups(grouping=grouping, measures=[lambda p: p[2], lambda p: above(p[1])])
    means = [core.mean([m[1] for m in g.members]) for g in grouping.groups]
    return ReadinessReport(
        dimensions=dimensions,
        as_of=scored.as_of,
        target_position_id=target_position_id,
        policy_version=scored.policy_version,
        selected_band=selected_band,
        median_score=None if middle is None else core.rounded(middle, 1),
        population=grouping.population,
        unknown=grouping.unknown,
        groups=[
            (r, None if m is None else core.rounded(m, 1))
            for r, m in zip(rated, means, strict=True)
        ],
    )


@dataclass(frozen=True)
class PromotionReport:
    dimensions: tuple[str, ...]
    start: date
    end: date
    population: int
    unknown: int
    groups: list[RatedGroup]


def employed_on(session: Session, organization_id: str, day: date) -> list[str]:
    """Return the people employed on a day, from their hires, moves and exits alone."""
    rows = session.execute(
        select(
            CareerEvent.employee_id,
            CareerEvent.occurred_on,
            CareerEvent.seq,
            CareerEvent.id,
            CareerEvent.type,
            CareerEvent.position_id,
        ).where(
            CareerEvent.organization_id == organization_id,
            CareerEvent.voided_at.is_(None),
            CareerEvent.occurred_on <= day,
            CareerEvent.type.in_(HOLDING_TYPES),
        )
    ).all()
    by_person: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_person[row[0]].append(row)
    out = []
    for employee_id, events in by_person.items():
        events.sort(key=lambda r: (r[1], r[2]))
        if role_held((r[3], r[4], r[5], r[1]) for r in events) is not None:
            out.append(employee_id)
    return out


def promotion_report(
    session: Session,
    organization_id: str,
    *,
    dimensions: tuple[str, ...],
    start: date,
    end: date,
) -> PromotionReport:
    """Return promotion rates by group: everyone employed on `start`, promoted when a move
    classified a promotion (not voided) falls in [start, end]."""
    _check_window(start, end)
    population = employed_on(session, organization_id, start)
    promoted = set(
        session.execute(
            select(CareerEvent.employee_id)
            .where(
                CareerEvent.organization_id == organization_id,
                CareerEvent.voided_at.is_(None),
                CareerEvent.classification == MoveType.promotion.value,
                CareerEvent.occurred_on >= start,
                CareerEvent.occurred_on <= end,
            )
            .distinct()
        ).scalars()
    )
    grouping = _grouping(session, organization_id, dimensions, [(p,) for p in population])
    rated = core.rated_groups(grouping=grouping, measures=[lambda p: p[0] in promoted])
    return PromotionReport(
        dimensions=dimensions,
        start=start,
        end=end,
        population=grouping.population,
        unknown=grouping.unknown,
        groups=rated,
    )


GROUP_BY = ("level", "family", "position", "none")


@dataclass(frozen=True)
class PayReportRow:
    key: str | int | None  # the level, family or position id; None with group_by none
    currency: str
    row: PayRow


@dataclass(frozen=True)
class PayReport:
    dimensions: tuple[str, ...]
    as_of: date
    group_by: str
    reference: Category | None
    min_count: int
    population: int
    unknown: int
    groups: tuple[Group[Any], ...]  # the whole population's
    rows: list[PayReportRow]
    quartiles: list[tuple[str, int, list[QuartileCount]]]


def pay_report(
    session: Session,
    organization_id: str,
    *,
    dimensions: tuple[str, ...],
    as_of: date | None,
    group_by: str,
    reference: str | None,
    min_count: int,
) -> PayReport:
    """Return mean and median pay gaps by group per (level, family or position, currency),
    against a reference category, with small groups suppressed, and pay quartiles."""
    if reference is not None and len(dimensions) > 1:
        raise ValidationFailed.one(
            "reference", "names a category of one dimension; use it with one dimension", "query"
        )
    day = as_of or today()
    by_person = history.state_events_by_person(session, organization_id, on=day)
    paid: list[tuple[str, str, str, int]] = []  # (person, position, currency, cents)
    for employee_id in sorted(by_person):
        projection = replay(events=by_person[employee_id], level_of={}, as_of=day)
        salary = projection.salary
        if projection.status is Status.active and projection.position_id and salary:
            paid.append((employee_id, projection.position_id, salary.currency, salary.cents))
    positions = {
        pid: (level, family)
        for pid, level, family in session.execute(
            select(Position.id, Position.level, Position.family).where(
                Position.organization_id == organization_id
            )
        ).all()
    }
    whole = _grouping(session, organization_id, dimensions, paid)
    if reference is not None:
        wanted: Category | None = (reference.strip(),)
        if not any(g.category == wanted for g in whole.groups):
            raise ValidationFailed.one(
                "reference", "no one in the population has this category", "query"
            )
    else:
        wanted = core.default_reference(whole)
    category_of = {m[0]: g.category for g in whole.groups for m in g.members}

    def key_of(person: tuple[str, str, str, int]) -> str | int | None:
        level, family = positions.get(person[1], (None, None))
        return {"level": level, "family": family, "position": person[1], "none": None}[group_by]

    cells: dict[tuple[Any, str], list[tuple[str, str, str, int]]] = defaultdict(list)
    for person in paid:
        cells[(key_of(person), person[2])].append(person)
    rows = []
    for (key, currency), members in sorted(cells.items(), key=lambda kv: _row_order(kv[0])):
        grouping = core.group(people=((m[3], category_of.get(m[0])) for m in members))
        rows.append(
            PayReportRow(
                key=key,
                currency=currency,
                row=core.pay_row(grouping=grouping, reference=wanted, min_count=min_count),
            )
        )
    quartiles = []
    for currency in sorted({p[2] for p in paid}):
        split = core.quartiles(
            people=[(p[3], category_of.get(p[0])) for p in paid if p[2] == currency],
            min_count=min_count,
        )
        quartiles += [(currency, n, counts) for n, counts in enumerate(split, start=1)]
    return PayReport(
        dimensions=dimensions,
        as_of=day,
        group_by=group_by,
        reference=wanted,
        min_count=min_count,
        population=whole.population,
        unknown=whole.unknown,
        groups=whole.groups,
        rows=rows,
        quartiles=quartiles,
    )


def _row_order(key: tuple[Any, str]) -> tuple[int, Any, str]:
    value, currency = key
    return (0 if value is not None else 1, value if value is not None else "", currency)
