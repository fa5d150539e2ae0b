"""Positions: the job architecture that moves are classified against."""

from typing import Annotated

from fastapi import Header, Response

from app.api.common import DEFAULT_PAGE, Cursor, Limit, api_router, conditional_get, problems
from app.api.presenters import position_public
from app.auth import Reader, Writer
from app.db import SessionDep
from app.schemas.common import Page
from app.schemas.positions import PositionCreate, PositionPublic, PositionUpdate
from app.services import positions as service

router = api_router("/positions", "positions")

IfMatch = Annotated[
    str | None,
    Header(description='The `ETag` you read, e.g. `"3"`; a stale one is a 412.'),
]


def _tagged(response: Response, position: PositionPublic) -> PositionPublic:
    response.headers["ETag"] = service.etag(position.version)
    return position


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
    return _tagged(response, position_public(position))


@router.get(
    "",
    response_model=Page[PositionPublic],
    summary="List positions, oldest first",
    responses=problems(403, 422),
)
def list_positions(
    principal: Reader, session: SessionDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None
) -> Page[PositionPublic]:
    rows, next_cursor = service.list_positions(
        session, principal.organization_id, limit=limit, cursor=cursor
    )
    return Page(items=[position_public(p) for p in rows], next_cursor=next_cursor)


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
    return _tagged(response, position_public(position))


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
    return _tagged(response, position_public(position))


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
