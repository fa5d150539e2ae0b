"""Assessment shapes: a readiness score frozen for a decision, and its human review."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.domain.readiness import Band
from app.schemas.common import Day, InputModel, text
from app.schemas.readiness import ReadinessPublic

Purpose = Literal["promotion_decision", "succession_review", "development_planning"]
Outcome = Literal["confirmed", "overridden"]


class AssessmentCreate(InputModel):
    target_position_id: str | None = Field(
        default=None, max_length=100, description="Omit for 'one level up'."
    )
    as_of: Day | None = Field(default=None, description="Score as of this day; today if omitted.")
    purpose: Purpose
    note: text(2000) | None = None  # type: ignore[valid-type]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "target_position_id": "5d1c2b8e-8f0e-4c3b-9d51-7f3f0f2b6a20",
                    "purpose": "promotion_decision",
                    "note": "Q4 promotion round",
                }
            ]
        }
    }


class ReviewCreate(InputModel):
    outcome: Outcome
    band: Band | None = Field(
        default=None, description="Required to override; must differ from the computed band."
    )
    reason: text(2000)  # type: ignore[valid-type]
    reviewer: text(200)  # type: ignore[valid-type]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "outcome": "overridden",
                    "band": "ready_now",
                    "reason": "Led the unit through the accreditation audit; reviews lag.",
                    "reviewer": "Dana Whitfield, Director of Nursing",
                }
            ]
        }
    }


class ReviewOut(BaseModel):
    outcome: Outcome
    band: Band = Field(description="The band decided: the computed one when confirmed.")
    reason: str
    reviewer: str
    reviewed_at: datetime


class AssessmentPublic(BaseModel):
    id: str
    employee_id: str
    target_position_id: str | None
    as_of: date
    purpose: Purpose
    note: str | None
    created_at: datetime
    created_by: str = Field(description="The id of the API key that made it.")
    policy_version: int
    readiness: ReadinessPublic = Field(description="The readiness as served, frozen.")
    explanation: list[str] = Field(
        description="Plain sentences: one per component, one for the band."
    )
    review: ReviewOut | None
