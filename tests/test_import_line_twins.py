"""The equivalence test of the twin `schemas/imports.py:PlainImportLine` (the importer's
quick reading of a line) beside `ImportLine`: a line the twin accepts must read the same as
`ImportLine` reads it, field by field (skill levels and expiry dates included), and a line
`ImportLine` rejects it must reject too (the importer then reads it again with
`ImportLine`)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.schemas.imports import ImportLine, PlainImportLine

TYPES = ["hire", "skill_acquired", "certification_earned", "training_completed", "bogus"]
TEXTS = st.sampled_from(["Triage", " Triage", "", "BLS", "x" * 301, "a\x00b", "Nurse Executive"])
DAYS = st.sampled_from(["2024-01-01", "2025-02-28", "2025-02-30", "yesterday", "1899-12-31"])
LEVELS = st.sampled_from([1, 3, 5, 0, 6, 2.0, 2.5, "3", True, None])


@st.composite
def lines(draw: st.DrawFn) -> dict[str, Any]:
    line: dict[str, Any] = {
        "employee_external_id": draw(st.sampled_from(["E-1", " E-1", "E-2"])),
        "type": draw(st.sampled_from(TYPES)),
        "occurred_on": draw(DAYS),
    }
    if draw(st.booleans()):
        line["name"] = draw(TEXTS)
    if draw(st.booleans()):
        line["level"] = draw(LEVELS)
    if draw(st.booleans()):
        line["expires_on"] = draw(st.none() | DAYS)
    if draw(st.booleans()):
        line["rating"] = draw(st.sampled_from([1, 5, 7]))
    return line


@settings(max_examples=400, deadline=None)
@given(lines())
def test_the_fast_twin_reads_a_line_as_the_full_model_or_defers_to_it(line: dict[str, Any]):
    text = json.dumps(line)
    try:
        full: ImportLine | None = ImportLine.model_validate(line)
    except ValidationError:
        full = None
    try:
        fast: PlainImportLine | None = PlainImportLine.model_validate_json(text)
    except ValidationError:
        fast = None
    if fast is None:
        return  # the importer reads the line again with ImportLine
    assert full is not None, line
    for name in PlainImportLine.model_fields:
        theirs = getattr(full, name)
        assert getattr(fast, name) == (theirs.value if name == "type" else theirs), name
