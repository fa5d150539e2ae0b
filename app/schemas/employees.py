"""Employee shapes: a person, keyed by the caller's own `external_id`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from app.domain.history import Status
from app.schemas.common import InputModel, MoneyOut, text


class EmployeeCreate(InputModel):
    external_id: text(200) = Field(  # type: ignore[valid-type]
        description="The caller's own key for the person; unique in the organization."
    )
    display_name: text(200) | None = None  # type: ignore[valid-type]

    model_config = {
        "json_schema_extra": {"examples": [{"external_id": "E-1001", "display_name": "Ana Ruiz"}]}
    }


class EmployeeUpdate(InputModel):
    external_id: text(200) | None = None  # type: ignore[valid-type]
    display_name: text(200) | None = None  # type: ignore[valid-type]

    model_config = {"json_schema_extra": {"examples": [{"display_name": "Ana Ruiz-Lopez"}]}}

    @model_validator(mode="after")
    def _external_id_stays_set(self) -> EmployeeUpdate:
        if "external_id" in self.model_fields_set and self.external_id is None:
            raise ValueError("external_id cannot be null")
        return self


class Advancement(BaseModel):
    """Advancement at a glance: moves by kind and development, up to today."""

    promotions: int
    lateral_moves: int
    demotions: int
    trainings: int
    certifications: int
    skills: int
    months_in_current_role: int | None


class EmployeePublic(BaseModel):
    id: str
    external_id: str
    display_name: str | None
    created_at: datetime
    current_position_id: str | None
    current_salary: MoneyOut | None
    hired_on: date | None
    status: Status
    advancement: Advancement
