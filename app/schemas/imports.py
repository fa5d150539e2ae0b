"""Bulk import shapes: one NDJSON line per career event, and the report."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.domain.history import EventType
from app.schemas.common import Day, InputModel, MoneyIn, text
from app.schemas.events import RatingIn


class ImportLine(InputModel):
    """One line of an import file (SPEC section 9)."""

    employee_external_id: text(200)  # type: ignore[valid-type]
    employee_display_name: text(200) | None = None  # type: ignore[valid-type]
    type: EventType
    occurred_on: Day
    position_code: text(100) | None = None  # type: ignore[valid-type]
    salary: MoneyIn | None = None
    rating: RatingIn | None = None
    name: text(300) | None = None  # type: ignore[valid-type]
    description: text(2000) | None = None  # type: ignore[valid-type]
    event_key: text(200) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Your key for the event; a second import of the same key adds nothing. "
        "Without one, a hash of the line's content serves.",
    )


class ImportError_(BaseModel):
    line: int
    field: str
    message: str


class ImportReport(BaseModel):
    lines: int = Field(description="Lines read (blank lines are not counted).")
    created: int = Field(description="Events recorded.")
    duplicates: int = Field(description="Lines whose event was imported before: skipped.")
    rejected: int = Field(description="Lines rejected; the first 1,000 are listed in `errors`.")
    errors: list[ImportError_]
