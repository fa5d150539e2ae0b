"""Assessments: a readiness score used in a decision, frozen as served, and its review.

The readiness is stored as the JSON GET readiness answered for the same arguments, with
plain-sentence explanations, so nothing recorded later (events, voids, a new policy, a
renamed position) changes what a stored assessment says. A review is recorded once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlmodel import Session, col

from app.domain.explanation import explain
from app.domain.readiness import Band, Policy
from app.errors import Conflict, NotFound, ValidationFailed
from app.models import Assessment, utcnow
from app.services.employees import get_employee
from app.services.pagination import decode_cursor, encode_cursor
from app.services.readiness import ReadinessResult

PURPOSES = ("promotion_decision", "succession_review", "development_planning")
OUTCOMES = ("confirmed", "overridden")


@dataclass(frozen=True)
class NewAssessment:
    purpose: str
    note: str | None


def create_assessment(
    session: Session,
    organization_id: str,
    employee_id: str,
    *,
    data: NewAssessment,
    created_by: str,
    result: ReadinessResult,
    served: dict[str, Any],
    policy: Policy,
) -> Assessment:
    """Store the readiness `served` (the JSON GET readiness answers for `result`), with its
    explanation."""
    row = Assessment(
        organization_id=organization_id,
        id=str(uuid.uuid4()),
        employee_id=employee_id,
        target_position_id=result.target_position_id,
        as_of=result.readiness.as_of,
        purpose=data.purpose,
        note=data.note,
        created_at=utcnow(),
        created_by=created_by,
        policy_version=result.readiness.policy_version,
        readiness=served,
        explanation=list(explain(readiness=result.readiness, policy=policy)),
    )
    session.add(row)
    session.flush()
    return row


def get_assessment(session: Session, organization_id: str, assessment_id: str) -> Assessment:
    """Return one assessment or raise 404."""
    row = session.get(Assessment, (organization_id, assessment_id))
    if row is None:
        raise NotFound(f"No assessment {assessment_id!r} in this organization.")
    return row


def _newest_first(
    session: Session, query: Any, *, limit: int, cursor: str | None
) -> tuple[list[Assessment], str | None]:
    if cursor is not None:
        created, last_id = decode_cursor(cursor, arity=2)
        try:
            before = datetime.fromisoformat(str(created))
        except ValueError as exc:
            raise ValidationFailed.one(
                "cursor", "is not a cursor this list returned", "query"
            ) from exc
        if before.tzinfo is None:
            raise ValidationFailed.one("cursor", "is not a cursor this list returned", "query")
        query = query.where(
            or_(
                col(Assessment.created_at) < before,
                and_(col(Assessment.created_at) == before, col(Assessment.id) < str(last_id)),
            )
        )
    ordered = query.order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc()).limit(
        limit + 1
    )
    rows = list(session.execute(ordered).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])


def list_for_person(
    session: Session, organization_id: str, employee_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Assessment], str | None]:
    """Return a page of the person's assessments, newest first."""
    get_employee(session, organization_id, employee_id)
    query = select(Assessment).where(
        col(Assessment.organization_id) == organization_id,
        col(Assessment.employee_id) == employee_id,
    )
    return _newest_first(session, query, limit=limit, cursor=cursor)


def list_log(
    session: Session,
    organization_id: str,
    *,
    start: date | None,
    end: date | None,
    purposes: Sequence[str],
    outcome: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Assessment], str | None]:
    """Return a page of the organization's assessments, newest first, filtered by the day
    they were made (inclusive, UTC), purpose and review outcome (`unreviewed` too)."""
    if start is not None and end is not None and start > end:
        raise ValidationFailed.one("from", "must be on or before `to`", "query")
    query = select(Assessment).where(col(Assessment.organization_id) == organization_id)
    if start is not None:
        query = query.where(col(Assessment.created_at) >= datetime.combine(start, time(), UTC))
    if end is not None:
        next_day = datetime.combine(end + timedelta(days=1), time(), UTC)
        query = query.where(col(Assessment.created_at) < next_day)
    if purposes:
        query = query.where(col(Assessment.purpose).in_(list(purposes)))
    if outcome == "unreviewed":
        query = query.where(col(Assessment.review_outcome).is_(None))
    elif outcome is not None:
        query = query.where(col(Assessment.review_outcome) == outcome)
    return _newest_first(session, query, limit=limit, cursor=cursor)


def review_assessment(
    session: Session,
    organization_id: str,
    assessment_id: str,
    *,
    outcome: str,
    band: Band | None,
    reason: str,
    reviewer: str,
) -> Assessment:
    """Record the human decision on an assessment, once; a second review is a 409."""
    row = get_assessment(session, organization_id, assessment_id)
    computed = Band(row.readiness["band"])
    if outcome == "overridden":
        if band is None:
            raise ValidationFailed.one("band", "is required to override the computed band")
        if band is computed:
            raise ValidationFailed.one(
                "band", f"must differ from the computed band ({computed.value}) to override"
            )
    elif band is not None and band is not computed:
        raise ValidationFailed.one(
            "band", f"a confirmation keeps the computed band ({computed.value}); leave it out"
        )
    if row.reviewed_at is not None:
        raise Conflict(f"Assessment {assessment_id!r} has already been reviewed.")
    now = utcnow()
    chosen = band if outcome == "overridden" else computed
    # Conditional on no review yet, so two reviews racing cannot both land.
    done = session.execute(
        update(Assessment)
        .where(
            col(Assessment.organization_id) == organization_id,
            col(Assessment.id) == assessment_id,
            col(Assessment.reviewed_at).is_(None),
        )
        .values(
            review_outcome=outcome,
            review_band=chosen.value if chosen else None,
            review_reason=reason,
            reviewer=reviewer,
            reviewed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], done).rowcount != 1:
        raise Conflict(f"Assessment {assessment_id!r} has already been reviewed.")
    session.refresh(row)
    return row
