"""Positions: the organization's job architecture."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, bindparam, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain.mobility import PayBand, PositionFacts, midpoint_cents
from app.domain.values import Requirement, RequirementKind, decimal_to_cents
from app.errors import Conflict, NotFound, PreconditionFailed
from app.models import CareerEvent, Position, utcnow
from app.schemas.positions import PayBandIn, PositionCreate, PositionUpdate
from app.services import history, revisions
from app.services.pagination import page_by_creation


def etag(version: int) -> str:
    """Return the ETag of a resource version: the quoted version number."""
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 when `If-Match` is given and names no current version."""
    if if_match is None:
        return
    candidates = [c.strip() for c in if_match.split(",")]
    if "*" in candidates:
        return
    current = etag(version)
    if not any(c.removeprefix("W/") == current for c in candidates):
        raise PreconditionFailed(
            f"If-Match {if_match} does not match the current version {current}; "
            "read the resource again and retry."
        )


def _band_columns(band: PayBandIn | None) -> dict[str, Any]:
    if band is None:
        return {
            "pay_currency": None,
            "pay_min_cents": None,
            "pay_max_cents": None,
            "pay_midpoint_cents": None,
        }
    low, high = decimal_to_cents(band.min), decimal_to_cents(band.max)
    mid = (
        decimal_to_cents(band.midpoint)
        if band.midpoint is not None
        else midpoint_cents(min_cents=low, max_cents=high)
    )
    return {
        "pay_currency": band.currency,
        "pay_min_cents": low,
        "pay_max_cents": high,
        "pay_midpoint_cents": mid,
    }


def _requirements(items: list[Any]) -> list[dict[str, Any]]:
    stored = []
    for r in items:
        item = {"kind": r.kind.value, "name": r.name, "mandatory": r.mandatory}
        if r.min_level is not None:
            item["min_level"] = r.min_level
        stored.append(item)
    return stored


def pay_band(position: Position | Row[Any]) -> PayBand | None:
    """Return the position's band, or None when it has none."""
    if position.pay_currency is None:
        return None
    return PayBand(
        currency=position.pay_currency,
        min_cents=position.pay_min_cents or 0,
        max_cents=position.pay_max_cents or 0,
        midpoint_cents=position.pay_midpoint_cents or 0,
    )


def requirements_of(position: Position | Row[Any]) -> tuple[Requirement, ...]:
    """Return the position's requirements as domain values."""
    return tuple(
        Requirement(
            RequirementKind(r["kind"]),
            r["name"],
            bool(r.get("mandatory", True)),
            r.get("min_level"),
        )
        for r in position.requirements or []
    )


def position_facts(position: Position) -> PositionFacts:
    """Return the domain view of a position."""
    return PositionFacts(
        id=position.id,
        code=position.code,
        title=position.title,
        family=position.family,
        track=position.track,
        level=position.level,
        pay_band=pay_band(position),
        requirements=requirements_of(position),
        min_months_in_role=position.min_months_in_role,
    )


def _code_taken(session: Session, organization_id: str, code: str, except_id: str | None) -> bool:
    query = select(col(Position.id)).where(
        col(Position.organization_id) == organization_id, col(Position.code) == code
    )
    if except_id is not None:
        query = query.where(col(Position.id) != except_id)
    return session.execute(query).first() is not None


def create_position(session: Session, organization_id: str, data: PositionCreate) -> Position:
    """Create a position; 409 when its code is taken."""
    if _code_taken(session, organization_id, data.code, None):
        raise Conflict(f"A position with code {data.code!r} already exists.")
    now = utcnow()
    position = Position(
        organization_id=organization_id,
        id=str(uuid.uuid4()),
        code=data.code,
        title=data.title,
        family=data.family,
        track=data.track.value,
        level=data.level,
        requirements=_requirements(data.requirements),
        min_months_in_role=data.min_months_in_role,
        critical=data.critical,
        created_at=now,
        updated_at=now,
        version=1,
        **_band_columns(data.pay_band),
    )
    session.add(position)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A position with code {data.code!r} already exists.") from exc
    revisions.touch(session, organization_id)
    return position


_ROW = select(*inspect(Position).local_table.columns).where(
    col(Position.organization_id) == bindparam("organization_id"),
    col(Position.id) == bindparam("position_id"),
)


def read_position(session: Session, organization_id: str, position_id: str) -> Row[Any]:
    """Return the position as a row of its table (not an ORM object: a read needs no
    identity map), or raise 404."""
    params = {"organization_id": organization_id, "position_id": position_id}
    row: Any = session.connection().execute(_ROW, params).first()
    if row is None:
        raise NotFound(f"No position {position_id!r} in this organization.")
    return row


def get_position(
    session: Session,
    organization_id: str,
    position_id: str,
    *,
    lock: bool = False,
    key_share: bool = False,
) -> Position:
    """Return the position or raise 404. `lock` takes its row lock (PostgreSQL); with
    `key_share` a weaker one (FOR NO KEY UPDATE) that lets events naming the position
    still be inserted meanwhile (their foreign key takes FOR KEY SHARE)."""
    query = select(Position).where(
        col(Position.organization_id) == organization_id, col(Position.id) == position_id
    )
    if lock:
        query = query.with_for_update(key_share=key_share)
    position = session.execute(query).scalars().first()
    if position is None:
        raise NotFound(f"No position {position_id!r} in this organization.")
    return position


def list_positions(
    session: Session, organization_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Position], str | None]:
    """Return a page of positions, oldest first, and the cursor of the next page."""
    query = select(Position).where(col(Position.organization_id) == organization_id)
    return page_by_creation(session, query, Position, limit=limit, cursor=cursor)


def update_position(
    session: Session,
    organization_id: str,
    position_id: str,
    data: PositionUpdate,
    *,
    if_match: str | None,
) -> Position:
    """Apply a partial update; 412 on a stale If-Match, 409 on a taken code."""
    # Not FOR UPDATE: recording locks the person and then (by the event's foreign key)
    # the position, and a level change re-derives people's spells under their lock, so
    # a lock here that blocked the foreign key would deadlock the two.
    position = get_position(session, organization_id, position_id, lock=True, key_share=True)
    check_if_match(if_match, position.version)
    changes = data.model_dump(exclude_unset=True)
    if "code" in changes and _code_taken(session, organization_id, changes["code"], position.id):
        raise Conflict(f"A position with code {changes['code']!r} already exists.")
    level_changed = "level" in changes and changes["level"] != position.level
    for name in ("code", "title", "family", "level", "min_months_in_role", "critical"):
        if name in changes:
            setattr(position, name, changes[name])
    if "track" in changes:
        position.track = data.track.value if data.track else position.track
    if "pay_band" in changes:
        for column, value in _band_columns(data.pay_band).items():
            setattr(position, column, value)
    if "requirements" in changes:
        position.requirements = _requirements(data.requirements or [])
    position.version += 1
    position.updated_at = utcnow()
    session.add(position)
    session.flush()
    revisions.touch(session, organization_id)
    if level_changed:
        # Classifications read levels as they are now: re-classify every history naming it.
        for employee_id in history.employees_naming_position(session, organization_id, position.id):
            history.store_classifications(session, organization_id, employee_id)
    return position


def delete_position(
    session: Session, organization_id: str, position_id: str, *, if_match: str | None
) -> None:
    """Delete a position no event names; 409 when one does, 412 on a stale If-Match."""
    position = get_position(session, organization_id, position_id, lock=True)
    check_if_match(if_match, position.version)
    named = session.execute(
        select(col(CareerEvent.id))
        .where(
            col(CareerEvent.organization_id) == organization_id,
            col(CareerEvent.position_id) == position_id,
        )
        .limit(1)
    ).first()
    if named is not None:
        raise Conflict(
            "Career events name this position, so it cannot be deleted; "
            "the history would lose its meaning."
        )
    session.delete(position)
    session.flush()
    revisions.touch(session, organization_id)
