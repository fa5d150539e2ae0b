"""Classify a move between two positions and what it means for pay and requirements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from statistics import median

from app.domain.proofs import Key, Standing, State, check, expiring
from app.domain.values import (
    CENT,
    Money,
    Requirement,
    cents_to_decimal,
    round_half_up,
)


class MoveType(StrEnum):
    promotion = "promotion"
    lateral = "lateral"
    demotion = "demotion"
    none = "none"


class CurrencyMismatch(ValueError):
    """The two pay bands are in different currencies, so they cannot be compared."""


@dataclass(frozen=True)
class PayBand:
    currency: str
    min_cents: int
    max_cents: int
    midpoint_cents: int


@dataclass(frozen=True)
class PositionFacts:
    id: str
    code: str
    title: str
    family: str
    track: str
    level: int
    pay_band: PayBand | None = None
    requirements: tuple[Requirement, ...] = ()
    min_months_in_role: int | None = None


@dataclass(frozen=True)
class PayDelta:
    currency: str
    from_midpoint_cents: int
    to_midpoint_cents: int
    delta_cents: int
    delta_percent: Decimal | None


@dataclass(frozen=True)
class Comparison:
    move_type: MoveType
    level_delta: int
    track_change: bool
    family_change: bool
    pay: PayDelta | None
    new_requirements: tuple[Requirement, ...]
    summary: str


@dataclass(frozen=True)
class PersonalFit:
    requirements_met: tuple[Requirement, ...]
    requirements_missing: tuple[Requirement, ...]
    current_salary: Money | None
    raise_to_band_min_cents: int | None
    compa_ratio_before: Decimal | None
    compa_ratio_after: Decimal | None
    flags: tuple[str, ...] = field(default=())


def midpoint_cents(*, min_cents: int, max_cents: int) -> int:
    """Return the band midpoint in cents, (min + max) / 2 rounded half-up."""
    total = min_cents + max_cents
    return total // 2 + (total % 2)


def classify_levels(*, source_level: int, target_level: int) -> MoveType:
    """Return promotion, lateral or demotion from the two levels."""
    if target_level > source_level:
        return MoveType.promotion
    if target_level < source_level:
        return MoveType.demotion
    return MoveType.lateral


def classify_move(*, source: PositionFacts, target: PositionFacts) -> MoveType:
    """Return the kind of move from source to target (`none` for the same position)."""
    if source.id == target.id:
        return MoveType.none
    return classify_levels(source_level=source.level, target_level=target.level)


def pay_delta(*, source: PayBand | None, target: PayBand | None) -> PayDelta | None:
    """Return the midpoint pay change, None when a band is missing.

    Raises CurrencyMismatch when the bands are in different currencies.
    """
    if source is None or target is None:
        return None
    if source.currency != target.currency:
        raise CurrencyMismatch(
            f"the source band is in {source.currency} and the target band in {target.currency}"
        )
    delta = target.midpoint_cents - source.midpoint_cents
    percent = None
    if source.midpoint_cents != 0:
        percent = round_half_up(Decimal(delta) * 100 / Decimal(source.midpoint_cents), CENT)
    return PayDelta(
        currency=source.currency,
        from_midpoint_cents=source.midpoint_cents,
        to_midpoint_cents=target.midpoint_cents,
        delta_cents=delta,
        delta_percent=percent,
    )


def new_requirements(
    *, source: Iterable[Requirement], target: Iterable[Requirement]
) -> tuple[Requirement, ...]:
    """Return the target's requirements that the source does not ask for (a skill asked for
    at a higher level than the source asks is new too)."""
    held: dict[Key, int] = {}
    for r in source:
        held[r.key] = max(held.get(r.key, 0), r.min_level or 1)
    return tuple(r for r in target if held.get(r.key, 0) < (r.min_level or 1))


def _describe_requirement(req: Requirement) -> str:
    optional = "" if req.mandatory else "optional "
    level = f" at level {req.min_level}" if req.min_level is not None else ""
    return f'{optional}{req.kind.value} "{req.name}"{level}'


def _summary(
    source: PositionFacts,
    target: PositionFacts,
    move: MoveType,
    pay: PayDelta | None,
    added: tuple[Requirement, ...],
) -> str:
    if move is MoveType.none:
        return f"{source.title} to {target.title} is the same position: no move."
    steps = abs(target.level - source.level)
    if move is MoveType.promotion:
        what = f"a promotion, {steps} level{'s' if steps != 1 else ''} up"
    elif move is MoveType.demotion:
        what = f"a demotion, {steps} level{'s' if steps != 1 else ''} down"
    else:
        what = f"a lateral move at level {target.level}"
    parts = [f"{source.title} to {target.title} is {what}"]
    if pay is not None:
        if pay.delta_cents == 0:
            parts.append("with the same midpoint pay")
        else:
            sign = "+" if pay.delta_cents > 0 else "-"
            amount = f"{cents_to_decimal(abs(pay.delta_cents)):,.2f}"
            pct = f" ({sign}{abs(pay.delta_percent)}%)" if pay.delta_percent is not None else ""
            parts.append(f"with midpoint pay {sign}{amount} {pay.currency}{pct}")
    sentence = ", ".join(parts)
    if added:
        listed = ", ".join(_describe_requirement(r) for r in added)
        sentence += f"; it additionally requires {listed}"
    return sentence + "."


def compare_positions(*, source: PositionFacts, target: PositionFacts) -> Comparison:
    """Return the full comparison of a move from source to target.

    Raises CurrencyMismatch when both bands exist in different currencies.
    """
    move = classify_move(source=source, target=target)
    pay = pay_delta(source=source.pay_band, target=target.pay_band)
    added = new_requirements(source=source.requirements, target=target.requirements)
    return Comparison(
        move_type=move,
        level_delta=target.level - source.level,
        track_change=source.track != target.track,
        family_change=source.family != target.family,
        pay=pay,
        new_requirements=added,
        summary=_summary(source, target, move, pay, added),
    )


def _compa_ratio(salary: Money, band: PayBand | None) -> Decimal | None:
    if band is None or band.currency != salary.currency or band.midpoint_cents == 0:
        return None
    return round_half_up(Decimal(salary.cents) / Decimal(band.midpoint_cents), Decimal("0.001"))


def personal_fit(
    *,
    source: PositionFacts,
    target: PositionFacts,
    salary: Money | None,
    held_position_id: str | None,
    standings: Mapping[Key, Standing],
    as_of: date,
) -> PersonalFit:
    """Return how a person fits the move on `as_of`: requirements, pay against the bands,
    and flags.

    `standings` holds what the person's proofs amount to per (kind, folded name); a skill
    below the level asked for, or an expired certification, is missing.
    """
    met_flags = [
        check(r, standings.get(r.key), as_of=as_of) is State.met for r in target.requirements
    ]
    met = tuple(r for r, ok in zip(target.requirements, met_flags, strict=True) if ok)
    missing = tuple(r for r, ok in zip(target.requirements, met_flags, strict=True) if not ok)
    flags: list[str] = []
    if held_position_id is None:
        flags.append("not_employed")
    if held_position_id != source.id:
        flags.append("not_in_from_position")
    if any(r.mandatory for r in missing):
        flags.append("missing_mandatory_requirements")
    if expiring(requirements=met, standings=standings, as_of=as_of):
        flags.append("certification_expiring")

    raise_to_min: int | None = None
    before = after = None
    if salary is None:
        flags.append("no_salary")
    else:
        before = _compa_ratio(salary, source.pay_band)
        after = _compa_ratio(salary, target.pay_band)
        mismatched = any(
            band is not None and band.currency != salary.currency
            for band in (source.pay_band, target.pay_band)
        )
        if mismatched:
            flags.append("currency_mismatch")
        band = target.pay_band
        if band is not None and band.currency == salary.currency:
            raise_to_min = max(0, band.min_cents - salary.cents)
            if salary.cents < band.min_cents:
                flags.append("below_target_band")
            elif salary.cents > band.max_cents:
                flags.append("above_target_band")
            else:
                flags.append("within_target_band")
    return PersonalFit(
        requirements_met=met,
        requirements_missing=missing,
        current_salary=salary,
        raise_to_band_min_cents=raise_to_min,
        compa_ratio_before=before,
        compa_ratio_after=after,
        flags=tuple(flags),
    )


def pay_change_percent(*, salary: Money | None, band: PayBand | None) -> Decimal | None:
    """Return (band midpoint - salary) / salary x 100 to 2 decimals: what a move to the band's
    midpoint would change the pay by; None without either or in another currency."""
    if salary is None or band is None or salary.currency != band.currency or salary.cents <= 0:
        return None
    delta = Decimal(band.midpoint_cents - salary.cents) * 100 / Decimal(salary.cents)
    return round_half_up(delta, CENT)


@dataclass(frozen=True)
class ObservedMove:
    to_position_id: str
    months_before_move: int
    pay_change_percent: Decimal | None
    classification: MoveType | None


@dataclass(frozen=True)
class PathStats:
    to_position_id: str
    count: int
    share: Decimal
    median_months_before_move: Decimal | None
    median_pay_change_percent: Decimal | None
    classification: MoveType | None


def observed_paths(*, moves: Iterable[ObservedMove]) -> list[PathStats]:
    """Return the moves out of one position grouped by target, most frequent first."""
    groups: dict[str, list[ObservedMove]] = {}
    for move in moves:
        groups.setdefault(move.to_position_id, []).append(move)
    total = sum(len(g) for g in groups.values())
    stats = []
    for target, group in groups.items():
        pays = [m.pay_change_percent for m in group if m.pay_change_percent is not None]
        kinds = {m.classification for m in group if m.classification is not None}
        stats.append(
            PathStats(
                to_position_id=target,
                count=len(group),
                share=round_half_up(Decimal(len(group)) / total, Decimal("0.0001")),
                median_months_before_move=round_half_up(
                    Decimal(median(m.months_before_move for m in group)), Decimal("0.1")
                ),
                median_pay_change_percent=round_half_up(Decimal(median(pays)), CENT)
                if pays
                else None,
                classification=kinds.pop() if len(kinds) == 1 else None,
            )
        )
    stats.sort(key=lambda s: (-s.count, s.to_position_id))
    return stats
