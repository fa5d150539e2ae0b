"""Employee shapes: a person, keyed by the caller's own `external_id`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from app.domain.history import Status
from app.schemas.common import ExternalId, InputModel, MoneyPublic, Name, omissible, refuse_null


class EmployeeCreate(InputModel):
    external_id: ExternalId = Field(
        description="The caller's own key for the person; unique in the organization."
    )
    display_name: Name | None = None

    model_config = {
        "json_schema_extra": {"examples": [{"external_id": "E-1001", "display_name": "Ana Ruiz"}]}
    }


class EmployeeUpdate(InputModel):
    # May be left out but not set to null: the schema does not offer null.
    external_id: ExternalId | None = omissible()
    display_name: Name | None = None

    model_config = {"json_schema_extra": {"examples": [{"display_name": "Ana Ruiz-Lopez"}]}}

    _external_id_stays_set = field_validator("external_id")(refuse_null)


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
    current_salary: MoneyPublic | None
    hired_on: date | None
    status: Status
    advancement: Advancement
