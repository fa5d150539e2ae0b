"""Readiness shapes: a 0-100 score with its parts, evidence, gaps and next steps."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.domain.mobility import MoveType
from app.domain.readiness import Band, Component
from app.schemas.positions import RequirementPublic


class ComponentPublic(BaseModel):
    name: Component
    score: float = Field(ge=0, le=100)
    weight: float
    evidence: list[str] = Field(description="IDs of the events behind this part.")


class GapPublic(BaseModel):
    component: Component
    text: str
    requirement: RequirementPublic | None = None
    level_held: int | None = Field(
        default=None, description="A skill held below the level asked for: the level held."
    )
    level_needed: int | None = Field(
        default=None, description="A skill held below the level asked for: the level needed."
    )
    expired_on: date | None = Field(
        default=None, description="An expired certification: the day it expired."
    )


class ExpiringPublic(BaseModel):
    name: str
    expires_on: date


class NextStepPublic(BaseModel):
    component: Component
    action: str
    gain: float = Field(description="Points of total score this step would add.")


class ReadinessPublic(BaseModel):
    employee_id: str
    target_position_id: str | None
    as_of: date
    score: float = Field(ge=0, le=100)
    band: Band
    components: list[ComponentPublic]
    gaps: list[GapPublic]
    next_steps: list[NextStepPublic]
    move_type: MoveType
    policy_version: int
    expiring: list[ExpiringPublic] = Field(
        default_factory=list,
        description="Certifications behind met requirements that expire within 90 days "
        "after `as_of`, soonest first.",
    )


class CandidatePublic(BaseModel):
    employee_id: str
    external_id: str
    display_name: str | None
    score: float = Field(ge=0, le=100)
    band: Band
    move_type: MoveType
    requirements_missing: list[RequirementPublic]


class PathPublic(BaseModel):
    to_position_id: str
    to_position_code: str
    count: int
    share: float = Field(ge=0, le=1)
    median_months_before_move: float | None
    median_pay_change_percent: float | None
    classification: MoveType | None


class RoutePublic(BaseModel):
    positions: list[str] = Field(
        description="Position IDs in the order held, from the first to the last."
    )
    count: int = Field(description="People who took this route (each once).")
    median_months: float = Field(
        description="Median whole months from taking up the first position to the last."
    )
