"""Comparison shapes: what kind of move A -> B is, optionally for one person."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from app.domain.mobility import MoveType
from app.schemas.common import AmountOut, MoneyPublic
from app.schemas.positions import PositionSummary, RequirementPublic


class PayComparison(BaseModel):
    currency: str
    from_midpoint: AmountOut
    to_midpoint: AmountOut
    delta: AmountOut
    delta_percent: float | None = Field(description="2 decimals; null when from_midpoint is 0.")


class ComparisonPublic(BaseModel):
    from_position: PositionSummary
    to_position: PositionSummary
    move_type: MoveType
    level_delta: int
    track_change: bool
    family_change: bool
    pay: PayComparison | None = Field(description="Null when either band is missing.")
    new_requirements: list[RequirementPublic]
    summary: str
    employee_id: str | None = None
    requirements_met: list[RequirementPublic] | None = None
    requirements_missing: list[RequirementPublic] | None = None
    current_salary: MoneyPublic | None = None
    raise_to_band_min: AmountOut | None = Field(
        default=None,
        description="What it takes to reach the target band minimum; 0.00 if already there.",
    )
    compa_ratio_before: float | None = None
    compa_ratio_after: float | None = None
    flags: list[str] | None = Field(
        default=None,
        description=(
            "Plain words: below_target_band, within_target_band, above_target_band, "
            "not_in_from_position, not_employed, no_salary, currency_mismatch, "
            "missing_mandatory_requirements, certification_expiring (a certification behind "
            "a met requirement expires within 90 days)."
        ),
    )


def as_float(value: Decimal | None) -> float | None:
    """Return a decimal ratio or percentage as a JSON number."""
    return None if value is None else float(value)
