"""Promotion readiness: the SPEC section 5 formulas, gaps, next steps, and their properties."""

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.mobility import MoveType
from app.domain.readiness import (
    DEFAULT_POLICY,
    Band,
    Component,
    Development,
    Facts,
    Gap,
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

CERT = RequirementKind.certification
SKILL = RequirementKind.skill
TRAINING = RequirementKind.training

PERFORMANCE = Component.performance
LEADERSHIP = Component.leadership
DEVELOPMENT = Component.development
REQUIREMENTS = Component.requirements
EXPERIENCE = Component.experience

AS_OF = date(2024, 6, 30)
WINDOW_EDGE = date(2022, 6, 30)  # exactly 24 months before AS_OF: outside the window
LONG_AGO = date(2015, 3, 1)
HUNDRED = Decimal(100)

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


def dev(eid: str, day: date, kind: RequirementKind, name: str) -> Development:
    """Return development evidence; the caller folds the name, as the service does."""
    return Development(eid, day, kind, fold_name(name))


def facts(
    *,
    as_of: date = AS_OF,
    months_in_role: int = 12,
    role_event_id: str | None = "role",
    reviews: tuple[Review, ...] = (),
    leadership: tuple[LeadershipEvidence, ...] = (),
    development: tuple[Development, ...] = (),
) -> Facts:
    return Facts(
        as_of=as_of,
        role_started_on=shift_months(as_of, -months_in_role),
        role_event_id=role_event_id,
        reviews=reviews,
        leadership=leadership,
        development=development,
    )


def target(*requirements: Requirement, min_months: int | None = None) -> Target:
    return Target("target", MoveType.promotion, requirements, min_months)


def score(f: Facts, t: Target | None = None, policy: Policy = DEFAULT_POLICY) -> Readiness:
    return score_readiness(facts=f, target=t or target(), policy=policy)


def part(result: Readiness, name: Component) -> Decimal:
    (found,) = [c for c in result.components if c.name is name]
    return found.score


def evidence(result: Readiness, name: Component) -> tuple[str, ...]:
    (found,) = [c for c in result.components if c.name is name]
    return found.evidence


def reviews(*ratings: int, day: date = AS_OF) -> tuple[Review, ...]:
    return tuple(Review(f"review-{i}", day, r) for i, r in enumerate(ratings))


def activities(count: int, day: date = AS_OF) -> tuple[LeadershipEvidence, ...]:
    return tuple(LeadershipEvidence(f"lead-{i}", day) for i in range(count))


def trainings(count: int, day: date = AS_OF) -> tuple[Development, ...]:
    return tuple(dev(f"dev-{i}", day, TRAINING, f"course {i}") for i in range(count))


def only(component: Component, **overrides) -> Policy:
    """Return a policy that weighs one component alone."""
    weights = {c: Decimal(1 if c is component else 0) for c in Component}
    return replace(DEFAULT_POLICY, version=7, weights=weights, **overrides)


# --- the default policy -----------------------------------------------------------------------


def test_default_policy_is_version_1_of_the_spec():
    assert DEFAULT_POLICY.version == 1
    assert DEFAULT_POLICY.weights == {
        PERFORMANCE: Decimal("0.35"),
        LEADERSHIP: Decimal("0.20"),
        DEVELOPMENT: Decimal("0.20"),
        REQUIREMENTS: Decimal("0.15"),
        EXPERIENCE: Decimal("0.10"),
    }
    assert sum(DEFAULT_POLICY.weights.values()) == 1
    assert DEFAULT_POLICY.window_months == 24
    assert (DEFAULT_POLICY.leadership_saturation, DEFAULT_POLICY.development_saturation) == (3, 4)
    assert (DEFAULT_POLICY.ready_now, DEFAULT_POLICY.ready_1_2_years) == (75, 50)
    assert DEFAULT_POLICY.default_min_months_in_role == 12


def test_components_come_in_the_spec_order_with_their_weights():
    result = score(facts())
    assert [(c.name.value, c.weight) for c in result.components] == [
        ("performance", Decimal("0.35")),
        ("leadership", Decimal("0.20")),
        ("development", Decimal("0.20")),
        ("requirements", Decimal("0.15")),
        ("experience", Decimal("0.10")),
    ]


# --- each component ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((), "0"),
        ((1,), "0.0"),
        ((2,), "25.0"),
        ((3,), "50.0"),
        ((4,), "75.0"),
        ((5,), "100.0"),
        ((3, 4), "62.5"),
        ((4, 5), "87.5"),
        ((4, 4, 5), "83.3"),  # mean 4.333...: 83.333...
        ((5, 5, 4), "91.7"),  # 91.666...
        ((2, 2, 1, 1, 1, 1, 1, 1), "6.3"),  # 6.25 rounds half-up
    ],
)
def test_performance_is_the_mean_rating_minus_one_times_25(ratings, expected):
    assert part(score(facts(reviews=reviews(*ratings))), PERFORMANCE) == Decimal(expected)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0.0"), (1, "33.3"), (2, "66.7"), (3, "100.0"), (4, "100.0"), (9, "100.0")],
)
def test_leadership_saturates_at_three_activities(count, expected):
    assert part(score(facts(leadership=activities(count))), LEADERSHIP) == Decimal(expected)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0.0"), (1, "25.0"), (2, "50.0"), (3, "75.0"), (4, "100.0"), (6, "100.0")],
)
def test_development_saturates_at_four_items(count, expected):
    assert part(score(facts(development=trainings(count))), DEVELOPMENT) == Decimal(expected)


def test_development_counts_trainings_certifications_and_skills_alike():
    items = (
        dev("t", AS_OF, TRAINING, "Wound care"),
        dev("c", AS_OF, CERT, "BLS"),
        dev("s", AS_OF, SKILL, "Triage"),
    )
    result = score(facts(development=items))
    assert part(result, DEVELOPMENT) == Decimal("75.0")
    assert evidence(result, DEVELOPMENT) == ("t", "c", "s")


def test_leadership_counts_activities_and_initiatives_as_dated_evidence():
    result = score(
        facts(
            leadership=(
                LeadershipEvidence("led-meetings", AS_OF),
                LeadershipEvidence("initiative", AS_OF),
            )
        )
    )
    assert part(result, LEADERSHIP) == Decimal("66.7")
    assert evidence(result, LEADERSHIP) == ("led-meetings", "initiative")


def test_requirements_score_the_share_of_mandatory_requirements_met():
    t = target(
        Requirement(CERT, "BLS"),
        Requirement(CERT, "ACLS"),
        Requirement(TRAINING, "Charge nurse"),
        Requirement(SKILL, "Budgeting", mandatory=False),
    )
    proof = (dev("bls", AS_OF, CERT, "BLS"), dev("budget", AS_OF, SKILL, "Budgeting"))
    result = score(facts(development=proof), t)
    assert part(result, REQUIREMENTS) == Decimal("33.3")
    assert result.requirements_missing == (
        Requirement(CERT, "ACLS"),
        Requirement(TRAINING, "Charge nurse"),
    )


def test_requirements_score_100_when_the_target_has_no_mandatory_requirement():
    assert part(score(facts(), target()), REQUIREMENTS) == HUNDRED
    optional = Requirement(SKILL, "Budgeting", mandatory=False)
    result = score(facts(), target(optional))
    assert part(result, REQUIREMENTS) == HUNDRED
    assert result.requirements_missing == (optional,)


def test_requirements_are_met_at_any_age_but_count_in_development_only_in_the_window():
    t = target(Requirement(CERT, "BLS"))
    result = score(facts(development=(dev("old", LONG_AGO, CERT, "BLS"),)), t)
    assert part(result, REQUIREMENTS) == HUNDRED
    assert evidence(result, REQUIREMENTS) == ("old",)
    assert part(result, DEVELOPMENT) == Decimal("0.0")
    assert evidence(result, DEVELOPMENT) == ()


def test_requirements_match_regardless_of_case_and_surrounding_space():
    t = target(Requirement(CERT, "  Basic Life Support "), Requirement(SKILL, "triage"))
    proof = (
        dev("bls", AS_OF, CERT, "BASIC LIFE SUPPORT"),
        dev("triage", AS_OF, SKILL, "\tTriage  "),
    )
    result = score(facts(development=proof), t)
    assert part(result, REQUIREMENTS) == HUNDRED
    assert result.requirements_missing == ()
    assert evidence(result, REQUIREMENTS) == ("bls", "triage")


def test_requirements_need_the_same_kind():
    t = target(Requirement(CERT, "Triage"))
    result = score(facts(development=(dev("skill", AS_OF, SKILL, "Triage"),)), t)
    assert part(result, REQUIREMENTS) == Decimal("0.0")
    assert result.requirements_missing == (Requirement(CERT, "Triage"),)


def test_requirements_ignore_proof_dated_after_as_of():
    t = target(Requirement(CERT, "BLS"))
    later = dev("later", AS_OF + timedelta(days=1), CERT, "BLS")
    result = score(facts(development=(later,)), t)
    assert part(result, REQUIREMENTS) == Decimal("0.0")
    assert evidence(result, REQUIREMENTS) == ()


def test_requirement_evidence_is_the_earliest_proof_once():
    t = target(Requirement(CERT, "BLS"), Requirement(CERT, "bls "))
    proof = (dev("renewal", AS_OF, CERT, "BLS"), dev("first", LONG_AGO, CERT, "bls"))
    assert evidence(score(facts(development=proof), t), REQUIREMENTS) == ("first",)


@pytest.mark.parametrize(
    ("months_in_role", "min_months", "expected"),
    [
        (9, None, "75.0"),  # policy default of 12 months
        (12, None, "100.0"),
        (0, None, "0.0"),
        (30, None, "100.0"),
        (0, 0, "100.0"),  # 0 means no requirement
        (6, 24, "25.0"),
        (30, 24, "100.0"),
        (1, 16, "6.3"),  # 6.25 rounds half-up
        (2, 3, "66.7"),
    ],
)
def test_experience_is_months_in_role_over_the_target_minimum(months_in_role, min_months, expected):
    result = score(facts(months_in_role=months_in_role), target(min_months=min_months))
    assert part(result, EXPERIENCE) == Decimal(expected)


def test_experience_counts_whole_months_rounded_down():
    f = replace(facts(), role_started_on=date(2023, 9, 15))  # 9 months and 15 days
    assert part(score(f), EXPERIENCE) == Decimal("75.0")
    f = replace(facts(), role_started_on=date(2023, 7, 1))  # 11 months and 29 days
    assert part(score(f), EXPERIENCE) == Decimal("91.7")


def test_experience_uses_the_policy_default_when_the_target_sets_none():
    policy = replace(DEFAULT_POLICY, default_min_months_in_role=6)
    result = score(facts(months_in_role=3), target(min_months=None), policy)
    assert part(result, EXPERIENCE) == Decimal("50.0")
    assert part(score(facts(months_in_role=3), target(min_months=12), policy), EXPERIENCE) == 25


def test_experience_evidence_is_the_event_that_started_the_role():
    assert evidence(score(facts(role_event_id="hire-1")), EXPERIENCE) == ("hire-1",)
    assert evidence(score(facts(role_event_id=None)), EXPERIENCE) == ()


# --- the window and as_of ---------------------------------------------------------------------


def test_window_starts_24_months_before_as_of():
    assert window_start(as_of=AS_OF, months=24) == WINDOW_EDGE
    assert window_start(as_of=date(2024, 2, 29), months=24) == date(2022, 2, 28)


def test_event_exactly_24_months_before_as_of_is_outside_the_window():
    edge = facts(
        reviews=(Review("r", WINDOW_EDGE, 5),),
        leadership=(LeadershipEvidence("l", WINDOW_EDGE),),
        development=(dev("d", WINDOW_EDGE, TRAINING, "course"),),
    )
    result = score(edge)
    assert [part(result, c) for c in (PERFORMANCE, LEADERSHIP, DEVELOPMENT)] == [0, 0, 0]
    assert [evidence(result, c) for c in (PERFORMANCE, LEADERSHIP, DEVELOPMENT)] == [(), (), ()]


def test_event_one_day_inside_the_window_counts():
    inside = WINDOW_EDGE + timedelta(days=1)
    result = score(
        facts(
            reviews=(Review("r", inside, 5),),
            leadership=(LeadershipEvidence("l", inside),),
            development=(dev("d", inside, TRAINING, "course"),),
        )
    )
    assert part(result, PERFORMANCE) == HUNDRED
    assert part(result, LEADERSHIP) == Decimal("33.3")
    assert part(result, DEVELOPMENT) == Decimal("25.0")
    assert [evidence(result, c) for c in (PERFORMANCE, LEADERSHIP, DEVELOPMENT)] == [
        ("r",),
        ("l",),
        ("d",),
    ]


def test_window_edge_on_a_leap_day_clamps_to_february_28():
    leap = date(2024, 2, 29)
    f = facts(
        as_of=leap,
        leadership=(
            LeadershipEvidence("outside", date(2022, 2, 28)),
            LeadershipEvidence("inside", date(2022, 3, 1)),
        ),
    )
    assert evidence(score(f), LEADERSHIP) == ("inside",)


def test_events_on_as_of_count_and_events_after_it_do_not():
    after = AS_OF + timedelta(days=1)
    result = score(
        facts(
            reviews=(Review("today", AS_OF, 3), Review("tomorrow", after, 5)),
            leadership=(LeadershipEvidence("today", AS_OF), LeadershipEvidence("tomorrow", after)),
            development=(dev("today", AS_OF, SKILL, "a"), dev("tomorrow", after, SKILL, "b")),
        )
    )
    assert part(result, PERFORMANCE) == Decimal("50.0")
    assert part(result, LEADERSHIP) == Decimal("33.3")
    assert part(result, DEVELOPMENT) == Decimal("25.0")
    for c in (PERFORMANCE, LEADERSHIP, DEVELOPMENT):
        assert evidence(result, c) == ("today",)


def test_window_follows_the_policy():
    policy = replace(DEFAULT_POLICY, window_months=6)
    f = facts(
        leadership=(
            LeadershipEvidence("old", date(2023, 12, 30)),
            LeadershipEvidence("new", date(2024, 1, 1)),
        )
    )
    assert evidence(score(f, policy=policy), LEADERSHIP) == ("new",)
    assert evidence(score(f), LEADERSHIP) == ("old", "new")


# --- the total and its rounding ---------------------------------------------------------------

NURSE_MANAGER = target(
    Requirement(CERT, "BLS"),
    Requirement(TRAINING, "ACLS course"),
    Requirement(SKILL, "Triage", mandatory=False),
)
NURSE = Facts(
    as_of=AS_OF,
    role_started_on=date(2023, 9, 15),
    role_event_id="move-to-rn",
    reviews=(
        Review("old-review", WINDOW_EDGE, 1),
        Review("review-2023", date(2023, 6, 1), 4),
        Review("review-2024", date(2024, 6, 1), 5),
        Review("future-review", date(2024, 7, 1), 1),
    ),
    leadership=(
        LeadershipEvidence("led-meetings", date(2023, 1, 10)),
        LeadershipEvidence("initiative", date(2024, 2, 2)),
    ),
    development=(
        dev("bls", date(2024, 3, 3), CERT, "BLS"),
        dev("acls", date(2021, 5, 5), TRAINING, "acls course"),
    ),
)


def test_worked_example_scores_each_part_and_the_weighted_total():
    result = score(NURSE, NURSE_MANAGER)
    assert [(c.name, c.score) for c in result.components] == [
        (PERFORMANCE, Decimal("87.5")),
        (LEADERSHIP, Decimal("66.7")),
        (DEVELOPMENT, Decimal("25.0")),
        (REQUIREMENTS, Decimal("100")),
        (EXPERIENCE, Decimal("75.0")),
    ]
    # 0.35 * 87.5 + 0.2 * 66.7 + 0.2 * 25 + 0.15 * 100 + 0.1 * 75 = 71.465
    assert result.score == Decimal("71.5")
    assert str(result.score) == "71.5"
    assert result.band is Band.ready_1_2_years
    assert result.as_of == AS_OF
    assert result.move_type is MoveType.promotion
    assert result.policy_version == 1
    assert result.requirements_missing == (Requirement(SKILL, "Triage", mandatory=False),)


def test_worked_example_names_its_evidence():
    result = score(NURSE, NURSE_MANAGER)
    assert {c.name: c.evidence for c in result.components} == {
        PERFORMANCE: ("review-2023", "review-2024"),
        LEADERSHIP: ("led-meetings", "initiative"),
        DEVELOPMENT: ("bls",),
        REQUIREMENTS: ("bls", "acls"),
        EXPERIENCE: ("move-to-rn",),
    }


def test_worked_example_gaps():
    result = score(NURSE, NURSE_MANAGER)
    assert result.gaps == (
        Gap(
            PERFORMANCE,
            "Mean review rating 4.5 over 2 review(s) in the last 24 months; "
            "a mean of 5 (far exceeds) scores 100.",
        ),
        Gap(LEADERSHIP, "2 of 3 leadership activities or initiatives in the last 24 months."),
        Gap(DEVELOPMENT, "1 of 4 trainings, certifications or skills in the last 24 months."),
        Gap(
            REQUIREMENTS,
            'Missing optional skill "Triage".',
            Requirement(SKILL, "Triage", mandatory=False),
        ),
        Gap(EXPERIENCE, "9 of 12 months in the current role."),
    )


def test_worked_example_next_steps_are_ordered_by_gain():
    result = score(NURSE, NURSE_MANAGER)
    assert [(s.component, s.gain) for s in result.next_steps] == [
        (LEADERSHIP, Decimal("6.6")),  # 66.7 -> 100: 78.125 -> 78.1
        (DEVELOPMENT, Decimal("5.0")),  # 25 -> 50: 76.465 -> 76.5
        (REQUIREMENTS, Decimal("5.0")),  # the skill also counts as development
        (EXPERIENCE, Decimal("2.5")),  # 75 -> 100: 73.965 -> 74.0
        (PERFORMANCE, Decimal("1.4")),  # 4, 5, 5 -> 91.7: 72.935 -> 72.9
    ]
    actions = [s.action for s in result.next_steps]
    assert actions[2] == 'Acquire the skill "Triage" (optional).'
    assert actions[3] == "Stay in the current role 3 more months (until 2024-09-15)."
    assert actions[4].startswith("Exceed the role's requirements in the next review")


def test_total_is_the_weighted_sum_of_the_rounded_parts():
    # performance 25.0 (8.75) + requirements 1 of 3 = 33.3 (4.995) = 13.745 -> 13.7;
    # weighing the unrounded 33.33... would give 13.75 -> 13.8.
    t = target(Requirement(CERT, "A"), Requirement(CERT, "B"), Requirement(CERT, "C"))
    f = facts(
        months_in_role=0,
        reviews=reviews(2),
        development=(dev("a", LONG_AGO, CERT, "A"),),
    )
    result = score(f, t)
    assert part(result, REQUIREMENTS) == Decimal("33.3")
    assert result.score == Decimal("13.7")


def test_total_rounds_half_up():
    # 0.35 * 75 + 0.15 * 100 = 41.25: half-up gives 41.3, half-even would give 41.2.
    result = score(facts(months_in_role=0, reviews=reviews(4)))
    assert result.score == Decimal("41.3")


def test_everything_met_scores_100_and_is_ready_now_with_no_gaps_or_steps():
    t = target(Requirement(CERT, "BLS"), min_months=24)
    f = facts(
        months_in_role=24,
        reviews=reviews(5, 5),
        leadership=activities(3),
        development=(*trainings(3), dev("bls", AS_OF, CERT, "BLS")),
    )
    result = score(f, t)
    assert result.score == HUNDRED
    assert result.band is Band.ready_now
    assert result.gaps == ()
    assert result.next_steps == ()


def test_nothing_at_all_scores_only_requirements():
    result = score(facts(months_in_role=0))
    assert [c.score for c in result.components] == [0, 0, 0, 100, 0]
    assert result.score == Decimal("15.0")
    assert result.band is Band.ready_3_plus_years


# --- bands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "total", "band"),
    [
        (1000, "100.0", Band.ready_now),
        (750, "75.0", Band.ready_now),
        (749, "74.9", Band.ready_1_2_years),
        (500, "50.0", Band.ready_1_2_years),
        (499, "49.9", Band.ready_3_plus_years),
        (0, "0.0", Band.ready_3_plus_years),
    ],
)
def test_band_thresholds_are_inclusive(count, total, band):
    policy = only(LEADERSHIP, leadership_saturation=1000)
    result = score(facts(leadership=activities(count)), policy=policy)
    assert result.score == Decimal(total)
    assert result.band is band
    assert result.policy_version == 7


def test_band_thresholds_follow_the_policy():
    policy = only(LEADERSHIP, leadership_saturation=10, ready_now=Decimal(90))
    assert score(facts(leadership=activities(8)), policy=policy).band is Band.ready_1_2_years
    assert score(facts(leadership=activities(9)), policy=policy).band is Band.ready_now


def test_missing_mandatory_requirement_caps_the_band_at_ready_1_2_years():
    t = target(Requirement(CERT, "NE-BC"))
    f = facts(reviews=reviews(5), leadership=activities(3), development=trainings(4))
    result = score(f, t)
    assert result.score == Decimal("85.0")
    assert result.band is Band.ready_1_2_years

    ignored = only(LEADERSHIP)
    capped = score(f, t, ignored)
    assert capped.score == HUNDRED
    assert capped.band is Band.ready_1_2_years


def test_missing_optional_requirement_does_not_cap_the_band():
    t = target(Requirement(CERT, "NE-BC", mandatory=False))
    f = facts(reviews=reviews(5), leadership=activities(3), development=trainings(4))
    result = score(f, t)
    assert result.score == HUNDRED
    assert result.band is Band.ready_now


def test_missing_mandatory_requirement_does_not_lower_a_low_band():
    result = score(facts(months_in_role=0), target(Requirement(CERT, "NE-BC")))
    assert result.score == Decimal("0.0")
    assert result.band is Band.ready_3_plus_years


# --- gaps and next steps ----------------------------------------------------------------------


def test_every_missing_requirement_is_a_gap_with_its_requirement():
    mandatory, optional = Requirement(CERT, "NE-BC"), Requirement(SKILL, "Budgeting", False)
    result = score(facts(), target(mandatory, optional))
    requirement_gaps = [g for g in result.gaps if g.component is REQUIREMENTS]
    assert requirement_gaps == [
        Gap(REQUIREMENTS, 'Missing mandatory certification "NE-BC".', mandatory),
        Gap(REQUIREMENTS, 'Missing optional skill "Budgeting".', optional),
    ]
    requirement_steps = [s.action for s in result.next_steps if s.component is REQUIREMENTS]
    assert requirement_steps == [
        'Earn the certification "NE-BC".',
        'Acquire the skill "Budgeting" (optional).',
    ]


def test_no_review_gap_asks_for_a_review():
    result = score(facts())
    assert result.gaps[0] == Gap(PERFORMANCE, "No performance review in the last 24 months.")
    (step,) = [s for s in result.next_steps if s.component is PERFORMANCE]
    assert step.action == "Ask for a performance review; one rated 5 (far exceeds) counts most."
    assert step.gain == Decimal("35.0")


def test_waiting_for_months_in_role_is_a_step_with_its_date():
    result = score(facts(months_in_role=11), target(min_months=12))
    (step,) = [s for s in result.next_steps if s.component is EXPERIENCE]
    assert step.action == "Stay in the current role 1 more month (until 2024-07-30)."
    assert step.gain == Decimal("0.8")  # 91.7 -> 100: 0.1 * 8.3 = 0.83


def test_next_steps_cover_only_the_weak_parts():
    result = score(facts(months_in_role=12, reviews=reviews(5)))
    assert [(s.component, s.gain) for s in result.next_steps] == [
        (LEADERSHIP, Decimal("6.7")),
        (DEVELOPMENT, Decimal("5.0")),
    ]


def test_placeholder_target_asks_12_months_and_no_requirements():
    placeholder = Target(None, MoveType.promotion)
    result = score_readiness(
        facts=facts(months_in_role=6), target=placeholder, policy=DEFAULT_POLICY
    )
    assert part(result, REQUIREMENTS) == HUNDRED
    assert part(result, EXPERIENCE) == Decimal("50.0")
    assert result.move_type is MoveType.promotion


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


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_adding_a_leadership_activity_or_initiative_never_lowers_the_score(case, data):
    f, t, policy = case
    before = score_readiness(facts=f, target=t, policy=policy).score
    day = resolve(data.draw(DAYS), f.as_of, policy)
    more = replace(f, leadership=(*f.leadership, LeadershipEvidence("added", day)))
    assert score_readiness(facts=more, target=t, policy=policy).score >= before


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_adding_development_of_any_kind_or_name_never_lowers_the_score(case, data):
    f, t, policy = case
    before = score_readiness(facts=f, target=t, policy=policy).score
    day = resolve(data.draw(DAYS), f.as_of, policy)
    kind, name = named(data.draw(ABOUT), t)
    added = Development("added", day, kind, fold_name(name))
    more = replace(f, development=(*f.development, added))
    assert score_readiness(facts=more, target=t, policy=policy).score >= before


@given(case=cases(policies()), data=st.data())
@PROPERTY_SETTINGS
def test_adding_a_review_at_or_above_the_window_mean_never_lowers_the_score(case, data):
    f, t, policy = case
    before = score_readiness(facts=f, target=t, policy=policy).score
    mean = window_mean(f, policy)
    lowest = 1 if mean is None else math.ceil(mean)
    rating = data.draw(st.integers(lowest, 5))
    day = resolve(data.draw(DAYS), f.as_of, policy)
    more = replace(f, reviews=(*f.reviews, Review("added", day, rating)))
    assert score_readiness(facts=more, target=t, policy=policy).score >= before


@given(case=cases(policies()))
@PROPERTY_SETTINGS
def test_every_weak_part_and_missing_requirement_is_a_gap(case):
    f, t, policy = case
    result = score_readiness(facts=f, target=t, policy=policy)
    scores = {c.name: c.score for c in result.components}
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
    result = score_readiness(facts=f, target=t, policy=policy)
    scores = {c.name: c.score for c in result.components}

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
