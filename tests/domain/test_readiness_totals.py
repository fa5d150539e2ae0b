"""Promotion readiness as a whole (SPEC section 5): the worked example, the weighted total
and its rounding, the bands, and the gaps and next steps."""

from datetime import date
from decimal import Decimal

import pytest

from app.domain.mobility import MoveType
from app.domain.readiness import (
    DEFAULT_POLICY,
    Band,
    Facts,
    Gap,
    LeadershipEvidence,
    Review,
    Target,
    score_readiness,
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
    facts,
    only,
    part,
    reviews,
    score,
    target,
    trainings,
)

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
