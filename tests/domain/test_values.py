"""Money, names and calendar arithmetic shared by the domain modules."""

import calendar
from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.values import (
    EVENT_TYPE_FOR_KIND,
    KIND_FOR_EVENT_TYPE,
    Money,
    Requirement,
    RequirementKind,
    cents_to_decimal,
    decimal_to_cents,
    fold_name,
    round_half_up,
    shift_months,
    whole_months_between,
)

DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 2, 29), -24, date(2022, 2, 28)),
        (date(2024, 2, 29), -48, date(2020, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
        (date(2024, 6, 30), -24, date(2022, 6, 30)),
        (date(2024, 6, 30), 0, date(2024, 6, 30)),
        (date(2024, 5, 31), -15, date(2023, 2, 28)),
    ],
)
def test_shift_months_keeps_the_day_clamped_to_the_month_end(day, months, expected):
    assert shift_months(day, months) == expected


@given(day=DATES, months=st.integers(min_value=-240, max_value=240))
@settings(max_examples=200, deadline=None)
def test_shift_months_agrees_with_relativedelta(day, months):
    shifted = shift_months(day, months)
    assert shifted == day + relativedelta(months=months)
    assert (shifted.year * 12 + shifted.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(shifted.year, shifted.month)[1]
    assert shifted.day == min(day.day, last)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 1, 15), date(2024, 1, 15), 0),
        (date(2024, 1, 15), date(2024, 2, 14), 0),
        (date(2024, 1, 15), date(2024, 2, 15), 1),
        (date(2024, 1, 15), date(2024, 3, 14), 1),
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2023, 1, 31), date(2023, 3, 1), 1),
        (date(2023, 9, 15), date(2024, 6, 30), 9),
        (date(2022, 2, 28), date(2024, 2, 29), 24),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2020, 6, 30), date(2024, 6, 29), 47),
        (date(2024, 6, 30), date(2024, 1, 1), 0),
    ],
)
def test_whole_months_between_rounds_down(start, end, expected):
    assert whole_months_between(start, end) == expected


@given(start=DATES, end=DATES)
@settings(max_examples=200, deadline=None)
def test_whole_months_between_agrees_with_relativedelta(start, end):
    months = whole_months_between(start, end)
    if end <= start:
        assert months == 0
    else:
        delta = relativedelta(end, start)
        assert months == delta.years * 12 + delta.months
        assert shift_months(start, months) <= end < shift_months(start, months + 1)


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("BLS", "bls"),
        ("  Basic Life Support\t\n", "basic life support"),
        ("Basic  Life", "basic  life"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_fold_name_ignores_case_and_surrounding_space_only(name, folded):
    assert fold_name(name) == folded


def test_requirement_key_is_kind_and_folded_name():
    req = Requirement(RequirementKind.certification, "  Nurse Executive ")
    assert req.mandatory is True
    assert req.key == (RequirementKind.certification, "nurse executive")
    assert req.key == ("certification", "nurse executive")
    assert Requirement(RequirementKind.skill, "NURSE EXECUTIVE").key != req.key


def test_every_requirement_kind_has_one_proving_event_type():
    assert EVENT_TYPE_FOR_KIND == {
        RequirementKind.certification: "certification_earned",
        RequirementKind.skill: "skill_acquired",
        RequirementKind.training: "training_completed",
    }
    assert {KIND_FOR_EVENT_TYPE[t]: t for t in KIND_FOR_EVENT_TYPE} == EVENT_TYPE_FOR_KIND


def test_money_amount_has_two_places():
    assert Money(8_500_000, "USD").amount == Decimal("85000.00")
    assert str(Money(8_500_000, "USD").amount) == "85000.00"
    assert str(Money(5, "EUR").amount) == "0.05"


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (1, "0.01"), (10, "0.10"), (123_456, "1234.56")]
)
def test_cents_to_decimal_has_two_places(cents, text):
    assert str(cents_to_decimal(cents)) == text


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("85000", 8_500_000), ("85000.100", 8_500_010), ("0.01", 1), ("12.5", 1250)],
)
def test_decimal_to_cents_converts_exactly(amount, cents):
    assert decimal_to_cents(Decimal(amount)) == cents


@pytest.mark.parametrize(
    ("value", "quantum", "expected"),
    [
        ("0.05", "0.1", "0.1"),
        ("0.25", "0.1", "0.3"),
        ("41.25", "0.1", "41.3"),
        ("41.249", "0.1", "41.2"),
        ("0.0005", "0.001", "0.001"),
        ("0.125", "0.01", "0.13"),
    ],
)
def test_round_half_up_rounds_ties_up_not_to_even(value, quantum, expected):
    assert round_half_up(Decimal(value), Decimal(quantum)) == Decimal(expected)
