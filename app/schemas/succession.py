"""Succession planning shapes: named successors, their history, the nine-box grid and
coverage of the critical positions (SPEC 12)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool, field_validator

from app.domain.readiness import Band
from app.domain.succession import BenchStrength
from app.domain.talent import Tier
from app.schemas.common import WHOLE, InputModel, Note, ResourceId, omissible, refuse_null

Rank = Annotated[
    int, Field(ge=1, le=1000, description="1 is the first choice; unranked lists last."), WHOLE
]


class SuccessorCreate(InputModel):
    employee_id: ResourceId
    rank: Rank | None = None
    emergency: StrictBool = Field(
        default=False, description="Could step in at once if the incumbent left tomorrow."
    )
    readiness_override: Band | None = Field(
        default=None, description="The band people decided on; the computed band stays beside it."
    )
    note: Note | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "employee_id": "8b2e1c40-0000-4000-8000-000000000000",
                    "rank": 1,
                    "emergency": True,
                    "readiness_override": "ready_now",
                    "note": "Covered the unit for six weeks in 2025.",
                }
            ]
        }
    }


class SuccessorUpdate(InputModel):
    """Fields to change; null clears `rank`, `readiness_override` and `note`."""

    rank: Rank | None = None
    emergency: StrictBool | None = omissible()
    readiness_override: Band | None = None
    note: Note | None = None

    model_config = {"json_schema_extra": {"examples": [{"rank": 2, "readiness_override": None}]}}

    _stays_set = field_validator("emergency")(refuse_null)


class Computed(BaseModel):
    score: float = Field(ge=0, le=100)
    band: Band


class SuccessorPublic(BaseModel):
    id: str
    position_id: str
    employee_id: str
    rank: int | None
    emergency: bool
    readiness_override: Band | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    computed: Computed | None = Field(
        description="Readiness for the position today, as GET readiness scores it; null "
        "when the person is not employed today."
    )
    effective_band: Band | None = Field(
        description="`readiness_override` when set, else the computed band."
    )


class SuccessorChangePublic(BaseModel):
    at: datetime
    key_id: str = Field(description="The API key that made the change.")
    changes: dict[str, list[Any]] = Field(
        description="Each field changed: [before, after]; the creation lists every field "
        "from null.",
        examples=[{"rank": [2, 1], "readiness_override": [None, "ready_now"]}],
    )


class CellPublic(BaseModel):
    performance: Tier
    potential: Tier
    count: int
    employee_ids: list[str] = Field(description="The first 100, in id order.")


class GridPublic(BaseModel):
    as_of: date
    cells: list[CellPublic] = Field(description="All nine, high potential first.")
    unrated: int = Field(
        description="People active on `as_of` without a review in the window or without "
        "a talent review."
    )


class CoverageItem(BaseModel):
    position_id: str
    code: str
    incumbents: int
    named_successors: int
    ready_now_named: int = Field(description="Named successors whose effective band is ready_now.")
    ready_now_computed: int = Field(description="People ready now on the slate.")
    bench_strength: BenchStrength
    high_risk_incumbents: int = Field(
        description="Incumbents whose latest talent review says risk_of_loss high."
    )


class CoverageSummaryPublic(BaseModel):
    critical_positions: int
    without_ready_now_successor: int
    high_risk_incumbents_without_successor: int = Field(
        description="High-risk incumbents of critical positions that have no named successor."
    )


class CoveragePublic(BaseModel):
    as_of: date
    items: list[CoverageItem]
    summary: CoverageSummaryPublic
