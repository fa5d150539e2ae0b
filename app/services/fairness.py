"""The three group reports (SPEC 10): readiness, promotions and pay, by demographic group.

Each gathers its population and the people's figures here, then hands them to the shared
core in `app.domain.fairness`. The readiness report scores people with the succession
slate's own code (`app.services.candidates.score_population`), so a report's scores are
the slate's scores. Demographics decide only who is in which group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlmodel import Session

from app.domain import fairness as core
from app.domain.fairness import Category, Group, Grouping, PayRow, QuartileCount, RatedGroup
from app.domain.holding import HOLDING_TYPES, SALARY_CHANGE, pay_held, role_held
from app.domain.mobility import MoveType
from app.domain.readiness import Band
from app.errors import FieldError, ValidationFailed
from app.models import CareerEvent, Position
from app.services.candidates import BAND_ORDER, score_population
from app.services.demographics import attributes_by_person
from app.services.employees import today
from app.services.population import by_person, history_until


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


_WINDOW_EVENTS = history_until(
    "end",
    HOLDING_TYPES,
    CareerEvent.id,
    CareerEvent.type,
    CareerEvent.position_id,
    CareerEvent.classification,
)


def employed_and_promoted(
    session: Session, organization_id: str, start: date, end: date
) -> tuple[list[str], set[str]]:
    """Return the people employed on `start` (from their hires, moves and exits alone) and
    those with a promotion (a move classified so, not voided) in [start, end], in one scan
    of the hires, moves and exits up to `end`."""
    rows = (
        session.connection()
        .execute(_WINDOW_EVENTS, {"organization_id": organization_id, "end": end})
        .all()
    )
    employed, promoted = [], set()
    promotion = MoveType.promotion.value
    for employee_id, events in by_person(rows):
        before = ((r[3], r[4], r[5], r[1]) for r in events if r[1] <= start)
        if role_held(before) is not None:
            employed.append(employee_id)
        if any(r[6] == promotion and r[1] >= start for r in events):
            promoted.add(employee_id)
    return employed, promoted


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
    population, promoted = employed_and_promoted(session, organization_id, start, end)
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

# What the person holds and is paid on a day: their hires, moves, pay changes and exits.
_PAY_EVENTS = history_until(
    "day",
    [*HOLDING_TYPES, SALARY_CHANGE],
    CareerEvent.type,
    CareerEvent.position_id,
    CareerEvent.salary_cents,
    CareerEvent.salary_currency,
)


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


class Paid(NamedTuple):
    """One person in the pay report: what they hold and are paid on the day."""

    employee_id: str
    position_id: str
    currency: str
    cents: int


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
    paid = _paid(session, organization_id, day)
    whole = _grouping(session, organization_id, dimensions, paid)
    wanted = _reference(whole, reference)
    category_of = {m[0]: g.category for g in whole.groups for m in g.members}
    key_of = _key_of(session, organization_id, group_by)
    return PayReport(
        dimensions=dimensions,
        as_of=day,
        group_by=group_by,
        reference=wanted,
        min_count=min_count,
        population=whole.population,
        unknown=whole.unknown,
        groups=whole.groups,
        rows=_pay_rows(paid, key_of, category_of, wanted, min_count),
        quartiles=_quartiles(paid, category_of, min_count),
    )


def _pay_rows(
    paid: list[Paid],
    key_of: Callable[[Paid], Any],
    category_of: dict[str, Category],
    reference: Category | None,
    min_count: int,
) -> list[PayReportRow]:
    """Return one row per (level, family or position, currency): each group's pay against
    the reference's, in key order, then currency."""
    cells: dict[tuple[Any, str], list[Paid]] = defaultdict(list)
    for person in paid:
        cells[(key_of(person), person.currency)].append(person)
    rows = []
    for (key, currency), members in sorted(cells.items(), key=lambda kv: _row_order(kv[0])):
        grouping = core.group(people=((m.cents, category_of.get(m.employee_id)) for m in members))
        row = core.pay_row(grouping=grouping, reference=reference, min_count=min_count)
        rows.append(PayReportRow(key=key, currency=currency, row=row))
    return rows


def _quartiles(
    paid: list[Paid], category_of: dict[str, Category], min_count: int
) -> list[tuple[str, int, list[QuartileCount]]]:
    """Return, per currency, who of each group falls in each pay quartile."""
    out = []
    for currency in sorted({p.currency for p in paid}):
        people = [(p.cents, category_of.get(p.employee_id)) for p in paid if p.currency == currency]
        split = core.quartiles(people=people, min_count=min_count)
        out += [(currency, n, counts) for n, counts in enumerate(split, start=1)]
    return out


def _paid(session: Session, organization_id: str, day: date) -> list[Paid]:
    """Return everyone employed on the day with a salary, from their hires, moves, pay
    changes and exits alone, people by id."""
    scanned = (
        session.connection()
        .execute(_PAY_EVENTS, {"organization_id": organization_id, "day": day})
        .all()
    )
    paid = []
    for employee_id, events in by_person(scanned):
        held = pay_held((r[3], r[4], r[5], r[6]) for r in events)
        if held is not None and held.salary_cents is not None and held.currency:
            paid.append(Paid(employee_id, held.position_id, held.currency, held.salary_cents))
    return paid


def _reference(whole: Grouping[Any], reference: str | None) -> Category | None:
    """Return the category the gaps are measured against: the one named (a 422 when nobody
    has it), else the default of the whole population."""
    if reference is None:
        return core.default_reference(whole)
    wanted = (reference.strip(),)
    if not any(g.category == wanted for g in whole.groups):
        raise ValidationFailed.one(
            "reference", "no one in the population has this category", "query"
        )
    return wanted


def _key_of(session: Session, organization_id: str, group_by: str) -> Callable[[Paid], Any]:
    """Return what puts a person in a row: the level, family or id of the position they
    hold, or nothing (one row per currency) with `group_by` none."""
    positions = {
        pid: (level, family)
        for pid, level, family in session.execute(
            select(Position.id, Position.level, Position.family).where(
                Position.organization_id == organization_id
            )
        ).all()
    }

    def key_of(person: Paid) -> str | int | None:
        level, family = positions.get(person.position_id, (None, None))
        by = {"level": level, "family": family, "position": person.position_id, "none": None}
        return by[group_by]

    return key_of


def _row_order(key: tuple[Any, str]) -> tuple[int, Any, str]:
    value, currency = key
    return (0 if value is not None else 1, value if value is not None else "", currency)
