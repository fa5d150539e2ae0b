"""The nine-box grid's rules, without a database."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from app.domain.talent import (
    CELLS,
    GridFacts,
    Potential,
    Tier,
    nine_box,
    performance_tier,
    place,
)

ratings = st.lists(st.integers(1, 5), min_size=1, max_size=30)


@given(ratings=ratings)
def test_the_performance_tier_follows_the_mean_rating_at_3_and_4(ratings: list[int]) -> None:
    mean = Fraction(sum(ratings), len(ratings))

    tier = performance_tier(review_count=len(ratings), review_sum=sum(ratings))

    assert tier is (Tier.low if mean < 3 else Tier.moderate if mean < 4 else Tier.high)


def test_the_thresholds_themselves_belong_to_the_upper_tier() -> None:
    assert performance_tier(review_count=1, review_sum=3) is Tier.moderate
    assert performance_tier(review_count=2, review_sum=5) is Tier.low  # 2.5
    assert performance_tier(review_count=3, review_sum=8) is Tier.low  # 2.67
    assert performance_tier(review_count=1, review_sum=4) is Tier.high
    assert performance_tier(review_count=3, review_sum=11) is Tier.moderate  # 3.67
    assert performance_tier(review_count=2, review_sum=8) is Tier.high  # 4.0
    assert performance_tier(review_count=0, review_sum=0) is None


def test_potential_maps_one_to_one() -> None:
    placed = [place(GridFacts("x", 1, 5, p)) for p in Potential]
    assert placed == [(Tier.high, Tier.low), (Tier.high, Tier.moderate), (Tier.high, Tier.high)]
    assert place(GridFacts("x", 1, 5, None)) is None
    assert place(GridFacts("x", 0, 0, Potential.high)) is None


people = st.lists(
    st.builds(
        GridFacts,
        employee_id=st.uuids().map(str),
        review_count=st.integers(0, 4),
        review_sum=st.integers(0, 20),
        potential=st.one_of(st.none(), st.sampled_from(list(Potential))),
    ),
    max_size=300,
    unique_by=lambda p: p.employee_id,
)


@given(people=people)
def test_every_person_is_in_one_cell_or_unrated_and_all_nine_cells_are_there(
    people: list[GridFacts],
) -> None:
    grid = nine_box(people=people)

    assert [(c.performance, c.potential) for c in grid.cells] == list(CELLS)
    assert len(set(CELLS)) == 9
    assert sum(c.count for c in grid.cells) + grid.unrated == len(people)
    for cell in grid.cells:
        members = sorted(
            p.employee_id for p in people if place(p) == (cell.performance, cell.potential)
        )
        assert cell.count == len(members)
        assert list(cell.employee_ids) == members[:100]
