"""Named successors of a position, with their history (SPEC 12)."""

from fastapi import Response

from app.api.common import (
    DEFAULT_PAGE,
    Cursor,
    IfMatch,
    Limit,
    api_router,
    page,
    page_of,
    problems,
    tagged,
)
from app.api.presenters import successor_change_out, successor_public
from app.auth import Reader, Writer
from app.db import SessionDep
from app.schemas.common import Page
from app.schemas.succession import (
    SuccessorChangePublic,
    SuccessorCreate,
    SuccessorPublic,
    SuccessorUpdate,
)
from app.services import successors as service

router = api_router("/positions/{position_id}/successors", "succession")


def _tagged(response: Response, view: service.SuccessorView) -> SuccessorPublic:
    return tagged(response, view.successor.version, successor_public(view))


@router.post(
    "",
    response_model=SuccessorPublic,
    status_code=201,
    summary="Name a successor for a position",
    responses=problems(400, 403, 404, 409, 413, 415, 422),
)
def create_successor(
    position_id: str,
    body: SuccessorCreate,
    principal: Writer,
    session: SessionDep,
    response: Response,
) -> SuccessorPublic:
    view = service.create_successor(
        session, principal.organization_id, position_id, body, key_id=principal.key_id
    )
    response.headers["Location"] = f"/v1/positions/{position_id}/successors/{view.successor.id}"
    return _tagged(response, view)


@router.get(
    "",
    response_model=Page[SuccessorPublic],
    summary="List a position's named successors by rank, then computed score",
    responses=problems(403, 404, 422),
)
def list_successors(
    position_id: str,
    principal: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Page[SuccessorPublic]:
    views = service.list_successors(session, principal.organization_id, position_id)
    return page(page_of(views, limit, cursor), successor_public)


@router.get(
    "/{successor_id}",
    response_model=SuccessorPublic,
    summary="Get a named successor",
    responses=problems(403, 404),
)
def get_successor(
    position_id: str,
    successor_id: str,
    principal: Reader,
    session: SessionDep,
    response: Response,
) -> SuccessorPublic:
    view = service.get_successor(session, principal.organization_id, position_id, successor_id)
    return _tagged(response, view)


@router.patch(
    "/{successor_id}",
    response_model=SuccessorPublic,
    summary="Change rank, emergency, readiness override or note (null clears)",
    responses=problems(400, 403, 404, 412, 413, 415, 422),
)
def update_successor(
    position_id: str,
    successor_id: str,
    body: SuccessorUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> SuccessorPublic:
    view = service.update_successor(
        session,
        principal.organization_id,
        position_id,
        successor_id,
        body,
        if_match=if_match,
        key_id=principal.key_id,
    )
    return _tagged(response, view)


@router.delete(
    "/{successor_id}",
    status_code=204,
    summary="Remove a named successor and their history",
    responses=problems(403, 404),
)
def delete_successor(
    position_id: str, successor_id: str, principal: Writer, session: SessionDep
) -> Response:
    service.delete_successor(session, principal.organization_id, position_id, successor_id)
    return Response(status_code=204)


@router.get(
    "/{successor_id}/history",
    response_model=list[SuccessorChangePublic],
    summary="Every change to a named successor, oldest first, with the key that made it",
    responses=problems(403, 404),
)
def successor_history(
    position_id: str, successor_id: str, principal: Reader, session: SessionDep
) -> list[SuccessorChangePublic]:
    changes = service.successor_history(
        session, principal.organization_id, position_id, successor_id
    )
    return [successor_change_out(c) for c in changes]
