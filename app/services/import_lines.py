"""Reading an import's lines: cutting the stream into lines, parsing each once, its dedupe
key, and the checks a line answers on its own (its fields for its type).

A line is read with `PlainImportLine`, the quick twin of `ImportLine`
(`tests/test_import_line_twins.py` proves they read a line alike); a line it refuses is
read again with `ImportLine`, whose error the report gives.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import ValidationError

from app.domain.history import EVENT_TYPE_BY_NAME, STATE_TYPES
from app.domain.talent import LossLevel
from app.schemas.common import MoneyIn
from app.schemas.events import EventCreate
from app.schemas.imports import ImportLine, PlainImportLine
from app.services.events import expiry_problem, shape_errors

# The longest line read. The longest valid line, every text at its limit written as JSON
# escapes, is about 20 KB; past this a line is rejected unread, so one huge line costs
# neither memory nor the seconds of CPU its parse would.
MAX_LINE_BYTES = 65_536
TOO_LONG = f"is longer than {MAX_LINE_BYTES:,} bytes; one event a line"
STATE_NAMES = frozenset(t.value for t in STATE_TYPES)


class LineSplitter:
    """Cuts a stream of bytes into lines, holding at most `limit` bytes of one line.

    A longer line is dropped as it streams past and comes out as None, so the caller can
    report it; joining chunks costs only the bytes kept (no quadratic re-joining).
    """

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._pending = bytearray()
        self._too_long = False

    def feed(self, chunk: bytes) -> list[bytes | None]:
        """Return the lines the chunk completes (None for each one over the limit)."""
        out: list[bytes | None] = []
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            piece = chunk[start:end]
            if self._too_long or len(self._pending) + len(piece) > self.limit:
                out.append(None)
            else:
                self._pending += piece
                out.append(bytes(self._pending))
            self._pending.clear()
            self._too_long = False
            start = end + 1
        rest = chunk[start:]
        if not self._too_long:
            if len(self._pending) + len(rest) > self.limit:
                self._too_long = True
                self._pending.clear()
            else:
                self._pending += rest
        return out

    def finish(self) -> list[bytes | None]:
        """Return the last line when the stream did not end with a line break."""
        if self._too_long:
            return [None]
        return [bytes(self._pending)] if self._pending else []


def content_key(payload: dict[str, Any]) -> str:
    """Return the dedupe key of a line without its own `event_key`: a hash of its content."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:56]


class Rejection(NamedTuple):
    """Why a line is rejected: the field at fault and what is wrong with it."""

    field: str
    message: str


@dataclass(slots=True)
class ParsedLine:
    """A line that parsed: its number in the file, its fields, its dedupe key and its type's
    name."""

    number: int
    line: PlainImportLine | ImportLine
    key: str
    kind: str


def parse_line(number: int, text: str | None) -> ParsedLine | Rejection:
    """Return the line parsed, or why it is rejected (None: a line too long to keep)."""
    if text is None or len(text) > MAX_LINE_BYTES:
        return Rejection("line", TOO_LONG)
    try:
        line = PlainImportLine.model_validate_json(text)
    except ValidationError:
        # Bad JSON, a bad field, or a text `ImportLine` would trim: read it again the slow
        # way, which takes or rejects it (with the report's wording) as it always did.
        return _parse_fully(number, text)
    key = line.event_key
    if key is None:
        key = _key_of_content(json.loads(text))
    return ParsedLine(number, line, key, line.type)


def _parse_fully(number: int, text: str) -> ParsedLine | Rejection:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        return Rejection("line", f"not valid JSON: {exc}")
    except RecursionError:
        return Rejection("line", "not valid JSON: it nests too deeply")
    if not isinstance(raw, dict):
        return Rejection("line", "each line must be a JSON object")
    try:
        line = ImportLine.model_validate(raw)
    except ValidationError as exc:
        details = exc.errors()[0]
        return Rejection(".".join(str(p) for p in details["loc"]) or "line", details["msg"])
    return ParsedLine(number, line, line.event_key or _key_of_content(raw), line.type.value)


def _key_of_content(raw: dict[str, Any]) -> str:
    return content_key({k: v for k, v in raw.items() if k != "event_key"})


def line_problem(parsed: ParsedLine, *, names_position: bool) -> Rejection | None:
    """Return what is wrong with the line's fields for its type, or None (`names_position`:
    the line names a position that exists)."""
    line = parsed.line
    problem = _shape_problem(
        parsed.kind,
        names_position,
        line.salary is not None,
        line.rating is not None,
        line.name is not None,
        line.description is not None,
        line.level is not None,
        line.expires_on is not None,
        (
            line.potential is not None,
            line.risk_of_loss is not None,
            line.impact_of_loss is not None,
        ),
    )
    if problem is None and line.expires_on is not None:
        expiry = expiry_problem(line.occurred_on, line.expires_on)
        return Rejection("expires_on", expiry) if expiry is not None else None
    return problem


_SOME_MONEY = MoneyIn.model_construct(amount=Decimal(1), currency="USD")


@lru_cache(maxsize=512)
def _shape_problem(
    kind: str,
    position: bool,
    salary: bool,
    rating: bool,
    name: bool,
    description: bool,
    level: bool,
    expires_on: bool,
    talent: tuple[bool, bool, bool],
) -> Rejection | None:
    """Return the first problem of an event of this type that has these optional fields, or
    None: `shape_errors` asked once for each combination (it looks at which fields are
    present, never at their values, which the line's model validated). `talent` says which
    of a talent review's potential, risk_of_loss and impact_of_loss are present."""
    potential, risk, impact = talent
    stand_in = EventCreate.model_construct(
        type=EVENT_TYPE_BY_NAME[kind],
        occurred_on=date.min,  # before any expiry: the importer asks about expiry itself
        position_id="-" if position else None,
        salary=_SOME_MONEY if salary else None,
        rating=1 if rating else None,
        name="-" if name else None,
        description="-" if description else None,
        level=1 if level else None,
        expires_on=date.max if expires_on else None,
        potential=1 if potential else None,
        risk_of_loss=LossLevel.low if risk else None,
        impact_of_loss=LossLevel.low if impact else None,
    )
    errors = shape_errors(stand_in)
    if not errors:
        return None
    # The line names its position by code.
    where = "position_code" if errors[0]["field"] == "position_id" else errors[0]["field"]
    return Rejection(where, errors[0]["message"])
