"""Employees: people, with what they hold derived from their history."""

from typing import Annotated

from fastapi import Header, Query, Response

from app.api.common import (
    DEFAULT_PAGE,
    Cursor,
    Limit,
    api_router,
    page,
    problems,
    svg,
    svg_problems,
    tagged,
)
from app.api.presenters import employee_public
from app.api.timeline_svg import timeline_svg
from app.auth import Admin, Reader, Writer
from app.db import SessionDep
from app.models import Employee
from app.schemas.common import Page
from app.schemas.employees import EmployeeCreate, EmployeePublic, EmployeeUpdate
from app.services import employees as service
from app.services.answers import ANSWERS
from app.services.timeline import career_timeline

router = api_router("/employees", "employees")


def _one(
    session: SessionDep, organization_id: str, employee: Employee, response: Response
) -> EmployeePublic:
    view = service.views(session, organization_id, [employee])[0]
    return tagged(response, view.employee.version, employee_public(view))


@router.post(
    "",
    response_model=EmployeePublic,
    status_code=201,
    summary="Create an employee",
    responses=problems(400, 403, 409, 413, 415, 422),
)
def create_employee(
    body: EmployeeCreate, principal: Writer, session: SessionDep, response: Response
) -> EmployeePublic:
    employee = service.create_employee(session, principal.organization_id, body)
    response.headers["Location"] = f"/v1/employees/{employee.id}"
    return _one(session, principal.organization_id, employee, response)


@router.get(
    "",
    response_model=Page[EmployeePublic],
    summary="List employees, oldest first, or find one by external_id",
    responses=problems(403, 422),
)
def list_employees(
    principal: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
    external_id: Annotated[
        str | None, Query(max_length=200, description="The caller's own key: a page of 0 or 1.")
    ] = None,
) -> Page[EmployeePublic]:
    rows, next_cursor = service.list_employees(
        session,
        principal.organization_id,
        limit=limit,
        cursor=cursor,
        external_id=external_id,
    )
    views = service.views(session, principal.organization_id, rows)
    return page((views, next_cursor), employee_public)


@router.get(
    "/{employee_id}",
    response_model=EmployeePublic,
    summary="Get an employee, with current position, salary, status and advancement",
    responses=problems(403, 404),
)
def get_employee(
    employee_id: str, principal: Reader, session: SessionDep, response: Response
) -> EmployeePublic:
    employee = service.get_employee(session, principal.organization_id, employee_id)
    return _one(session, principal.organization_id, employee, response)


@router.patch(
    "/{employee_id}",
    response_model=EmployeePublic,
    summary="Rename an employee",
    responses=problems(400, 403, 404, 409, 412, 413, 415, 422),
)
def update_employee(
    employee_id: str,
    body: EmployeeUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header(description="The `ETag` you read.")] = None,
) -> EmployeePublic:
    employee = service.update_employee(
        session, principal.organization_id, employee_id, body, if_match=if_match
    )
    return _one(session, principal.organization_id, employee, response)


@router.get(
    "/{employee_id}/timeline.svg",
    response_class=Response,
    summary="The person's career as an SVG step chart",
    responses=svg_problems(403, 404),
)
def get_timeline(employee_id: str, principal: Reader, session: SessionDep) -> Response:
    timeline = career_timeline(session, principal.organization_id, employee_id)
    return svg(timeline_svg(timeline))


@router.delete(
    "/{employee_id}",
    status_code=204,
    summary="Erase an employee and their whole history (admin; cannot be undone)",
    responses=problems(403, 404),
)
def erase_employee(employee_id: str, principal: Admin, session: SessionDep) -> Response:
    service.erase_employee(session, principal.organization_id, employee_id)
    ANSWERS.forget(principal.organization_id, employee_id)
    return Response(status_code=204)
