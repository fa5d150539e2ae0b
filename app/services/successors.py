"""Named successors: nominate, list, change (with `If-Match`) and remove, each change
written with its history row in the same transaction (SPEC 12).

The computed readiness beside each nomination is the readiness endpoint's own answer for
that person and position today (`app.services.readiness`): there is no second formula.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain.history import Status
from app.domain.readiness import Band, Readiness
from app.domain.succession import changes_between, effective_band, listing_key
from app.errors import Conflict, NotFound, ValidationFailed
from app.models import Employee, Successor, SuccessorChange, utcnow
from app.schemas.succession import SuccessorCreate, SuccessorUpdate
from app.services import history
from app.services.employees import today
from app.services.positions import check_if_match, get_position
from app.services.readiness import readiness


@dataclass(frozen=True)
class SuccessorView:
    """A nomination with the readiness computed for it today (None when not employed)."""

    successor: Successor
    computed: Readiness | None

    @property
    def effective_band(self) -> Band | None:
        override = self.successor.readiness_override
        return effective_band(
            override=Band(override) if override else None,
            computed=self.computed.band if self.computed else None,
        )


def _fields(successor: Successor) -> dict[str, Any]:
    """Return what a person set on the nomination, as the history records it."""
    return {
        "employee_id": successor.employee_id,
        "rank": successor.rank,
        "emergency": successor.emergency,
        "readiness_override": successor.readiness_override,
        "note": successor.note,
    }


def _computed(
    session: Session, organization_id: str, position_id: str, employee_id: str
) -> Readiness | None:
    try:
        result = readiness(
            session, organization_id, employee_id, target_position_id=position_id, as_of=None
        )
    except ValidationFailed:
        return None  # not employed today: there is nothing to score
    return result.readiness


def _view(session: Session, organization_id: str, successor: Successor) -> SuccessorView:
    computed = _computed(session, organization_id, successor.position_id, successor.employee_id)
    return SuccessorView(successor, computed)


def _record(
    session: Session, successor: Successor, *, key_id: str, changes: dict[str, list[Any]]
) -> None:
    session.add(
        SuccessorChange(
            organization_id=successor.organization_id,
            successor_id=successor.id,
            version=successor.version,
            at=successor.updated_at,
            key_id=key_id,
            changes=changes,
        )
    )


def _check_nominee(
    session: Session, organization_id: str, position_id: str, employee_id: str
) -> None:
    """422 on `employee_id` unless the person exists, is active today and does not hold
    the position."""
    if session.get(Employee, (organization_id, employee_id)) is None:
        raise ValidationFailed.one("employee_id", "no such employee in this organization")
    day = today()
    held = history.projection_of(session, organization_id, employee_id, as_of=day, classify=False)
    if held.status is not Status.active:
        raise ValidationFailed.one(
            "employee_id",
            f"the employee is not active on {day.isoformat()} (status: {held.status.value})",
        )
    if held.position_id == position_id:
        raise ValidationFailed.one("employee_id", "the employee holds this position already")


def create_successor(
    session: Session,
    organization_id: str,
    position_id: str,
    data: SuccessorCreate,
    *,
    key_id: str,
) -> SuccessorView:
    """Name a successor; 404 for an unknown position, 422 for a person who is not active or
    holds the position, 409 when the person is named for it already."""
    get_position(session, organization_id, position_id)
    _check_nominee(session, organization_id, position_id, data.employee_id)
    taken = session.execute(
        select(col(Successor.id)).where(
            col(Successor.organization_id) == organization_id,
            col(Successor.position_id) == position_id,
            col(Successor.employee_id) == data.employee_id,
        )
    ).first()
    if taken is not None:
        raise Conflict("This employee is named for this position already.")
    now = utcnow()
    successor = Successor(
        organization_id=organization_id,
        id=str(uuid.uuid4()),
        position_id=position_id,
        employee_id=data.employee_id,
        rank=data.rank,
        emergency=data.emergency,
        readiness_override=data.readiness_override.value if data.readiness_override else None,
        note=data.note,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(successor)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent nomination of the same person won
        raise Conflict("This employee is named for this position already.") from exc
    _record(session, successor, key_id=key_id, changes=changes_between(None, _fields(successor)))
    session.flush()
    return _view(session, organization_id, successor)


def _get(
    session: Session,
    organization_id: str,
    position_id: str,
    successor_id: str,
    *,
    lock: bool = False,
) -> Successor:
    query = select(Successor).where(
        col(Successor.organization_id) == organization_id,
        col(Successor.id) == successor_id,
        col(Successor.position_id) == position_id,
    )
    if lock:
        query = query.with_for_update()
    found = session.execute(query).scalars().first()
    if found is None:
        raise NotFound(f"No successor {successor_id!r} for this position.")
    return found


def get_successor(
    session: Session, organization_id: str, position_id: str, successor_id: str
) -> SuccessorView:
    """Return one nomination with its computed readiness, or raise 404."""
    return _view(
        session, organization_id, _get(session, organization_id, position_id, successor_id)
    )


def list_successors(
    session: Session, organization_id: str, position_id: str
) -> list[SuccessorView]:
    """Return the position's nominations by rank (unranked last), then computed score,
    highest first."""
    get_position(session, organization_id, position_id)
    rows = session.execute(
        select(Successor).where(
            col(Successor.organization_id) == organization_id,
            col(Successor.position_id) == position_id,
        )
    ).scalars()
    views = [_view(session, organization_id, s) for s in rows]
    views.sort(
        key=lambda v: listing_key(
            rank=v.successor.rank,
            score=v.computed.score if v.computed else None,
            created=(v.successor.created_at, v.successor.id),
        )
    )
    return views


def update_successor(
    session: Session,
    organization_id: str,
    position_id: str,
    successor_id: str,
    data: SuccessorUpdate,
    *,
    if_match: str | None,
    key_id: str,
) -> SuccessorView:
    """Change rank, emergency, override or note; 412 on a stale `If-Match`. The row is
    locked first (PostgreSQL; SQLite writers hold the database lock), so of concurrent
    changes made against one version exactly one goes through."""
    successor = _get(session, organization_id, position_id, successor_id, lock=True)
    check_if_match(if_match, successor.version)
    wanted = data.model_dump(exclude_unset=True, mode="json")
    before = _fields(successor)
    changes = changes_between(before, {**before, **wanted})
    if not changes:
        return _view(session, organization_id, successor)
    for name, (_old, new) in changes.items():
        setattr(successor, name, new)
    successor.version += 1
    successor.updated_at = utcnow()
    session.add(successor)
    session.flush()
    _record(session, successor, key_id=key_id, changes=changes)
    session.flush()
    return _view(session, organization_id, successor)


def delete_successor(
    session: Session, organization_id: str, position_id: str, successor_id: str
) -> None:
    """Remove a nomination and its history."""
    successor = _get(session, organization_id, position_id, successor_id, lock=True)
    session.execute(
        delete(SuccessorChange).where(
            col(SuccessorChange.organization_id) == organization_id,
            col(SuccessorChange.successor_id) == successor_id,
        )
    )
    session.delete(successor)
    session.flush()


def successor_history(
    session: Session, organization_id: str, position_id: str, successor_id: str
) -> list[SuccessorChange]:
    """Return every change to the nomination, oldest first, its creation included."""
    _get(session, organization_id, position_id, successor_id)
    return list(
        session.execute(
            select(SuccessorChange)
            .where(
                col(SuccessorChange.organization_id) == organization_id,
                col(SuccessorChange.successor_id) == successor_id,
            )
            .order_by(col(SuccessorChange.version))
        ).scalars()
    )
