"""Demographics: a person's categories for the fairness reports, kept apart from the person.

Only the demographics endpoints and the group reports read this table. No score, list,
export or log line does, and erasing the person deletes the row. Validation messages name
the dimension (the organization's own word) but never echo a category.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.domain.fairness import MAX_DIMENSIONS_PER_PERSON, check_category, check_dimension
from app.errors import FieldError, ValidationFailed
from app.models import Demographic, utcnow
from app.services.employees import get_employee


def clean_attributes(attributes: Mapping[str, Any]) -> dict[str, str]:
    """Return the attributes with categories trimmed; raise a 422 naming each bad one."""
    errors: list[FieldError] = []
    if len(attributes) > MAX_DIMENSIONS_PER_PERSON:
        errors.append(
            FieldError("attributes", f"at most {MAX_DIMENSIONS_PER_PERSON} dimensions a person")
        )
    out: dict[str, str] = {}
    for name, value in attributes.items():
        field = f"attributes.{name}"
        problem = check_dimension(name)
        if problem is not None:
            errors.append(FieldError(field, f"the dimension name {problem}"))
            continue
        if not isinstance(value, str):
            errors.append(FieldError(field, "must be a string"))
            continue
        category = value.strip()
        problem = check_category(category)
        if problem is not None:
            errors.append(FieldError(field, f"the category {problem}"))
            continue
        out[name] = category
    if errors:
        names = ", ".join(sorted({e["field"] for e in errors}))
        raise ValidationFailed(f"Invalid fields: {names}.", errors=errors)
    return out


def get_demographics(
    session: Session, organization_id: str, employee_id: str
) -> Demographic | None:
    """Return the person's demographics, or None when none are recorded (404 for no person)."""
    get_employee(session, organization_id, employee_id)
    return session.get(Demographic, (organization_id, employee_id))


def replace_demographics(
    session: Session, organization_id: str, employee_id: str, attributes: Mapping[str, Any]
) -> Demographic:
    """Replace the person's whole set of categories."""
    get_employee(session, organization_id, employee_id)
    cleaned = clean_attributes(attributes)
    now = utcnow()
    row = session.get(Demographic, (organization_id, employee_id))
    if row is None:
        row = Demographic(organization_id=organization_id, employee_id=employee_id, updated_at=now)
    row.attributes = cleaned
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def delete_demographics(session: Session, organization_id: str, employee_id: str) -> None:
    """Clear the person's demographics (nothing to clear is fine)."""
    get_employee(session, organization_id, employee_id)
    erase_demographics(session, organization_id, employee_id)


def erase_demographics(session: Session, organization_id: str, employee_id: str) -> None:
    """Delete the person's demographics row, without checking the person exists."""
    session.execute(
        delete(Demographic).where(
            col(Demographic.organization_id) == organization_id,
            col(Demographic.employee_id) == employee_id,
        )
    )
    session.flush()


def attributes_by_person(session: Session, organization_id: str) -> dict[str, dict[str, str]]:
    """Return every person's categories in the organization, by person id."""
    rows = session.execute(
        select(col(Demographic.employee_id), col(Demographic.attributes)).where(
            col(Demographic.organization_id) == organization_id
        )
    ).all()
    return {employee_id: dict(attributes or {}) for employee_id, attributes in rows}
