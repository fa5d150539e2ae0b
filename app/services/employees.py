"""Employees: people keyed by the caller's `external_id`, with what they hold derived from
their history as of today."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain.history import DEVELOPMENT_TYPES, Projection, Status, replay
from app.domain.mobility import MoveType
from app.domain.values import whole_months_between
from app.errors import Conflict, NotFound
from app.models import (
    Assessment,
    CareerEvent,
    Demographic,
    Employee,
    IdempotencyRecord,
    PositionHolding,
    Successor,
    SuccessorChange,
    utcnow,
)
from app.schemas.employees import EmployeeCreate, EmployeeUpdate
from app.services import history
from app.services.pagination import page_by_creation
from app.services.positions import check_if_match


def today() -> date:
    """Return today's date in UTC, the day every 'current' projection is read on."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class EmployeeView:
    employee: Employee
    projection: Projection
    counts: dict[str, int]
    months_in_current_role: int | None

    def count(self, kind: MoveType) -> int:
        """Return how many of the person's moves were of this kind."""
        return sum(1 for k in self.projection.classifications.values() if k is kind)


def create_employee(session: Session, organization_id: str, data: EmployeeCreate) -> Employee:
    """Create a person; 409 when the external_id is taken."""
    if find_by_external_id(session, organization_id, data.external_id) is not None:
        raise Conflict(f"An employee with external_id {data.external_id!r} already exists.")
    now = utcnow()
    employee = Employee(
        organization_id=organization_id,
        id=str(uuid.uuid4()),
        external_id=data.external_id,
        display_name=data.display_name,
        created_at=now,
        updated_at=now,
    )
    session.add(employee)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"An employee with external_id {data.external_id!r} already exists."
        ) from exc
    return employee


def find_by_external_id(
    session: Session, organization_id: str, external_id: str
) -> Employee | None:
    """Return the person with this external_id, if any."""
    return (
        session.execute(
            select(Employee).where(
                col(Employee.organization_id) == organization_id,
                col(Employee.external_id) == external_id,
            )
        )
        .scalars()
        .first()
    )


def get_employee(session: Session, organization_id: str, employee_id: str) -> Employee:
    """Return the person or raise 404."""
    employee = session.get(Employee, (organization_id, employee_id))
    if employee is None:
        raise NotFound(f"No employee {employee_id!r} in this organization.")
    return employee


def list_employees(
    session: Session,
    organization_id: str,
    *,
    limit: int,
    cursor: str | None,
    external_id: str | None,
) -> tuple[list[Employee], str | None]:
    """Return a page of people, oldest first (or the one with `external_id`)."""
    query = select(Employee).where(col(Employee.organization_id) == organization_id)
    if external_id is not None:
        query = query.where(col(Employee.external_id) == external_id)
    return page_by_creation(session, query, Employee, limit=limit, cursor=cursor)


def update_employee(
    session: Session,
    organization_id: str,
    employee_id: str,
    data: EmployeeUpdate,
    *,
    if_match: str | None,
) -> Employee:
    """Rename a person (display_name, external_id); 412 on a stale If-Match."""
    employee = get_employee(session, organization_id, employee_id)
    check_if_match(if_match, employee.version)
    changes = data.model_dump(exclude_unset=True)
    if "external_id" in changes and changes["external_id"] != employee.external_id:
        other = find_by_external_id(session, organization_id, changes["external_id"])
        if other is not None:
            raise Conflict(
                f"An employee with external_id {changes['external_id']!r} already exists."
            )
        employee.external_id = changes["external_id"]
    if "display_name" in changes:
        employee.display_name = changes["display_name"]
    employee.version += 1
    employee.updated_at = utcnow()
    session.add(employee)
    session.flush()
    return employee


def _names(body: bytes | None, employee: Employee) -> bool:
    """Return whether a stored response body names the person (by id or external_id)."""
    if not body:
        return False
    marks = (employee.id, json.dumps(employee.external_id), repr(employee.external_id))
    text = body.decode("utf-8", errors="replace")
    return any(mark in text for mark in marks)


def erase_employee(session: Session, organization_id: str, employee_id: str) -> None:
    """Delete the person, their whole history, demographics, assessments and idempotency
    records, for good.

    Records are found by the person they were about, and, for POSTs to /employees (a 409
    quoting the external_id, say), by whether the stored response names the person; the
    replays of reviews of their assessments by path.
    """
    # Recording locks the person's row first: erasing under the same lock waits for a
    # write in flight to commit, so its idempotency record (which names the person) is
    # there to be deleted below, and a later write finds no person.
    session.execute(
        select(col(Employee.id))
        .where(col(Employee.organization_id) == organization_id, col(Employee.id) == employee_id)
        .with_for_update()
    )
    employee = get_employee(session, organization_id, employee_id)
    assessment_ids = list(
        session.execute(
            select(col(Assessment.id)).where(
                col(Assessment.organization_id) == organization_id,
                col(Assessment.employee_id) == employee_id,
            )
        ).scalars()
    )
    if assessment_ids:
        session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.organization_id) == organization_id,
                col(IdempotencyRecord.path).in_(
                    [f"/v1/assessments/{a}/review" for a in assessment_ids]
                ),
            )
        )
    for table in (Assessment, Demographic):
        session.execute(
            delete(table).where(
                col(table.organization_id) == organization_id,
                col(table.employee_id) == employee_id,
            )
        )
    creations = session.execute(
        select(IdempotencyRecord).where(
            col(IdempotencyRecord.organization_id) == organization_id,
            col(IdempotencyRecord.method) == "POST",
            col(IdempotencyRecord.path).like("%/employees"),
        )
    ).scalars()
    for record in creations:
        if _names(record.response_body, employee):
            session.delete(record)
    session.execute(
        delete(PositionHolding).where(
            col(PositionHolding.organization_id) == organization_id,
            col(PositionHolding.employee_id) == employee_id,
        )
    )
    session.execute(
        delete(CareerEvent).where(
            col(CareerEvent.organization_id) == organization_id,
            col(CareerEvent.employee_id) == employee_id,
        )
    )
    # Their nominations as a successor and the history of each.
    nominations = select(col(Successor.id)).where(
        col(Successor.organization_id) == organization_id, col(Successor.employee_id) == employee_id
    )
    session.execute(
        delete(SuccessorChange).where(
            col(SuccessorChange.organization_id) == organization_id,
            col(SuccessorChange.successor_id).in_(nominations.scalar_subquery()),
        )
    )
    session.execute(
        delete(Successor).where(
            col(Successor.organization_id) == organization_id,
            col(Successor.employee_id) == employee_id,
        )
    )
    session.execute(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.organization_id) == organization_id,
            col(IdempotencyRecord.employee_id) == employee_id,
        )
    )
    session.execute(
        delete(Employee).where(
            col(Employee.organization_id) == organization_id,
            col(Employee.id) == employee_id,
        )
    )
    session.flush()


def views(
    session: Session, organization_id: str, employees: Sequence[Employee], *, on: date | None = None
) -> list[EmployeeView]:
    """Return each person with what they hold on a day (today by default), in two queries."""
    day = on or today()
    ids = [e.id for e in employees]
    if not ids:
        return []
    by_person = history.state_events_by_person(session, organization_id, people=ids, on=day)
    level_of = history.levels(session, organization_id, history.positions_named(by_person))
    counted = session.execute(
        select(col(CareerEvent.employee_id), col(CareerEvent.type), func.count())
        .where(
            col(CareerEvent.organization_id) == organization_id,
            col(CareerEvent.employee_id).in_(ids),
            col(CareerEvent.voided_at).is_(None),
            col(CareerEvent.occurred_on) <= day,
            col(CareerEvent.type).in_([t.value for t in DEVELOPMENT_TYPES]),
        )
        .group_by(CareerEvent.employee_id, CareerEvent.type)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for employee_id, kind, n in counted:
        counts[employee_id][kind] = n
    out = []
    for employee in employees:
        projection = replay(events=by_person.get(employee.id, []), level_of=level_of, as_of=day)
        months = (
            whole_months_between(projection.role_started_on, day)
            if projection.status is Status.active and projection.role_started_on
            else None
        )
        out.append(EmployeeView(employee, projection, counts.get(employee.id, {}), months))
    return out
