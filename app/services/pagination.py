"""Opaque keyset cursors: a page continues after the last row it returned."""

from __future__ import annotations

import base64
import json
from datetime import datetime
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
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
    return values


def page_by_creation(
    session: Session, query: Select[Any], model: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """Return one page of `model` rows oldest first, and the cursor of the next page."""
    if cursor is not None:
        created, last_id = decode_cursor(cursor, arity=2)
        try:
            after = datetime.fromisoformat(str(created))
        except ValueError as exc:
            raise ValidationFailed.one(
                "cursor", "is not a cursor this list returned", "query"
            ) from exc
        if after.tzinfo is None:
            raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
        query = query.where(
            or_(
                model.created_at > after,
                and_(model.created_at == after, model.id > str(last_id)),
            )
        )
    ordered = query.order_by(model.created_at, model.id).limit(limit + 1)
    rows = list(session.execute(ordered).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
