"""Opaque keyset cursors: a page continues after the last row it returned."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlmodel import Session

from app.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def encode_cursor(values: list[Any]) -> str:
    """Return an opaque cursor for the sort key of the last row of a page."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    """Return the sort key a cursor holds; raise a 422 on `cursor` when it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
    return values


def _not_ours() -> ValidationFailed:
    return ValidationFailed.one("cursor", "is not a cursor this list returned", "query")


# A cursor is untrusted input: what it holds is checked against what the list could have
# written into it, so a forged one is a 422 and never reaches the database (where an
# out-of-range value would be an overflow on one store and a wrong answer on the other).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
MAX_SEQ = 2**31 - 1


def cursor_time(value: Any) -> datetime:
    """Return the aware timestamp a cursor holds; raise a 422 on `cursor` otherwise."""
    try:
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError("naive")
        moment = moment.astimezone(UTC)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _not_ours() from exc
    if not EARLIEST <= moment <= LATEST:
        raise _not_ours()
    return moment


def cursor_day(value: Any) -> date:
    """Return the day a cursor holds; raise a 422 on `cursor` otherwise."""
    try:
        day = date.fromisoformat(str(value))
    except (ValueError, TypeError) as exc:
        raise _not_ours() from exc
    if not EARLIEST.date() <= day <= LATEST.date():
        raise _not_ours()
    return day


def cursor_int(value: Any, *, most: int = MAX_SEQ) -> int:
    """Return the whole number a cursor holds, 0..`most`; raise a 422 on `cursor` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise _not_ours()
    return value


def cursor_id(value: Any) -> str:
    """Return the id a cursor holds (ids are at most 36 characters)."""
    if not isinstance(value, str) or len(value) > 36:
        raise _not_ours()
    return value


def page_by_creation(
    session: Session, query: Select[Any], model: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """Return one page of `model` rows oldest first, and the cursor of the next page."""
    if cursor is not None:
        created, last_id = decode_cursor(cursor, arity=2)
        after, last_id = cursor_time(created), cursor_id(last_id)
        query = query.where(
            or_(
                model.created_at > after,
                and_(model.created_at == after, model.id > last_id),
            )
        )
    ordered = query.order_by(model.created_at, model.id).limit(limit + 1)
    rows = list(session.execute(ordered).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
