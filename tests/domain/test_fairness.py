"""The group-report core (app.domain.fairness): exact arithmetic, the 2% exclusion, impact
ratios, suppression and quartiles, with properties that hold for every population."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import fairness as core
from app.domain.explanation import explain
from app.domain.mobility import MoveType
from app.domain.readiness import DEFAULT_POLICY, Facts, Target, score_readiness
from app.domain.values import Requirement, RequirementKind

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

CATEGORIES = st.sampled_from(["a", "b", "c", "d"])
ATTRIBUTES = st.dictionaries(st.sampled_from(["sex", "race", "age"]), CATEGORIES, max_size=3)
# People: (id, attributes, score 0..100 in tenths, salary in cents)
PEOPLE = st.lists(
    st.tuples(
        ATTRIBUTES,
        st.integers(0, 1000).map(lambda t: Decimal(t) / 10),
        st.integers(1, 20_000_000),
    ),
    max_size=120,
).map(lambda rows: [(i, *row) for i, row in enumerate(rows)])
DIMENSIONS = st.lists(
    st.sampled_from(["sex", "race", "age"]), min_size=1, max_size=3, unique=True
).map(tuple)


def grouped(people: list, dimensions: tuple[str, ...]) -> core.Grouping:
    return core.group(people=((p, core.category_of(p[1], dimensions)) for p in people))


# --- properties ------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(people=PEOPLE, dimensions=DIMENSIONS, threshold=st.integers(0, 100))
def test_impact_ratios_lie_in_0_1_and_the_top_group_scores_1(
    people: list, dimensions: tuple[str, ...], threshold: int
) -> None:
    grouping = grouped(people, dimensions)
    rated = core.rated_groups(grouping=grouping, measures=[lambda p: p[2] >= threshold])

    counted = [g for g in rated if not g.excluded]
    top = max((Fraction(g.hits[0], g.count) for g in counted), default=None)
    for g in rated:
        (ratio,) = g.ratios
        if g.excluded or not top:
            assert ratio is None
            continue
        assert ratio is not None and Decimal(0) <= ratio <= Decimal(1)
        if Fraction(g.hits[0], g.count) == top:
            assert ratio == Decimal(1)
        assert g.adverse_impact == (ratio < Decimal("0.8"))


@PROPERTY_SETTINGS
@given(people=PEOPLE, dimensions=DIMENSIONS)
def test_intersections_partition_the_known_population(
    people: list, dimensions: tuple[str, ...]
) -> None:
    grouping = grouped(people, dimensions)

    members = [m[0] for g in grouping.groups for m in g.members]
    known = [p[0] for p in people if all(d in p[1] for d in dimensions)]
    assert sorted(members) == sorted(known)  # each known person in exactly one group
    assert grouping.unknown == len(people) - len(known)
    assert grouping.population == len(people)
    assert [g.category for g in grouping.groups] == sorted(g.category for g in grouping.groups)
    # An intersection refines each of its dimensions: summing it over the others gives the
    # count of that category among the people known on all of them.
    first = Counter(g.category[0] for g in grouping.groups for _ in g.members)
    assert first == Counter(p[1][dimensions[0]] for p in people if p[0] in set(known))
    if grouping.groups:
        assert sum(g.share for g in grouping.groups) == 1
    for g in grouping.groups:
        assert g.excluded == (Fraction(g.count, len(known)) < Fraction(2, 100))


@PROPERTY_SETTINGS
@given(people=PEOPLE, dimensions=DIMENSIONS, min_count=st.integers(1, 12))
def test_no_unsuppressed_pay_group_is_smaller_than_min_count(
    people: list, dimensions: tuple[str, ...], min_count: int
) -> None:
    grouping = core.group(people=((p[3], core.category_of(p[1], dimensions)) for p in people))
    reference = core.default_reference(grouping)

    row = core.pay_row(grouping=grouping, reference=reference, min_count=min_count)

    for g in row.groups:
        assert g.suppressed == (g.count < min_count)
        if g.suppressed:
            assert (g.mean_cents, g.median_cents, g.mean_gap_percent, g.median_gap_percent) == (
                None,
                None,
                None,
                None,
            )
        else:
            assert g.mean_cents is not None and g.median_cents is not None
        if g.category == reference and not g.suppressed:
            assert g.mean_gap_percent == g.median_gap_percent == 0
    assert row.joint_pay_assessment == any(
        g.mean_gap_percent is not None and abs(g.mean_gap_percent) >= 5 for g in row.groups
    )
    quartiles = core.quartiles(
        people=[(p[3], core.category_of(p[1], dimensions)) for p in people], min_count=min_count
    )
    for quartile in quartiles:
        for entry in quartile:
            assert entry.suppressed == (entry.count is None)
            assert entry.count is None or entry.count == 0 or entry.count >= min_count


@PROPERTY_SETTINGS
@given(people=PEOPLE)
def test_quartiles_split_everyone_in_pay_order_into_near_equal_parts(people: list) -> None:
    rows = [(p[3], core.category_of(p[1], ("sex",))) for p in people]

    quartiles = core.quartiles(people=rows, min_count=1)
    sizes = core.quartile_sizes(len(rows))

    assert sum(sizes) == len(rows)
    assert max(sizes) - min(sizes) <= 1
    known = Counter(c for _, c in rows if c is not None)
    totals: Counter = Counter()
    for quartile in quartiles:
        for entry in quartile:
            totals[entry.category] += entry.count
    assert totals == known


@PROPERTY_SETTINGS
@given(people=PEOPLE, other=st.lists(ATTRIBUTES, min_size=120, max_size=120))
def test_demographics_change_who_is_grouped_never_a_score(people: list, other: list) -> None:
    """The same scores under any other demographics: the median and every person's score
    (and so whether they are selected or above the median) stay as they were."""
    relabelled = [(p[0], other[i], p[2], p[3]) for i, p in enumerate(people)]
    scores = [p[2] for p in people]

    for population in (people, relabelled):
        middle, above = core.above_median_rate_measure([p[2] for p in population])
        assert middle == core.median(scores)
        grouping = grouped(population, ("sex",))
        listed = sorted(m[2] for g in grouping.groups for m in g.members)
        unknown = sorted(p[2] for p in population if "sex" not in p[1])
        assert sorted(listed + unknown) == sorted(scores)


def test_scores_take_no_demographics() -> None:
    """The readiness domain has no parameter through which a demographic could enter."""
    import inspect

    for function in (score_readiness,):
        assert set(inspect.signature(function).parameters) == {"facts", "target", "policy"}


# --- examples --------------------------------------------------------------------------------


def test_rounding_is_half_up() -> None:
    assert core.rounded(Fraction(1, 8), 2) == Decimal("0.13")
    assert core.rounded(Fraction(2, 3), 3) == Decimal("0.667")
    assert core.rounded(Fraction(135, 4), 1) == Decimal("33.8")
    assert core.rounded(Fraction(-1, 8), 2) == Decimal("-0.13")


def test_median_and_mean() -> None:
    assert core.median([3, 1, 2]) == 2
    assert core.median([4, 1, 3, 2]) == Fraction(5, 2)
    assert core.median([]) is None
    assert core.mean([1, 2]) == Fraction(3, 2)


def test_gap_percent_as_the_directive_computes_it() -> None:
    assert core.gap_percent(reference=Fraction(73000), value=Fraction(62000)) == Decimal("15.07")
    assert core.gap_percent(reference=Fraction(100), value=Fraction(110)) == Decimal("-10.00")
    assert core.gap_percent(reference=None, value=Fraction(1)) is None


def test_a_group_under_two_percent_is_excluded_and_not_the_top() -> None:
    people = [("x", ("a",), True)] + [(i, ("b",), i < 30) for i in range(60)]
    grouping = core.group(people=((p, p[1]) for p in people))

    rated = core.rated_groups(grouping=grouping, measures=[lambda p: p[2]])

    a, b = rated
    assert a.excluded and a.ratios == (None,) and a.rates == (Decimal("1.000"),)
    assert not b.excluded and b.ratios == (Decimal("1.000"),)


def test_no_ratio_when_the_top_rate_is_zero() -> None:
    grouping = core.group(people=[((1,), ("a",)), ((2,), ("b",))])

    rated = core.rated_groups(grouping=grouping, measures=[lambda p: False])

    assert [g.ratios for g in rated] == [(None,), (None,)]
    assert not any(g.adverse_impact for g in rated)


def test_dimension_and_category_rules() -> None:
    assert core.check_dimension("race_ethnicity") is None
    assert core.check_dimension("Race") is not None
    assert core.check_dimension("a" * 33) is not None
    assert core.check_category("x" * 64) is None
    assert core.check_category("x" * 65) is not None
    assert core.check_category("") is not None
    assert core.check_category("a\x85b") is not None


def test_explanation_names_the_missing_requirement_that_holds_the_band_back() -> None:
    need = Requirement(kind=RequirementKind.certification, name="NE-BC", mandatory=True)
    facts = Facts(as_of=date(2026, 6, 30), role_started_on=date(2020, 1, 1), role_event_id=None)
    target = Target(position_id="p", move_type=MoveType.promotion, requirements=(need,))
    high = DEFAULT_POLICY.__class__(
        version=2, weights=DEFAULT_POLICY.weights, ready_now=Decimal(5), ready_1_2_years=Decimal(1)
    )
    readiness = score_readiness(facts=facts, target=target, policy=high)

    sentences = explain(readiness=readiness, policy=high)

    assert len(sentences) == 6
    assert sentences[-1] == (
        "The total of 10.0 reaches the ready-now threshold of 5, but the band is "
        "ready_1_2_years (ready in one to two years) because a mandatory requirement is "
        'missing: certification "NE-BC".'
    )
