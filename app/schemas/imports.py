"""Bulk import shapes: one NDJSON line per career event, and the report."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from app.domain.history import EventType
from app.domain.talent import LossLevel
from app.schemas.common import (
    BAD_TEXT,
    Code,
    Day,
    EventName,
    ExternalId,
    InputModel,
    MoneyIn,
    Name,
    Note,
)
from app.schemas.events import PotentialIn, RatingIn, SkillLevel


class ImportLine(InputModel):
    """One line of an import file (SPEC section 9)."""

    employee_external_id: ExternalId
    employee_display_name: Name | None = None
    type: EventType
    occurred_on: Day
    position_code: Code | None = None
    salary: MoneyIn | None = None
    rating: RatingIn | None = None
    name: EventName | None = None
    description: Note | None = None
    level: SkillLevel | None = Field(default=None, description="`skill_acquired`: 1..5.")
    expires_on: Day | None = Field(
        default=None, description="`certification_earned`: the first day it no longer counts."
    )
    potential: PotentialIn | None = None
    risk_of_loss: LossLevel | None = None
    impact_of_loss: LossLevel | None = None
    event_key: ExternalId | None = Field(
        default=None,
        description="Your key for the event; a second import of the same key adds nothing. "
        "Without one, a hash of the line's content serves.",
    )


def _text_limits() -> tuple[tuple[str, int], ...]:
    """Return each text field of `ImportLine` with its greatest length, as its schema says."""
    limits = []
    for name, prop in ImportLine.model_json_schema()["properties"].items():
        for branch in prop.get("anyOf", [prop]):
            if branch.get("type") == "string" and "maxLength" in branch:
                limits.append((name, int(branch["maxLength"])))
    return tuple(limits)


TEXT_LIMITS = _text_limits()
EVENT_TYPE_NAMES = frozenset(t.value for t in EventType)


class PlainImportLine(InputModel):
    """`ImportLine` for the importer's quick path, a fast twin of it: the texts are plain
    strings, and a line passes only when each is already as `ImportLine` would leave it
    (trimmed, not blank, no control characters, not too long), so what passes reads the
    same either way. A line that fails here is read again with `ImportLine`, whose error
    the report gives. `type` stays the plain name (an enum member hashes in Python; the
    importer looks the type up a few times).

    Why a twin: `ImportLine` runs four Python validators on each text field, this one check
    for the whole line, which matters at import sizes (see bench/profile_notes.md,
    "Import"). `tests/test_import_line_twins.py` is its equivalence test.
    """

    employee_external_id: str
    employee_display_name: str | None = None
    type: str
    occurred_on: Day
    position_code: str | None = None
    salary: MoneyIn | None = None
    rating: RatingIn | None = None
    name: str | None = None
    description: str | None = None
    level: SkillLevel | None = None
    expires_on: Day | None = None
    potential: PotentialIn | None = None
    risk_of_loss: LossLevel | None = None
    impact_of_loss: LossLevel | None = None
    event_key: str | None = None

    @model_validator(mode="after")
    def _texts_as_they_would_be_kept(self) -> Self:
        values: dict[str, Any] = self.__dict__
        if values["type"] not in EVENT_TYPE_NAMES:
            raise ValueError("type needs the full check")
        for name, most in TEXT_LIMITS:
            value = values[name]
            if value is not None and not (
                0 < len(value) <= most and value.strip() == value and not BAD_TEXT.search(value)
            ):
                raise ValueError(f"{name} needs the full check")
        return self


class ImportLineError(BaseModel):
    line: int
    field: str
    message: str


class ImportReport(BaseModel):
    lines: int = Field(description="Lines read (blank lines are not counted).")
    created: int = Field(description="Events recorded.")
    duplicates: int = Field(description="Lines whose event was imported before: skipped.")
    rejected: int = Field(description="Lines rejected; the first 1,000 are listed in `errors`.")
    errors: list[ImportLineError]
