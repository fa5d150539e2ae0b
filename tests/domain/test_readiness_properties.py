"""Promotion readiness, properties over generated facts, targets and policies: the score
follows the SPEC formulas whatever the evidence, gaps and next steps trace to it."""

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from app.domain.mobility import MoveType
from app.domain.readiness import (
    DEFAULT_POLICY,
    Band,
    Component,
    Development,
    Facts,
    LeadershipEvidence,
    Policy,
    Readiness,
    Review,
    Target,
    score_readiness,
    score_summary,
    summarize,
    window_start,
)
from app.domain.values import Requirement, RequirementKind, fold_name, shift_months
from tests.domain.readiness_builders import (
    DEVELOPMENT,
    EXPERIENCE,
    LEADERSHIP,
    PERFORMANCE,
    PROPERTY_SETTINGS,
    REQUIREMENTS,
    TRAINING,
    evidence,
)

# --- properties -------------------------------------------------------------------------------

NAMES = ("BLS", "ACLS", "Triage", "Charge Nurse")
# Each name as callers may spell it: the requirement keeps the spelling, the evidence its fold.
SPELLINGS = tuple(
    spelling
    for name in (*NAMES, "Wound Care")
    for spelling in (name, name.upper(), f"  {name.lower()} ", f"{name}\t")
)
RATINGS = st.integers(1, 5)
NAMED = st.sampled_from(tuple((kind, name) for kind in RequirementKind for name in SPELLINGS))
# Development is about a random name, or (an integer) about one of the target's requirements,
# so that proofs, late proofs and requirements meet often.
ABOUT = st.one_of(NAMED, st.integers(0, 3))


def named(about: tuple[RequirementKind, str] | int, t: Target) -> tuple[RequirementKind, str]:
    if isinstance(about, tuple):
        return about
    if not t.requirements:
        return (TRAINING, "Wound Care")
    asked = t.requirements[about % len(t.requirements)]
    return (asked.kind, asked.name)


# Days are drawn as offsets from as_of or, about as often, as the days either side of the
# window's edges, and resolved per case: one flat, static strategy keeps generation cheap.
DAYS = st.sampled_from((*("edge", "first_inside", "as_of", "after") * 120, *range(-1200, 121)))


def resolve(day: int | str, as_of: date, policy: Policy) -> date:
    edge = window_start(as_of=as_of, months=policy.window_months)
    edges = {
        "edge": edge,
        "first_inside": edge + timedelta(days=1),
        "as_of": as_of,
        "after": as_of + timedelta(days=1),
    }
    return edges[day] if isinstance(day, str) else as_of + timedelta(days=day)


@st.composite
def policies(draw) -> Policy:
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=4, max_size=4)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    low, high = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
    return Policy(
        version=draw(st.integers(1, 50)),
        weights={c: Decimal(s) / 100 for c, s in zip(Component, shares, strict=True)},
        window_months=draw(st.integers(1, 36)),
        leadership_saturation=draw(st.integers(1, 6)),
        development_saturation=draw(st.integers(1, 6)),
        ready_now=Decimal(high),
        ready_1_2_years=Decimal(low),
        default_min_months_in_role=draw(st.integers(0, 24)),
    )


def reviews_on(specs, prefix: str) -> tuple[Review, ...]:
    return tuple(Review(f"{prefix}-{i}", day, rating) for i, (day, rating) in enumerate(specs))


def dated_on(days, prefix: str) -> tuple[LeadershipEvidence, ...]:
    return tuple(LeadershipEvidence(f"{prefix}-{i}", day) for i, day in enumerate(days))


def development_on(specs, prefix: str) -> tuple[Development, ...]:
    return tuple(
        Development(f"{prefix}-{i}", day, kind, fold_name(name))
        for i, (day, kind, name) in enumerate(specs)
    )


@st.composite
def cases(draw, policy_strategy=None) -> tuple[Facts, Target, Policy]:
    policy = draw(policy_strategy) if policy_strategy is not None else DEFAULT_POLICY
    as_of = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 4000)))

    def day(spec: int | str) -> date:
        return resolve(spec, as_of, policy)

    asked = draw(st.lists(st.tuples(NAMED, st.booleans()), max_size=4))
    requirements = {}
    for (kind, name), mandatory in asked:
        if fold_name(name) != "wound care":  # no target asks for it: a pure development item
            requirement = Requirement(kind, name, mandatory)
            requirements.setdefault(requirement.key, requirement)
    t = Target(
        position_id=draw(st.sampled_from(("target", None))),
        move_type=draw(st.sampled_from((MoveType.promotion, MoveType.lateral))),
        requirements=tuple(requirements.values()),
        min_months_in_role=draw(st.none() | st.integers(0, 36)),
    )
    review_specs = draw(st.lists(st.tuples(DAYS, RATINGS), max_size=6))
    leadership_days = draw(st.lists(DAYS, max_size=5))
    development_specs = draw(st.lists(st.tuples(DAYS, ABOUT), max_size=6))
    f = Facts(
        as_of=as_of,
        role_started_on=as_of - timedelta(days=draw(st.integers(0, 1200))),
        role_event_id=draw(st.sampled_from(("role", None))),
        reviews=reviews_on([(day(d), r) for d, r in review_specs], "review"),
        leadership=dated_on([day(d) for d in leadership_days], "lead"),
        development=development_on(
            [(day(d), *named(about, t)) for d, about in development_specs], "dev"
        ),
    )
    return f, t, policy


def half_up_tenth(value: Fraction) -> Decimal:
    return Decimal(math.floor(value * 10 + Fraction(1, 2))) / 10


def spec_components(f: Facts, t: Target, policy: Policy) -> dict[Component, Fraction]:
    """Return the unrounded SPEC section 5 formulas, written independently of the module."""
    start = f.as_of - relativedelta(months=policy.window_months)

    def inside(day: date) -> bool:
        return start < day <= f.as_of

    ratings = [r.rating for r in f.reviews if inside(r.occurred_on)]
    leaders = sum(1 for x in f.leadership if inside(x.occurred_on))
    developed = sum(1 for d in f.development if inside(d.occurred_on))
    proofs = {(d.kind, d.name_key) for d in f.development if d.occurred_on <= f.as_of}
    mandatory = [r for r in t.requirements if r.mandatory]
    met = [r for r in mandatory if (r.kind, r.name.strip().casefold()) in proofs]
    held = relativedelta(f.as_of, f.role_started_on)
    months = held.years * 12 + held.months
    minimum = t.min_months_in_role
    if minimum is None:
        minimum = policy.default_min_months_in_role
    experience = min(Fraction(100), Fraction(100 * months, minimum)) if minimum else Fraction(100)
    return {
        PERFORMANCE: (Fraction(sum(ratings), len(ratings)) - 1) * 25 if ratings else Fraction(0),
        LEADERSHIP: min(Fraction(100), Fraction(100 * leaders, policy.leadership_saturation)),
        DEVELOPMENT: min(Fraction(100), Fraction(100 * developed, policy.development_saturation)),
        REQUIREMENTS: Fraction(100 * len(met), len(mandatory)) if mandatory else Fraction(100),
        EXPERIENCE: experience,
    }


def window_mean(f: Facts, policy: Policy) -> Fraction | None:
    start = window_start(as_of=f.as_of, months=policy.window_months)
    ratings = [r.rating for r in f.reviews if start < r.occurred_on <= f.as_of]
    return Fraction(sum(ratings), len(ratings)) if ratings else None


def expected_band(result: Readiness, policy: Policy) -> Band:
    mandatory_missing = any(r.mandatory for r in result.requirements_missing)
    if result.score >= policy.ready_now and not mandatory_missing:
        return Band.ready_now
    if result.score >= policy.ready_1_2_years:
        return Band.ready_1_2_years
    return Band.ready_3_plus_years


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_score_follows_the_spec_formulas(case):
    f, t, policy = case
    result = score_readiness(facts=f, target=t, policy=policy)
    expected = {c: half_up_tenth(v) for c, v in spec_components(f, t, policy).items()}
    assert {c.name: c.score for c in result.components} == expected
    weighted = sum(policy.weights[c] * expected[c] for c in Component)
    assert result.score == half_up_tenth(Fraction(weighted))
    assert result.band is expected_band(result, policy)
    assert result.policy_version == policy.version
    assert result.move_type is t.move_type


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_score_is_in_range_and_the_rounded_weighted_sum_of_its_parts(case):
    f, t, policy = case
    result = score_readiness(facts=f, target=t, policy=policy)
    assert 0 <= result.score <= 100
    for c in result.components:
        assert 0 <= c.score <= 100
        assert c.score == c.score.quantize(Decimal("0.1"))
        assert c.weight == policy.weights[c.name]
    weighted = sum((c.weight * c.score for c in result.components), Decimal(0))
    assert result.score == weighted.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert result.band is expected_band(result, policy)
    if any(r.mandatory for r in result.requirements_missing):
        assert result.band is not Band.ready_now


@given(case=cases(), data=st.data())
@PROPERTY_SETTINGS
def test_score_is_deterministic_and_ignores_the_order_of_evidence(case, data):
    f, t, policy = case
    result = score_readiness(facts=f, target=t, policy=policy)
    assert score_readiness(facts=f, target=t, policy=policy) == result
    shuffled = replace(
        f,
        reviews=tuple(data.draw(st.permutations(f.reviews))),
        leadership=tuple(data.draw(st.permutations(f.leadership))),
        development=tuple(data.draw(st.permutations(f.development))),
    )
    again = score_readiness(facts=shuffled, target=t, policy=policy)
    assert again.score == result.score
    assert again.band is result.band
    assert [c.score for c in again.components] == [c.score for c in result.components]
    assert again.gaps == result.gaps
    assert again.next_steps == result.next_steps
    assert again.requirements_missing == result.requirements_missing


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_events_after_as_of_change_nothing(case, data):
    f, t, policy = case
    later = st.integers(1, 2000).map(lambda n: f.as_of + timedelta(days=n))
    late_reviews = data.draw(st.lists(st.tuples(later, RATINGS), max_size=4))
    late_leadership = data.draw(st.lists(later, max_size=4))
    late_development = data.draw(st.lists(st.tuples(later, ABOUT), max_size=4))
    busier = replace(
        f,
        reviews=(*f.reviews, *reviews_on(late_reviews, "late-review")),
        leadership=(*f.leadership, *dated_on(late_leadership, "late-lead")),
        development=(
            *f.development,
            *development_on([(d, *named(about, t)) for d, about in late_development], "late-dev"),
        ),
    )
    assert score_readiness(facts=busier, target=t, policy=policy) == score_readiness(
        facts=f, target=t, policy=policy
    )


def scored(case) -> tuple[Readiness, dict[Component, Decimal]]:
    """Return the case's readiness and each component's score."""
    f, t, policy = case
    result = score_readiness(facts=f, target=t, policy=policy)
    return result, {c.name: c.score for c in result.components}


def assert_not_lower(case, more: Facts) -> None:
    """Assert the case's target scores `more` at least as high as the case's own facts."""
    f, t, policy = case
    before = score_readiness(facts=f, target=t, policy=policy).score
    assert score_readiness(facts=more, target=t, policy=policy).score >= before


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_adding_a_leadership_activity_or_initiative_never_lowers_the_score(case, data):
    f, _t, policy = case
    day = resolve(data.draw(DAYS), f.as_of, policy)
    assert_not_lower(case, replace(f, leadership=(*f.leadership, LeadershipEvidence("added", day))))


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_adding_development_of_any_kind_or_name_never_lowers_the_score(case, data):
    f, t, policy = case
    day = resolve(data.draw(DAYS), f.as_of, policy)
    kind, name = named(data.draw(ABOUT), t)
    added = Development("added", day, kind, fold_name(name))
    assert_not_lower(case, replace(f, development=(*f.development, added)))


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_adding_a_review_at_or_above_the_window_mean_never_lowers_the_score(case, data):
    f, _t, policy = case
    mean = window_mean(f, policy)
    lowest = 1 if mean is None else math.ceil(mean)
    rating = data.draw(st.integers(lowest, 5))
    day = resolve(data.draw(DAYS), f.as_of, policy)
    assert_not_lower(case, replace(f, reviews=(*f.reviews, Review("added", day, rating))))


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_every_weak_part_and_missing_requirement_is_a_gap(case):
    f, t, policy = case
    result, scores = scored(case)
    for name in (PERFORMANCE, LEADERSHIP, DEVELOPMENT, EXPERIENCE):
        found = [g for g in result.gaps if g.component is name]
        assert len(found) == (1 if scores[name] < 100 else 0)
        assert all(g.requirement is None for g in found)
    requirement_gaps = [g.requirement for g in result.gaps if g.component is REQUIREMENTS]
    assert requirement_gaps == list(result.requirements_missing)
    proofs = {(d.kind, d.name_key) for d in f.development if d.occurred_on <= f.as_of}
    assert result.requirements_missing == tuple(r for r in t.requirements if r.key not in proofs)
    if scores[REQUIREMENTS] < 100:
        assert any(r.mandatory for r in result.requirements_missing)


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_points_trace_to_evidence(case):
    f, t, policy = case
    result = score_readiness(facts=f, target=t, policy=policy)
    start = window_start(as_of=f.as_of, months=policy.window_months)
    assert evidence(result, PERFORMANCE) == tuple(
        r.id for r in f.reviews if start < r.occurred_on <= f.as_of
    )
    assert evidence(result, LEADERSHIP) == tuple(
        x.id for x in f.leadership if start < x.occurred_on <= f.as_of
    )
    assert evidence(result, DEVELOPMENT) == tuple(
        d.id for d in f.development if start < d.occurred_on <= f.as_of
    )
    proofs = {d.id: d for d in f.development if d.occurred_on <= f.as_of}
    requirement_evidence = evidence(result, REQUIREMENTS)
    assert len(set(requirement_evidence)) == len(requirement_evidence)
    assert all(eid in proofs for eid in requirement_evidence)
    met = [r for r in t.requirements if r not in result.requirements_missing]
    assert {(proofs[eid].kind, proofs[eid].name_key) for eid in requirement_evidence} == {
        r.key for r in met
    }
    for eid in requirement_evidence:  # the earliest proof of its requirement
        first = proofs[eid]
        same = [d for d in proofs.values() if (d.kind, d.name_key) == (first.kind, first.name_key)]
        assert all(d.occurred_on >= first.occurred_on for d in same)
    assert evidence(result, EXPERIENCE) == ((f.role_event_id,) if f.role_event_id else ())


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_each_next_step_gains_what_taking_it_adds_to_the_score(case):
    f, t, policy = case
    result, scores = scored(case)

    def gain(**changes) -> Decimal:
        taken = score_readiness(facts=replace(f, **changes), target=t, policy=policy)
        return taken.score - result.score

    day = f.as_of
    expected: list[tuple[Component, Decimal]] = []
    if scores[PERFORMANCE] < 100:
        expected.append((PERFORMANCE, gain(reviews=(*f.reviews, Review("step", day, 5)))))
    if scores[LEADERSHIP] < 100:
        expected.append(
            (LEADERSHIP, gain(leadership=(*f.leadership, LeadershipEvidence("step", day))))
        )
    if scores[DEVELOPMENT] < 100:
        course = Development("step", day, TRAINING, "a course no target asks for")
        expected.append((DEVELOPMENT, gain(development=(*f.development, course))))
    for req in result.requirements_missing:
        proof = Development("step", day, req.kind, fold_name(req.name))
        expected.append((REQUIREMENTS, gain(development=(*f.development, proof))))
    if scores[EXPERIENCE] < 100:
        minimum = t.min_months_in_role
        if minimum is None:
            minimum = policy.default_min_months_in_role
        expected.append((EXPERIENCE, gain(role_started_on=shift_months(day, -minimum))))

    steps = result.next_steps
    assert all(s.gain > 0 for s in steps)
    assert [s.gain for s in steps] == sorted((s.gain for s in steps), reverse=True)
    assert sorted((s.component, s.gain) for s in steps) == sorted(
        (c, g) for c, g in expected if g > 0
    )


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_a_summary_without_evidence_ids_scores_like_the_events_it_counts(case):
    # Ranking many people scores summaries built from SQL aggregates, without the ids.
    f, t, policy = case
    full = score_readiness(facts=f, target=t, policy=policy)
    summary = summarize(facts=f, policy=policy)
    assert score_summary(summary=summary, target=t, policy=policy) == full
    counted = replace(summary, review_ids=(), leadership_ids=(), development_ids=())
    result = score_summary(summary=counted, target=t, policy=policy)
    assert result.score == full.score
    assert result.band is full.band
    assert [c.score for c in result.components] == [c.score for c in full.components]
    assert (result.gaps, result.next_steps) == (full.gaps, full.next_steps)
