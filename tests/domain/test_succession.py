"""Succession plans' rules, without a database: effective band, history diffs, listing
order, bench strength and the coverage summary."""

from __future__ import annotations

from decimal import Decimal

from app.domain.readiness import Band
from app.domain.succession import (
    BenchStrength,
    Nominee,
    bench_strength,
    changes_between,
    coverage_summary,
    effective_band,
    listing_key,
    position_coverage,
)


def test_the_override_wins_and_the_computed_band_stands_without_one() -> None:
    assert (
        effective_band(override=Band.ready_now, computed=Band.ready_3_plus_years) is Band.ready_now
    )
    assert effective_band(override=None, computed=Band.ready_1_2_years) is Band.ready_1_2_years
    assert effective_band(override=None, computed=None) is None


def test_a_creation_lists_every_field_from_null_and_a_change_only_what_differs() -> None:
    fields = {
        "employee_id": "e",
        "rank": 1,
        "emergency": False,
        "readiness_override": None,
        "note": None,
    }

    assert changes_between(None, fields) == {name: [None, value] for name, value in fields.items()}
    assert changes_between(fields, {**fields, "rank": 2, "note": None}) == {"rank": [1, 2]}
    assert changes_between(fields, dict(fields)) == {}


def test_listing_puts_ranks_first_then_the_highest_score() -> None:
    rows = [
        ("unranked-low", None, Decimal("40")),
        ("rank-2", 2, Decimal("90")),
        ("unranked-none", None, None),
        ("rank-1", 1, Decimal("10")),
        ("unranked-high", None, Decimal("80")),
    ]
    rows.sort(key=lambda r: listing_key(rank=r[1], score=r[2], created=r[0]))
    assert [r[0] for r in rows] == [
        "rank-1",
        "rank-2",
        "unranked-high",
        "unranked-low",
        "unranked-none",
    ]


def test_bench_strength_counts_people_ready_now() -> None:
    assert [bench_strength(n) for n in (0, 1, 2, 5)] == [
        BenchStrength.none,
        BenchStrength.thin,
        BenchStrength.strong,
        BenchStrength.strong,
    ]


def test_a_person_ready_both_ways_counts_once_on_the_bench() -> None:
    item = position_coverage(
        position_id="p",
        code="P",
        incumbents=["i1", "i2"],
        high_risk={"i2", "someone-else"},
        nominees=[
            Nominee("a", None),
            Nominee("b", Band.ready_1_2_years),
            Nominee("c", Band.ready_now),
        ],
        ready_now_computed={"a", "b"},
    )

    assert item.named_successors == 3
    assert item.ready_now_named == 2  # a computed, c by override; b's override says otherwise
    assert item.ready_now_computed == 2
    assert item.bench_strength is BenchStrength.strong  # a, b, c
    assert item.high_risk_incumbents == 1


def test_the_summary_counts_empty_benches_and_exposed_high_risk_incumbents() -> None:
    def item(code: str, named: list[Nominee], ready: set[str], risky: int) -> object:
        incumbents = [f"{code}-{n}" for n in range(risky)]
        return position_coverage(
            position_id=code,
            code=code,
            incumbents=incumbents,
            high_risk=set(incumbents),
            nominees=named,
            ready_now_computed=ready,
        )

    items = [
        item("A", [], set(), 2),  # nobody ready, nobody named, 2 at risk
        item("B", [Nominee("x", None)], set(), 1),  # named but not ready
        item("C", [], {"y"}, 3),  # ready by the slate, nobody named
    ]

    summary = coverage_summary(items)  # type: ignore[arg-type]

    assert summary.critical_positions == 3
    assert summary.without_ready_now_successor == 2
    assert summary.high_risk_incumbents_without_successor == 5
