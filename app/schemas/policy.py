"""Scoring policy shapes: weights, window, saturation points and band thresholds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, model_validator
from pydantic.json_schema import JsonDict

from app.schemas.common import NUMBER, WHOLE, InputModel

Weight = Annotated[float, Field(ge=0, le=1), NUMBER]

# Version 1, the policy every organization starts with, as a caller writes it: the one
# example of a policy body, also shown (as the service answers it) for `PolicyPublic`.
DEFAULT_POLICY_EXAMPLE: JsonDict = {
    "weights": {
        "performance": 0.35,
        "leadership": 0.2,
        "development": 0.2,
        "requirements": 0.15,
        "experience": 0.1,
    },
    "window_months": 24,
    "saturation": {"leadership": 3, "development": 4},
    "thresholds": {"ready_now": 75, "ready_1_2_years": 50},
    "default_min_months_in_role": 12,
}


class Weights(InputModel):
    performance: Weight
    leadership: Weight
    development: Weight
    requirements: Weight
    experience: Weight

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = sum((Decimal(str(w)) for w in self.model_dump().values()), Decimal(0))
        if abs(total - 1) > Decimal("0.001"):
            raise ValueError(f"weights must sum to 1 (they sum to {total})")
        return self


class Saturation(InputModel):
    leadership: Annotated[
        int, Field(ge=1, le=1000, description="Activities that score 100."), WHOLE
    ]
    development: Annotated[
        int, Field(ge=1, le=1000, description="Trainings etc. that score 100."), WHOLE
    ]


class Thresholds(InputModel):
    ready_now: Annotated[float, Field(ge=0, le=100), NUMBER]
    ready_1_2_years: Annotated[float, Field(ge=0, le=100), NUMBER]

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.ready_1_2_years > self.ready_now:
            raise ValueError("thresholds must be ordered: ready_1_2_years <= ready_now")
        return self


class PolicyBody(InputModel):
    weights: Weights
    window_months: Annotated[int, Field(ge=1, le=240), WHOLE]
    saturation: Saturation
    thresholds: Thresholds
    default_min_months_in_role: Annotated[int, Field(ge=0, le=600), WHOLE]

    model_config = {"json_schema_extra": {"examples": [DEFAULT_POLICY_EXAMPLE]}}


class PolicyPublic(BaseModel):
    version: int
    weights: Weights
    window_months: int
    saturation: Saturation
    thresholds: Thresholds
    default_min_months_in_role: int
    created_at: datetime
