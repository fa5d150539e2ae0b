"""Promotion readiness, part by part (SPEC section 5): the default policy, each component,
and the scoring window with `as_of`."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.domain.readiness import (
    DEFAULT_POLICY,
    LeadershipEvidence,
    Review,
    window_start,
)
from app.domain.values import Requirement
from tests.domain.readiness_builders import (
    AS_OF,
    CERT,
    DEVELOPMENT,
    EXPERIENCE,
    HUNDRED,
    LEADERSHIP,
    LONG_AGO,
    PERFORMANCE,
    REQUIREMENTS,
    SKILL,
    TRAINING,
    WINDOW_EDGE,
    activities,
    dev,
    evidence,
    facts,
    part,
    reviews,
    score,
    target,
    trainings,
)

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
