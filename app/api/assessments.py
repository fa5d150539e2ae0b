"""Assessments: readiness frozen for a decision, its review, and the organization's log."""

from typing import Annotated, Literal

from fastapi import Query, Response

from app.api.common import DEFAULT_PAGE, Cursor, Limit, api_router, problems
from app.api.presenters import readiness_public
from app.auth import Auditor, Reader, Writer
from app.db import SessionDep
from app.errors import FieldError, NotFound, ValidationFailed
from app.models import Assessment
from app.schemas.assessments import (
    AssessmentCreate,
    AssessmentPublic,
    Purpose,
    ReviewCreate,
    ReviewPublic,
)
from app.schemas.common import Day, Page
from app.schemas.readiness import ReadinessPublic
from app.services import assessments as service
from app.services import readiness
from app.services.policy import current_policy
from app.services.positions import get_position

router = api_router("", "assessments")


def assessment_public(row: Assessment) -> AssessmentPublic:
    review = None
    if row.reviewed_at is not None:
        review = ReviewPublic(
            outcome=row.review_outcome,
            band=row.review_band,
            reason=row.review_reason or "",
            reviewer=row.reviewer or "",
            reviewed_at=row.reviewed_at,
        )
    return AssessmentPublic(
        id=row.id,
        employee_id=row.employee_id,
        target_position_id=row.target_position_id,
        as_of=row.as_of,
        purpose=row.purpose,
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
        policy_version=row.policy_version,
        readiness=ReadinessPublic.model_validate(row.readiness),
        explanation=list(row.explanation),
        review=review,
    )


@router.post(
    "/employees/{employee_id}/assessments",
    response_model=AssessmentPublic,
    status_code=201,
    summary="Freeze the readiness served for a decision, with explanations",
    responses=problems(400, 403, 404, 413, 415, 422),
)
def create_assessment(
    employee_id: str,
    body: AssessmentCreate,
    principal: Writer,
    session: SessionDep,
    response: Response,
) -> AssessmentPublic:
    organization_id = principal.organization_id
    if body.target_position_id is not None:
        try:
            get_position(session, organization_id, body.target_position_id)
        except NotFound:
            raise ValidationFailed.one(
                "target_position_id", "names no position of this organization"
            ) from None
    try:
        result = readiness.readiness(
            session,
            organization_id,
            employee_id,
            target_position_id=body.target_position_id,
            as_of=body.as_of,
        )
    except ValidationFailed as exc:
        # The day came in the body here, not in the query.
        errors = [FieldError(e["field"], e["message"], "body") for e in exc.errors or []]
        raise ValidationFailed(exc.detail, errors=errors) from exc
    served = readiness_public(result)
    row = service.create_assessment(
        session,
        organization_id,
        employee_id,
        data=service.NewAssessment(purpose=body.purpose, note=body.note),
        created_by=principal.key_id,
        result=result,
        served=served.model_dump(mode="json"),
        policy=current_policy(session, organization_id).policy,
    )
    response.headers["Location"] = f"/v1/assessments/{row.id}"
    return assessment_public(row)


@router.get(
    "/employees/{employee_id}/assessments",
    response_model=Page[AssessmentPublic],
    summary="A person's assessments, newest first",
    responses=problems(403, 404, 422),
)
def list_person_assessments(
    employee_id: str,
    principal: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[AssessmentPublic]:
    rows, next_cursor = service.list_for_person(
        session, principal.organization_id, employee_id, limit=limit, cursor=cursor
    )
    return Page(items=[assessment_public(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/assessments",
    response_model=Page[AssessmentPublic],
    summary="The organization's assessment log, newest first (audit)",
    responses=problems(403, 422),
)
def list_assessment_log(
    principal: Auditor,
    session: SessionDep,
    from_: Annotated[
        Day | None, Query(alias="from", description="Made on or after this day (UTC).")
    ] = None,
    to: Annotated[Day | None, Query(description="Made on or before this day (UTC).")] = None,
    purpose: Annotated[Purpose | None, Query(description="Only this purpose.")] = None,
    outcome: Annotated[
        Literal["confirmed", "overridden", "unreviewed"] | None,
        Query(description="Only this review outcome; `unreviewed` for none yet."),
    ] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[AssessmentPublic]:
    rows, next_cursor = service.list_log(
        session,
        principal.organization_id,
        start=from_,
        end=to,
        purposes=[purpose] if purpose else [],
        outcome=outcome,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[assessment_public(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/assessments/{assessment_id}",
    response_model=AssessmentPublic,
    summary="One assessment, as it was frozen, with its review",
    responses=problems(403, 404),
)
def get_assessment(assessment_id: str, principal: Reader, session: SessionDep) -> AssessmentPublic:
    return assessment_public(
        service.get_assessment(session, principal.organization_id, assessment_id)
    )


@router.post(
    "/assessments/{assessment_id}/review",
    response_model=AssessmentPublic,
    summary="Record the human decision on an assessment: confirm or override, once",
    responses=problems(400, 403, 404, 409, 413, 415, 422),
)
def review_assessment(
    assessment_id: str, body: ReviewCreate, principal: Writer, session: SessionDep
) -> AssessmentPublic:
    row = service.review_assessment(
        session,
        principal.organization_id,
        assessment_id,
        outcome=body.outcome,
        band=body.band,
        reason=body.reason,
        reviewer=body.reviewer,
    )
    return assessment_public(row)
