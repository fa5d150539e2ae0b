"""API keys over their lifetime (SPEC 13): issue, list, read and revoke (admin)."""

from fastapi import Response

from app.api.common import DEFAULT_PAGE, Cursor, Limit, api_router, page, problems
from app.auth import KEYS, Admin
from app.db import SessionDep
from app.models import ApiKey
from app.schemas.common import Page
from app.schemas.keys import KeyCreate, KeyCreated, KeyPublic
from app.services import keys as service

router = api_router("/keys", "keys")


def key_public(row: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=[s for s in row.scopes.split(",") if s],
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


@router.post(
    "",
    response_model=KeyCreated,
    status_code=201,
    summary="Create a key; the answer shows it this once (admin)",
    responses=problems(400, 403, 413, 415, 422),
)
def create_key(
    body: KeyCreate, principal: Admin, session: SessionDep, response: Response
) -> KeyCreated:
    row, key = service.issue_key(
        session,
        principal.organization_id,
        frozenset(body.scopes),
        name=body.name,
        expires_at=body.expires_at,
    )
    response.headers["Location"] = f"/v1/keys/{row.id}"
    response.headers["Cache-Control"] = "no-store"
    return KeyCreated(**key_public(row).model_dump(), key=key)


@router.get(
    "",
    response_model=Page[KeyPublic],
    summary="List the organization's keys, oldest first (admin)",
    responses=problems(403, 422),
)
def list_keys(
    principal: Admin, session: SessionDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None
) -> Page[KeyPublic]:
    found = service.list_keys(session, principal.organization_id, limit=limit, cursor=cursor)
    return page(found, key_public)


@router.get(
    "/{key_id}",
    response_model=KeyPublic,
    summary="One key, without the key itself (admin)",
    responses=problems(403, 404),
)
def get_key(key_id: str, principal: Admin, session: SessionDep) -> KeyPublic:
    return key_public(service.get_key(session, principal.organization_id, key_id))


@router.delete(
    "/{key_id}",
    response_model=KeyPublic,
    summary="Revoke a key: a 401 on every replica within 5 seconds (admin)",
    responses=problems(403, 404, 409),
)
def revoke_key(key_id: str, principal: Admin, session: SessionDep) -> KeyPublic:
    row = service.revoke_key(session, principal.organization_id, key_id)
    # This process forgets it now; the others within their cache's few seconds.
    KEYS.forget_key(principal.organization_id, key_id)
    return key_public(row)
