"""Career event shapes. Events are append-only: corrections void, never edit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.domain.history import EventType
from app.domain.talent import LossLevel
from app.domain.values import MAX_SKILL_LEVEL, MIN_SKILL_LEVEL
from app.schemas.common import (
    WHOLE,
    Day,
    EventName,
    InputModel,
    MoneyIn,
    MoneyPublic,
    Note,
    ResourceId,
    VoidReason,
)

RatingIn = Annotated[int, Field(ge=1, le=5), WHOLE]
SkillLevel = Annotated[int, Field(ge=MIN_SKILL_LEVEL, le=MAX_SKILL_LEVEL), WHOLE]
PotentialIn = Annotated[
    int, Field(ge=1, le=3, description="Talent reviews: 1 low, 2 moderate, 3 high."), WHOLE
]


class EventCreate(InputModel):
    type: EventType
    occurred_on: Day
    position_id: ResourceId | None = None
    salary: MoneyIn | None = None
    rating: RatingIn | None = Field(
        default=None, description="1..5: 3 meets, 4 exceeds, 5 far exceeds."
    )
    name: EventName | None = None
    description: Note | None = None
    level: SkillLevel | None = Field(
        default=None, description="`skill_acquired` only: 1..5; without one the skill is level 1."
    )
    expires_on: Day | None = Field(
        default=None,
        description="`certification_earned` only: the first day it no longer counts (after "
        "`occurred_on`); without one it never expires.",
    )
    potential: PotentialIn | None = None
    risk_of_loss: LossLevel | None = None
    impact_of_loss: LossLevel | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": "position_change",
                    "occurred_on": "2025-03-01",
                    "position_id": "3f0c8a52-0000-4000-8000-000000000000",
                    "salary": {"amount": "82000.00", "currency": "USD"},
                },
                {
                    "type": "certification_earned",
                    "occurred_on": "2025-06-15",
                    "name": "CEN",
                    "expires_on": "2029-06-15",
                },
                {
                    "type": "skill_acquired",
                    "occurred_on": "2025-09-01",
                    "name": "Triage",
                    "level": 3,
                },
                {"type": "performance_review", "occurred_on": "2025-12-01", "rating": 4},
                {
                    "type": "talent_review",
                    "occurred_on": "2025-12-01",
                    "potential": 3,
                    "risk_of_loss": "high",
                },
            ]
        }
    }


class EventVoid(InputModel):
    reason: VoidReason

    model_config = {
        "json_schema_extra": {"examples": [{"reason": "Recorded twice by the HR sync"}]}
    }


class EventPublic(BaseModel):
    id: str
    employee_id: str
    type: EventType
    occurred_on: date
    recorded_at: datetime
    position_id: str | None
    salary: MoneyPublic | None
    rating: int | None
    name: str | None
    description: str | None
    level: int | None = Field(description="Skills: 1..5 (1 when recorded without one).")
    expires_on: date | None = Field(description="Certifications: null when it never expires.")
    classification: str | None
    voided_at: datetime | None
    void_reason: str | None
    potential: int | None
    risk_of_loss: LossLevel | None
    impact_of_loss: LossLevel | None
