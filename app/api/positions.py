"""Positions: the job architecture that moves are classified against."""

from fastapi import Response

from app.api.common import (
    DEFAULT_PAGE,
    Cursor,
    IfMatch,
    Limit,
    api_router,
    conditional_get,
    page,
    problems,
    tagged,
)
from app.api.presenters import position_public
from app.auth import Reader, Writer
from app.db import SessionDep
from app.schemas.common import Page
from app.schemas.positions import PositionCreate, PositionPublic, PositionUpdate
from app.services import positions as service

router = api_router("/positions", "positions")


@router.post(
    "",
    response_model=PositionPublic,
    status_code=201,
    summary="Create a position",
    responses=problems(400, 403, 409, 413, 415, 422),
)
def create_position(
    body: PositionCreate, principal: Writer, session: SessionDep, response: Response
) -> PositionPublic:
    position = service.create_position(session, principal.organization_id, body)
    response.headers["Location"] = f"/v1/positions/{position.id}"
    return tagged(response, position.version, position_public(position))


@router.get(
    "",
    response_model=Page[PositionPublic],
    summary="List positions, oldest first",
    responses=problems(403, 422),
)
def list_positions(
    principal: Reader, session: SessionDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None
) -> Page[PositionPublic]:
    found = service.list_positions(session, principal.organization_id, limit=limit, cursor=cursor)
    return page(found, position_public)


@router.get(
    "/{position_id}",
    response_model=PositionPublic,
    summary="Get a position",
    responses=problems(403, 404),
)
@conditional_get
def get_position(
    position_id: str, principal: Reader, session: SessionDep, response: Response
) -> PositionPublic:
    position = service.read_position(session, principal.organization_id, position_id)
    return tagged(response, position.version, position_public(position))


@router.patch(
    "/{position_id}",
    response_model=PositionPublic,
    summary="Change a position (pay_band and requirements are replaced whole)",
    responses=problems(400, 403, 404, 409, 412, 413, 415, 422),
)
def update_position(
    position_id: str,
    body: PositionUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PositionPublic:
    position = service.update_position(
        session, principal.organization_id, position_id, body, if_match=if_match
    )
    return tagged(response, position.version, position_public(position))


@router.delete(
    "/{position_id}",
    status_code=204,
    summary="Delete a position no event names",
    responses=problems(403, 404, 409, 412),
)
def delete_position(
    position_id: str, principal: Writer, session: SessionDep, if_match: IfMatch = None
) -> Response:
    service.delete_position(session, principal.organization_id, position_id, if_match=if_match)
    return Response(status_code=204)
