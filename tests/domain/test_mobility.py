"""Classifying a move between two positions, its pay delta, and how a person fits it."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.domain.mobility import (
    CurrencyMismatch,
    MoveType,
    PayBand,
    PersonalFit,
    PositionFacts,
    classify_levels,
    classify_move,
    compare_positions,
    midpoint_cents,
    new_requirements,
    pay_delta,
    personal_fit,
)
from app.domain.proofs import Standing
from app.domain.values import Money, Requirement, RequirementKind

CERT = RequirementKind.certification
SKILL = RequirementKind.skill
TRAINING = RequirementKind.training


def band(low: int, high: int, currency: str = "USD") -> PayBand:
    """Return a band from whole currency units, with the default midpoint."""
    low_cents, high_cents = low * 100, high * 100
    return PayBand(
        currency=currency,
        min_cents=low_cents,
        max_cents=high_cents,
        midpoint_cents=midpoint_cents(min_cents=low_cents, max_cents=high_cents),
    )


def position(pid: str, level: int, **overrides) -> PositionFacts:
    facts = PositionFacts(
        id=pid,
        code=pid.upper(),
        title=pid.title(),
        family="nursing",
        track="individual",
        level=level,
    )
    return replace(facts, **overrides)


LICENSE = Requirement(CERT, "RN License")
BLS = Requirement(TRAINING, "Basic Life Support")
NE_BC = Requirement(CERT, "NE-BC")

RN = PositionFacts(
    id="rn",
    code="RN",
    title="Registered Nurse",
    family="nursing",
    track="individual",
    level=3,
    pay_band=band(60_000, 80_000),
    requirements=(LICENSE, BLS),
)
RN_MANAGER = PositionFacts(
    id="rn-manager",
    code="RN-MGR",
    title="Registered Nurse Manager",
    family="nursing",
    track="management",
    level=4,
    pay_band=band(75_000, 95_000),
    requirements=(Requirement(CERT, "  rn license "), BLS, NE_BC),
)
TRIAGE_RN = PositionFacts(
    id="triage-rn",
    code="TRIAGE-RN",
    title="Triage Registered Nurse",
    family="nursing",
    track="individual",
    level=3,
    pay_band=band(60_000, 80_000),
    requirements=(LICENSE, BLS),
)


# --- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_level", "target_level", "expected"),
    [
        (3, 4, MoveType.promotion),
        (1, 30, MoveType.promotion),
        (3, 3, MoveType.lateral),
        (4, 3, MoveType.demotion),
        (30, 1, MoveType.demotion),
    ],
)
def test_levels_classify_the_move(source_level, target_level, expected):
    assert classify_levels(source_level=source_level, target_level=target_level) is expected
    source, target = position("a", source_level), position("b", target_level)
    assert classify_move(source=source, target=target) is expected
    assert compare_positions(source=source, target=target).move_type is expected


def test_same_position_is_no_move():
    rn = position("rn", 3)
    assert classify_move(source=rn, target=rn) is MoveType.none
    comparison = compare_positions(source=rn, target=rn)
    assert comparison.move_type is MoveType.none
    assert comparison.level_delta == 0
    assert comparison.summary == "Rn to Rn is the same position: no move."


def test_same_id_is_no_move_even_when_levels_differ():
    assert classify_move(source=position("x", 2), target=position("x", 5)) is MoveType.none


def test_move_type_words_match_the_api():
    assert [m.value for m in MoveType] == ["promotion", "lateral", "demotion", "none"]


@pytest.mark.parametrize(("source_level", "target_level"), [(3, 5), (5, 3), (3, 3), (1, 30)])
def test_level_delta_is_target_minus_source(source_level, target_level):
    comparison = compare_positions(
        source=position("a", source_level), target=position("b", target_level)
    )
    assert comparison.level_delta == target_level - source_level


def test_track_and_family_changes_are_reported():
    source = position("a", 3)
    same = compare_positions(source=source, target=position("b", 3))
    assert (same.track_change, same.family_change) == (False, False)
    track = compare_positions(source=source, target=position("b", 3, track="management"))
    assert (track.track_change, track.family_change) == (True, False)
    family = compare_positions(source=source, target=position("b", 3, family="pharmacy"))
    assert (family.track_change, family.family_change) == (False, True)


# --- pay --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(1, 2, 2), (1, 1, 1), (6_000_000, 8_000_000, 7_000_000), (100, 201, 151), (3, 6, 5)],
)
def test_midpoint_rounds_half_up_to_cents(low, high, expected):
    assert midpoint_cents(min_cents=low, max_cents=high) == expected


def test_pay_delta_compares_midpoints():
    pay = pay_delta(source=band(60_000, 80_000), target=band(75_000, 95_000))
    assert pay is not None
    assert pay.currency == "USD"
    assert pay.from_midpoint_cents == 7_000_000
    assert pay.to_midpoint_cents == 8_500_000
    assert pay.delta_cents == 1_500_000
    assert pay.delta_percent == Decimal("21.43")


def test_pay_delta_is_negative_for_a_lower_band():
    pay = pay_delta(source=band(75_000, 95_000), target=band(60_000, 80_000))
    assert pay is not None
    assert pay.delta_cents == -1_500_000
    assert pay.delta_percent == Decimal("-17.65")


def test_delta_percent_rounds_half_up_to_two_places():
    source = PayBand("USD", 800, 800, 800)
    target = PayBand("USD", 801, 801, 801)
    pay = pay_delta(source=source, target=target)
    assert pay is not None
    # 1 / 800 = 0.125 %: a tie, rounded up rather than to even.
    assert pay.delta_percent == Decimal("0.13")
    assert str(pay.delta_percent) == "0.13"


def test_delta_percent_has_exactly_two_places():
    pay = pay_delta(source=band(60_000, 80_000), target=band(60_000, 80_000))
    assert pay is not None
    assert pay.delta_cents == 0
    assert str(pay.delta_percent) == "0.00"


def test_delta_percent_is_none_when_source_midpoint_is_zero():
    pay = pay_delta(source=PayBand("USD", 0, 0, 0), target=band(1, 3))
    assert pay is not None
    assert pay.delta_cents == 200
    assert pay.delta_percent is None


@pytest.mark.parametrize(
    ("source", "target"), [(None, band(1, 2)), (band(1, 2), None), (None, None)]
)
def test_pay_is_none_when_a_band_is_missing(source, target):
    assert pay_delta(source=source, target=target) is None
    comparison = compare_positions(
        source=position("a", 1, pay_band=source), target=position("b", 2, pay_band=target)
    )
    assert comparison.pay is None


def test_bands_in_different_currencies_cannot_be_compared():
    with pytest.raises(CurrencyMismatch) as raised:
        pay_delta(source=band(60_000, 80_000, "USD"), target=band(60_000, 80_000, "EUR"))
    assert "USD" in str(raised.value) and "EUR" in str(raised.value)
    with pytest.raises(CurrencyMismatch):
        compare_positions(
            source=position("a", 1, pay_band=band(1, 2, "GBP")),
            target=position("b", 2, pay_band=band(1, 2, "USD")),
        )


def test_currency_mismatch_is_a_value_error():
    assert issubclass(CurrencyMismatch, ValueError)


# --- requirements -----------------------------------------------------------------------------


def test_new_requirements_match_by_kind_and_folded_name():
    source = (Requirement(CERT, "RN License"), Requirement(SKILL, "Triage"))
    target = (
        Requirement(CERT, "  rn LICENSE  "),
        Requirement(TRAINING, "Triage"),
        Requirement(SKILL, "TRIAGE"),
        Requirement(CERT, "NE-BC", mandatory=False),
    )
    assert new_requirements(source=source, target=target) == (
        Requirement(TRAINING, "Triage"),
        Requirement(CERT, "NE-BC", mandatory=False),
    )


def test_new_requirements_does_not_fold_inner_space():
    source = (Requirement(CERT, "NE BC"),)
    target = (Requirement(CERT, "NE  BC"),)
    assert new_requirements(source=source, target=target) == target


def test_new_requirements_keep_the_target_order_and_are_empty_when_nothing_is_new():
    target = (NE_BC, BLS, LICENSE)
    assert new_requirements(source=(), target=target) == target
    assert new_requirements(source=target, target=target) == ()
    assert new_requirements(source=target, target=()) == ()


# --- the registered-nurse example -------------------------------------------------------------


def test_rn_to_rn_manager_is_a_promotion_with_a_raise_and_a_new_certification():
    comparison = compare_positions(source=RN, target=RN_MANAGER)
    assert comparison.move_type is MoveType.promotion
    assert comparison.level_delta == 1
    assert comparison.track_change is True
    assert comparison.family_change is False
    assert comparison.pay is not None
    assert comparison.pay.from_midpoint_cents == 7_000_000
    assert comparison.pay.to_midpoint_cents == 8_500_000
    assert comparison.pay.delta_cents == 1_500_000  # +15000.00
    assert comparison.pay.delta_percent == Decimal("21.43")
    assert comparison.new_requirements == (NE_BC,)
    assert comparison.summary == (
        "Registered Nurse to Registered Nurse Manager is a promotion, 1 level up, "
        "with midpoint pay +15,000.00 USD (+21.43%); "
        'it additionally requires certification "NE-BC".'
    )


def test_rn_to_triage_rn_is_a_lateral_move_at_the_same_pay():
    comparison = compare_positions(source=RN, target=TRIAGE_RN)
    assert comparison.move_type is MoveType.lateral
    assert comparison.level_delta == 0
    assert (comparison.track_change, comparison.family_change) == (False, False)
    assert comparison.pay is not None
    assert comparison.pay.delta_cents == 0
    assert comparison.pay.delta_percent == Decimal("0.00")
    assert comparison.new_requirements == ()
    assert comparison.summary == (
        "Registered Nurse to Triage Registered Nurse is a lateral move at level 3, "
        "with the same midpoint pay."
    )


def test_rn_manager_back_to_rn_is_a_demotion_with_a_pay_cut():
    comparison = compare_positions(source=RN_MANAGER, target=RN)
    assert comparison.move_type is MoveType.demotion
    assert comparison.level_delta == -1
    assert comparison.pay is not None
    assert comparison.pay.delta_cents == -1_500_000
    assert comparison.pay.delta_percent == Decimal("-17.65")
    assert comparison.new_requirements == ()
    assert "a demotion, 1 level down" in comparison.summary
    assert "-15,000.00 USD (-17.65%)" in comparison.summary


def test_summary_counts_levels_and_names_optional_requirements():
    source = position("a", 2, title="Staff Nurse", pay_band=None)
    target = position(
        "b",
        5,
        title="Director of Nursing",
        pay_band=None,
        requirements=(Requirement(SKILL, "Budgeting", mandatory=False),),
    )
    up = compare_positions(source=source, target=target)
    assert up.summary == (
        "Staff Nurse to Director of Nursing is a promotion, 3 levels up; it additionally "
        'requires optional skill "Budgeting".'
    )
    down = compare_positions(source=target, target=source)
    assert down.summary == "Director of Nursing to Staff Nurse is a demotion, 3 levels down."


def test_summary_omits_the_percent_when_the_source_midpoint_is_zero():
    comparison = compare_positions(
        source=position("a", 1, title="Intern", pay_band=PayBand("USD", 0, 0, 0)),
        target=position("b", 2, title="Nurse", pay_band=band(10, 20)),
    )
    assert (
        comparison.summary
        == "Intern to Nurse is a promotion, 1 level up, with midpoint pay +15.00 USD."
    )


# --- personal fit -----------------------------------------------------------------------------


DAY = date(2026, 1, 15)


def achieved(*requirements: Requirement) -> dict[tuple[RequirementKind, str], Standing]:
    return {r.key: Standing(f"proof of {r.name}") for r in requirements}


def fit_of(**changes: Any) -> PersonalFit:
    """Return the fit of a nurse in RN earning USD 70,000 with every manager requirement, for
    the RN manager role on DAY; `changes` replace any of these."""
    case: dict[str, Any] = {
        "source": RN,
        "target": RN_MANAGER,
        "salary": Money(7_000_000, "USD"),
        "held_position_id": "rn",
        "standings": achieved(LICENSE, BLS, NE_BC),
        "as_of": DAY,
    }
    return personal_fit(**(case | changes))


def test_personal_fit_lists_every_target_requirement_as_met_or_missing():
    optional = Requirement(SKILL, "Budgeting", mandatory=False)
    target = replace(RN_MANAGER, requirements=(*RN_MANAGER.requirements, optional))
    fit = fit_of(target=target, standings=achieved(Requirement(CERT, "RN License"), BLS))
    assert fit.requirements_met == (Requirement(CERT, "  rn license "), BLS)
    assert fit.requirements_missing == (NE_BC, optional)
    assert [r.mandatory for r in fit.requirements_missing] == [True, False]
    assert "missing_mandatory_requirements" in fit.flags


def test_personal_fit_without_a_missing_mandatory_requirement_has_no_such_flag():
    optional = Requirement(SKILL, "Budgeting", mandatory=False)
    target = replace(TRIAGE_RN, requirements=(LICENSE, optional))
    fit = fit_of(target=target, standings=achieved(LICENSE))
    assert fit.requirements_met == (LICENSE,)
    assert fit.requirements_missing == (optional,)
    assert fit.flags == ("within_target_band",)


def test_rn_below_the_manager_band_needs_a_raise_to_its_minimum():
    fit = fit_of()
    assert fit.requirements_missing == ()
    assert fit.current_salary == Money(7_000_000, "USD")
    assert fit.raise_to_band_min_cents == 500_000  # 75000.00 - 70000.00
    assert fit.compa_ratio_before == Decimal("1.000")
    assert str(fit.compa_ratio_before) == "1.000"
    assert fit.compa_ratio_after == Decimal("0.824")  # 70000 / 85000 = 0.8235...
    assert fit.flags == ("below_target_band",)


@pytest.mark.parametrize(
    ("salary_cents", "raise_cents", "flag"),
    [
        (7_499_999, 1, "below_target_band"),
        (7_500_000, 0, "within_target_band"),
        (9_500_000, 0, "within_target_band"),
        (9_500_001, 0, "above_target_band"),
        (12_000_000, 0, "above_target_band"),
    ],
)
def test_raise_to_band_min_is_zero_once_the_salary_reaches_it(salary_cents, raise_cents, flag):
    fit = fit_of(salary=Money(salary_cents, "USD"))
    assert fit.raise_to_band_min_cents == raise_cents
    assert fit.flags == (flag,)


def test_compa_ratios_round_half_up_to_three_places():
    source = position("a", 1, pay_band=PayBand("USD", 2_000, 2_000, 2_000))
    target = position("b", 2, pay_band=PayBand("USD", 3_000, 3_000, 3_000))
    fit = fit_of(
        source=source, target=target, salary=Money(2_001, "USD"), held_position_id="a", standings={}
    )
    assert fit.compa_ratio_before == Decimal("1.001")  # 1.0005 rounds up
    assert fit.compa_ratio_after == Decimal("0.667")  # 0.667
    assert fit.raise_to_band_min_cents == 999


def test_person_outside_the_from_position_is_flagged():
    fit = fit_of(salary=Money(6_300_000, "USD"), held_position_id="triage-rn")
    assert fit.flags == ("not_in_from_position", "below_target_band")
    assert fit.compa_ratio_before == Decimal("0.900")
    assert fit.compa_ratio_after == Decimal("0.741")
    assert fit.raise_to_band_min_cents == 1_200_000


def test_person_not_employed_is_flagged_as_not_employed_and_not_in_from_position():
    fit = fit_of(salary=None, held_position_id=None, standings={})
    assert fit.flags == (
        "not_employed",
        "not_in_from_position",
        "missing_mandatory_requirements",
        "no_salary",
    )


def test_no_salary_leaves_ratios_and_raise_empty():
    fit = fit_of(salary=None)
    assert fit.current_salary is None
    assert fit.raise_to_band_min_cents is None
    assert (fit.compa_ratio_before, fit.compa_ratio_after) == (None, None)
    assert fit.flags == ("no_salary",)


def test_salary_in_another_currency_than_the_target_band_leaves_that_ratio_empty():
    target = replace(RN_MANAGER, pay_band=band(75_000, 95_000, "EUR"))
    fit = fit_of(target=target)
    assert fit.compa_ratio_before == Decimal("1.000")
    assert fit.compa_ratio_after is None
    assert fit.raise_to_band_min_cents is None
    assert fit.flags == ("currency_mismatch",)


def test_salary_in_another_currency_than_both_bands_leaves_both_ratios_empty():
    fit = fit_of(salary=Money(7_000_000, "EUR"))
    assert (fit.compa_ratio_before, fit.compa_ratio_after) == (None, None)
    assert fit.raise_to_band_min_cents is None
    assert fit.flags == ("currency_mismatch",)


def test_missing_bands_leave_ratios_and_raise_empty_without_flags():
    fit = fit_of(source=replace(RN, pay_band=None), target=replace(RN_MANAGER, pay_band=None))
    assert (fit.compa_ratio_before, fit.compa_ratio_after) == (None, None)
    assert fit.raise_to_band_min_cents is None
    assert fit.flags == ()
