"""The person's view (SPEC 11): opportunities ranked for one person, and what-if readiness."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from app.domain.mobility import MoveType
from app.domain.readiness import Band
from app.schemas.common import Day, InputModel, ResourceId
from app.schemas.positions import RequirementPublic
from app.schemas.readiness import ReadinessPublic

MAX_WHAT_IF_EVENTS = 50


class MoveFilter(StrEnum):
    """The moves opportunities may be filtered to (the position held is never listed)."""

    promotion = "promotion"
    lateral = "lateral"
    demotion = "demotion"


class OpportunityPublic(BaseModel):
    position_id: str
    code: str
    title: str
    family: str
    level: int
    move_type: MoveType
    score: float = Field(ge=0, le=100, description="What GET readiness answers for it.")
    band: Band
    requirements_missing: list[RequirementPublic]
    pay_delta_percent: float | None = Field(
        description="(target band midpoint - current salary) / salary x 100, 2 decimals; "
        "null without a band or a salary, or in another currency."
    )


# Each event is read as `EventCreate` by the service, one at a time, so that a bad one is
# named `events[i].<field>`; the schema says what each must be.
WhatIfEvents = Annotated[
    list[Any],
    Field(max_length=MAX_WHAT_IF_EVENTS),
    WithJsonSchema(
        {
            "type": "array",
            "maxItems": MAX_WHAT_IF_EVENTS,
            "items": {"$ref": "#/components/schemas/EventCreate"},
            "description": "Up to 50 events, each as POST /employees/{id}/events takes it.",
        }
    ),
]


class WhatIfRequest(InputModel):
    target_position_id: ResourceId | None = Field(
        default=None, description="Omit for 'one level up'."
    )
    as_of: Day | None = Field(default=None, description="Today (UTC) if omitted.")
    events: WhatIfEvents = Field(default_factory=list)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "target_position_id": "3f0c8a52-0000-4000-8000-000000000000",
                    "events": [
                        {
                            "type": "certification_earned",
                            "occurred_on": "2026-01-10",
                            "name": "Nurse Executive (NE-BC)",
                        }
                    ],
                }
            ]
        }
    }


class WhatIfPublic(ReadinessPublic):
    baseline_score: float | None = Field(
        description="The score without the events; null when the person is not employed "
        "on that day without them."
    )
    delta: float | None = Field(description="score - baseline_score.")
