"""Assessment shapes: a readiness score frozen for a decision, and its human review."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.domain.readiness import Band
from app.schemas.common import Day, InputModel, Name, Note
from app.schemas.readiness import ReadinessPublic

Purpose = Literal["promotion_decision", "succession_review", "development_planning"]
Outcome = Literal["confirmed", "overridden"]


class AssessmentCreate(InputModel):
    target_position_id: str | None = Field(
        default=None, max_length=100, description="Omit for 'one level up'."
    )
    as_of: Day | None = Field(default=None, description="Score as of this day; today if omitted.")
    purpose: Purpose
    note: Note | None = None

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
    reason: Note
    reviewer: Name

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


class ReviewPublic(BaseModel):
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
    review: ReviewPublic | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "7c05a734-abbb-4745-a6d3-04e1589a1888",
                    "employee_id": "01a24a47-a32f-74f8-adaa-df13d5195292",
                    "target_position_id": None,
                    "as_of": "2026-06-30",
                    "purpose": "promotion_decision",
                    "note": None,
                    "created_at": "2026-12-06T07:35:48.527975Z",
                    "created_by": "b8d27804-a166-499b-be65-63ee88be66eb",
                    "policy_version": 1,
                    "readiness": {
                        "employee_id": "01a24a47-a32f-74f8-adaa-df13d5195292",
                        "target_position_id": None,
                        "as_of": "2026-06-30",
                        "score": 25.0,
                        "band": "ready_3_plus_years",
                        "components": [
                            {"name": "performance", "score": 0.0, "weight": 0.35, "evidence": []},
                            {"name": "leadership", "score": 0.0, "weight": 0.2, "evidence": []},
                            {"name": "development", "score": 0.0, "weight": 0.2, "evidence": []},
                            {
                                "name": "requirements",
                                "score": 100.0,
                                "weight": 0.15,
                                "evidence": [],
                            },
                            {
                                "name": "experience",
                                "score": 100.0,
                                "weight": 0.1,
                                "evidence": ["01a24a47-a32f-74f8-adaa-df0e4eff7e2e"],
                            },
                        ],
                        "gaps": [
                            {
                                "component": "performance",
                                "text": "No performance review in the last 24 months.",
                                "requirement": None,
                            }
                        ],
                        "next_steps": [
                            {
                                "component": "performance",
                                "action": "Ask for a performance review; one rated 5 (far "
                                "exceeds) counts most.",
                                "gain": 35.0,
                            }
                        ],
                        "move_type": "promotion",
                        "policy_version": 1,
                        "expiring": [],
                    },
                    "explanation": [
                        "Performance scores 0.0 of 100 (weight 0.35), from the mean rating of "
                        "performance reviews in the scoring window, backed by no event.",
                        "The total of 25.0 is under 50.0, so the band is ready_3_plus_years "
                        "(ready in three years or more).",
                    ],
                    "review": {
                        "outcome": "overridden",
                        "band": "ready_1_2_years",
                        "reason": "Ran the unit for six months; no reviews were recorded then.",
                        "reviewer": "Dana Whitfield",
                        "reviewed_at": "2026-12-06T07:35:49.692772Z",
                    },
                }
            ]
        }
    }
