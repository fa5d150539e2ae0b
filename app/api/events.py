"""Career events: the append-only history of one person."""

from typing import Annotated

from fastapi import Query, Response

from app.api.common import (
    DEFAULT_PAGE,
    Cursor,
    Limit,
    api_router,
    conditional_get,
    page,
    problems,
)
from app.api.presenters import event_public
from app.auth import Reader, Writer
from app.db import SessionDep
from app.domain.history import EventType
from app.errors import ValidationFailed
from app.schemas.common import Day, Page
from app.schemas.events import EventCreate, EventPublic, EventVoid
from app.services import events as service

router = api_router("/employees/{employee_id}/events", "events")


def _types(text: str | None) -> list[EventType] | None:
    if text is None or not text.strip():
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in EventType.__members__]
    if unknown:
        raise ValidationFailed.one(
            "type",
            f"unknown event type(s) {', '.join(unknown)}; "
            f"use any of {', '.join(t.value for t in EventType)}",
            "query",
        )
    return [EventType(n) for n in names]


@router.post(
    "",
    response_model=EventPublic,
    status_code=201,
    summary="Record a career event",
    responses=problems(400, 403, 404, 413, 415, 422),
)
def record_event(
    employee_id: str,
    body: EventCreate,
    principal: Writer,
    session: SessionDep,
    response: Response,
) -> EventPublic:
    event = service.record_event(session, principal.organization_id, employee_id, body)
    response.headers["Location"] = f"/v1/employees/{employee_id}/events/{event.id}"
    return event_public(event)


@router.get(
    "",
    response_model=Page[EventPublic],
    summary="List a person's events by occurred_on, then arrival",
    responses=problems(403, 404, 422),
)
def list_events(
    employee_id: str,
    principal: Reader,
    session: SessionDep,
    type: Annotated[
        str | None,
        Query(max_length=500, description="Comma-separated event types, e.g. `hire,promotion`."),
    ] = None,
    from_: Annotated[Day | None, Query(alias="from", description="Inclusive.")] = None,
    to: Annotated[Day | None, Query(description="Inclusive.")] = None,
    include_voided: bool = False,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[EventPublic]:
    if from_ is not None and to is not None and from_ > to:
        raise ValidationFailed.one("from", "must not be after `to`", "query")
    found = service.list_events(
        session,
        principal.organization_id,
        employee_id,
        types=_types(type),
        from_=from_,
        to=to,
        include_voided=include_voided,
        limit=limit,
        cursor=cursor,
    )
    return page(found, event_public)


@router.get(
    "/{event_id}",
    response_model=EventPublic,
    summary="Get one event",
    responses=problems(403, 404),
)
@conditional_get(by_content=True)
def get_event(
    employee_id: str, event_id: str, principal: Reader, session: SessionDep
) -> EventPublic:
    return event_public(
        service.get_event(session, principal.organization_id, employee_id, event_id)
    )


@router.delete(
    "/{event_id}",
    response_model=EventPublic,
    summary="Void an event; it stays in the history with its reason",
    responses=problems(400, 403, 404, 409, 413, 415, 422),
)
def void_event(
    employee_id: str,
    event_id: str,
    principal: Writer,
    session: SessionDep,
    reason: Annotated[
        str | None, Query(max_length=1000, description='Why; or send `{"reason": ...}`.')
    ] = None,
    body: EventVoid | None = None,
) -> EventPublic:
    why = body.reason if body is not None else (reason or "").strip()
    if not why or "\x00" in why:
        raise ValidationFailed.one("reason", "a reason is required to void an event", "query")
    event = service.void_event(
        session, principal.organization_id, employee_id, event_id, reason=why
    )
    return event_public(event)
