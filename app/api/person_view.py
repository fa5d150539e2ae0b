"""The person's view (SPEC 11): which positions one person is closest to, and what-if."""

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.api.common import DEFAULT_PAGE, Cursor, Limit, api_router, page, problems
from app.api.presenters import opportunity_out, what_if_public
from app.auth import Reader
from app.db import SessionDep
from app.domain.mobility import MoveType
from app.errors import FieldError, ValidationFailed, validation_errors
from app.routing import stores_nothing
from app.schemas.common import Day, Page
from app.schemas.events import EventCreate
from app.schemas.person_view import MoveFilter, OpportunityPublic, WhatIfPublic, WhatIfRequest
from app.services import opportunities, readiness

router = api_router("/employees/{employee_id}", "insights")

EmployeeId = Annotated[str, Path()]


@router.get(
    "/opportunities",
    response_model=Page[OpportunityPublic],
    summary="Every position but the one held, ranked by this person's readiness for it",
    responses=problems(403, 404, 422),
)
def list_opportunities(
    employee_id: EmployeeId,
    principal: Reader,
    session: SessionDep,
    as_of: Annotated[
        Day | None, Query(description="Rank as of this day; today (UTC) if omitted.")
    ] = None,
    move_type: Annotated[MoveFilter | None, Query(description="Only moves of this kind.")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[OpportunityPublic]:
    found = opportunities.opportunities(
        session,
        principal.organization_id,
        employee_id,
        as_of=as_of,
        move_type=MoveType(move_type) if move_type is not None else None,
        limit=limit,
        cursor=cursor,
    )
    return page(found, opportunity_out)


def _events(items: list[Any]) -> list[EventCreate]:
    """Read each event as recording reads its body; a bad one is named `events[i].<field>`."""
    events: list[EventCreate] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        try:
            events.append(EventCreate.model_validate(item))
        except ValidationError as exc:
            located = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            for error in validation_errors(RequestValidationError(located)):
                field = error["field"]
                name = f"events[{index}]" if field == "body" else f"events[{index}].{field}"
                errors.append(FieldError(name, error["message"]))
    if errors:
        names = ", ".join(e["field"] for e in errors)
        raise ValidationFailed(f"Some events are not valid: {names}.", errors=errors)
    return events


@router.post(
    "/readiness/what-if",
    response_model=WhatIfPublic,
    summary="Readiness as if some events were recorded (stores nothing)",
    responses=problems(400, 403, 404, 413, 415, 422),
)
@stores_nothing
def what_if(
    employee_id: EmployeeId, body: WhatIfRequest, principal: Reader, session: SessionDep
) -> WhatIfPublic:
    result = readiness.what_if(
        session,
        principal.organization_id,
        employee_id,
        target_position_id=body.target_position_id,
        as_of=body.as_of,
        events=_events(body.events),
    )
    return what_if_public(result)
