"""Succession plans: named successors beside the computed readiness, and coverage of the
critical positions (SPEC 12). Pure: the services hand in what they read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.domain.readiness import Band

# The fields of a nomination a person sets, in the order the history lists them.
NOMINATION_FIELDS = ("employee_id", "rank", "emergency", "readiness_override", "note")


class BenchStrength(StrEnum):
    strong = "strong"
    thin = "thin"
    none = "none"


def effective_band(*, override: Band | None, computed: Band | None) -> Band | None:
    """Return the band a plan works with: the override when a person set one, else the
    computed band (None when neither is known)."""
    return override if override is not None else computed


def changes_between(
    before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """Return `{field: [before, after]}` for each field that differs (`before` None is a
    creation: every field, from null)."""
    old = before or {}
    return {
        name: [old.get(name), after.get(name)]
        for name in NOMINATION_FIELDS
        if name in after and (before is None or old.get(name) != after.get(name))
    }


def listing_key(*, rank: int | None, score: Decimal | None, created: Any) -> tuple[Any, ...]:
    """Return the sort key of a nomination in a list: by rank (unranked last), then by
    computed score, highest first (no score last), then oldest first."""
    return (
        rank is None,
        rank if rank is not None else 0,
        score is None,
        -(score if score is not None else Decimal(0)),
        created,
    )


def bench_strength(ready_now: int) -> BenchStrength:
    """Return the bench: strong with two or more people ready now, thin with one."""
    if ready_now >= 2:
        return BenchStrength.strong
    if ready_now == 1:
        return BenchStrength.thin
    return BenchStrength.none


@dataclass(frozen=True)
class Nominee:
    """A named successor as coverage sees it."""

    employee_id: str
    override: Band | None


@dataclass(frozen=True)
class PositionCoverage:
    position_id: str
    code: str
    incumbents: int
    named_successors: int
    ready_now_named: int
    ready_now_computed: int
    bench_strength: BenchStrength
    high_risk_incumbents: int


@dataclass(frozen=True)
class CoverageSummary:
    critical_positions: int
    without_ready_now_successor: int
    high_risk_incumbents_without_successor: int


def position_coverage(
    *,
    position_id: str,
    code: str,
    incumbents: Sequence[str],
    high_risk: set[str],
    nominees: Iterable[Nominee],
    ready_now_computed: set[str],
) -> PositionCoverage:
    """Return one critical position's coverage. `ready_now_computed` is who the slate has
    ready now; a named successor counts as ready now by their effective band, and a person
    ready now both ways counts once towards the bench."""
    named = list(nominees)
    ready_named = {
        n.employee_id
        for n in named
        if effective_band(
            override=n.override,
            computed=Band.ready_now if n.employee_id in ready_now_computed else None,
        )
        is Band.ready_now
    }
    return PositionCoverage(
        position_id=position_id,
        code=code,
        incumbents=len(incumbents),
        named_successors=len(named),
        ready_now_named=len(ready_named),
        ready_now_computed=len(ready_now_computed),
        bench_strength=bench_strength(len(ready_named | ready_now_computed)),
        high_risk_incumbents=sum(1 for person in incumbents if person in high_risk),
    )


def coverage_summary(items: Sequence[PositionCoverage]) -> CoverageSummary:
    """Return the totals over the critical positions: how many have nobody ready now, and
    how many high-risk incumbents sit in a position with no named successor."""
    return CoverageSummary(
        critical_positions=len(items),
        without_ready_now_successor=sum(
            1 for item in items if item.bench_strength is BenchStrength.none
        ),
        high_risk_incumbents_without_successor=sum(
            item.high_risk_incumbents for item in items if item.named_successors == 0
        ),
    )
