"""Position shapes: a role in the organization's job architecture."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from app.domain.values import MAX_SKILL_LEVEL, MIN_SKILL_LEVEL, RequirementKind
from app.schemas.common import (
    WHOLE,
    AmountIn,
    AmountOut,
    Code,
    Currency,
    Family,
    InputModel,
    Name,
    Title,
    omissible,
    refuse_null,
)


class Track(StrEnum):
    individual = "individual"
    management = "management"


Level = Annotated[int, Field(ge=1, le=30, description="1..30; higher is more senior."), WHOLE]
MinMonths = Annotated[int, Field(ge=0, le=600), WHOLE]


class PayBandIn(InputModel):
    currency: Currency
    min: AmountIn
    max: AmountIn
    midpoint: AmountIn | None = Field(
        default=None, description="Defaults to (min + max) / 2, rounded half-up to cents."
    )

    @model_validator(mode="after")
    def _ordered(self) -> PayBandIn:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        if self.midpoint is not None and not self.min <= self.midpoint <= self.max:
            raise ValueError("midpoint must lie between min and max")
        return self


class PayBandPublic(BaseModel):
    currency: str
    min: AmountOut
    max: AmountOut
    midpoint: AmountOut


class RequirementIn(InputModel):
    kind: RequirementKind
    name: Name
    mandatory: bool = Field(default=True, strict=True)  # true or false, not 0 or "yes"
    min_level: Annotated[int, Field(ge=MIN_SKILL_LEVEL, le=MAX_SKILL_LEVEL), WHOLE] | None = Field(
        default=None,
        description="Skills only: the least level (1..5) that meets it; omit for any level.",
    )

    @field_validator("min_level")
    @classmethod
    def _skills_only(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("kind") not in (None, RequirementKind.skill):
            raise ValueError("only a skill requirement takes a min_level")
        return value


class RequirementPublic(BaseModel):
    kind: RequirementKind
    name: str
    mandatory: bool
    min_level: int | None = Field(
        default=None, description="Skills only, and only when the requirement sets one."
    )

    # Unannotated return on purpose: pydantic then keeps the model's own JSON schema.
    @model_serializer(mode="wrap")
    def _without_unset_level(self, handler: SerializerFunctionWrapHandler):
        # A requirement without a level reads as it did before levels existed.
        data: dict[str, Any] = handler(self)
        if data.get("min_level") is None:
            data.pop("min_level", None)
        return data


Requirements = Annotated[list[RequirementIn], Field(max_length=100)]


class PositionCreate(InputModel):
    code: Code
    title: Title
    family: Family
    track: Track
    level: Level
    pay_band: PayBandIn | None = None
    requirements: Requirements = Field(default_factory=list)
    min_months_in_role: MinMonths | None = Field(
        default=None, description="Null means not set: the scoring policy's default applies."
    )
    critical: bool = Field(
        default=False,
        strict=True,
        description="A position the organization cannot leave empty for long: succession "
        "coverage reports on it.",
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "RN-MGR",
                    "title": "Registered Nurse Manager",
                    "family": "Nursing",
                    "track": "management",
                    "level": 4,
                    "pay_band": {"currency": "USD", "min": "75000", "max": "95000"},
                    "requirements": [{"kind": "certification", "name": "Nurse Executive (NE-BC)"}],
                    "min_months_in_role": 18,
                }
            ]
        }
    }


class PositionUpdate(InputModel):
    """Fields to change; `pay_band` and `requirements` are replaced whole."""

    # Required fields may be left out but not set to null: the schema does not offer null.
    code: Code | None = omissible()
    title: Title | None = omissible()
    family: Family | None = omissible()
    track: Track | None = omissible()
    level: Level | None = omissible()
    pay_band: PayBandIn | None = None
    requirements: Requirements | None = None
    min_months_in_role: MinMonths | None = None
    critical: StrictBool | None = omissible()

    model_config = {
        "json_schema_extra": {"examples": [{"title": "Charge Nurse", "min_months_in_role": 12}]}
    }

    _required_stay_set = field_validator("code", "title", "family", "track", "level", "critical")(
        refuse_null
    )


class PositionSummary(BaseModel):
    id: str
    code: str
    title: str
    family: str
    track: Track
    level: int


class PositionPublic(PositionSummary):
    pay_band: PayBandPublic | None
    requirements: list[RequirementPublic]
    min_months_in_role: int | None
    critical: bool
    created_at: datetime
    updated_at: datetime
    version: int
