"""API keys over their lifetime (SPEC 13): issue, list, read and revoke.

Revocation takes the organization's row lock first, so two admins revoking each other's key
at once cannot both pass the last-admin check.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.auth import Scope, format_scopes, hash_key, key_prefix, mint_key, parse_scopes
from app.errors import Conflict, NotFound
from app.models import ApiKey, Organization, utcnow
from app.services.pagination import page_by_creation


def issue_key(
    session: Session,
    organization_id: str,
    scopes: frozenset[Scope],
    *,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key's hash; return its row and the key, shown only now."""
    key = mint_key(organization_id)
    row = ApiKey(
        organization_id=organization_id,
        id=str(uuid.uuid4()),
        key_hash=hash_key(key),
        scopes=format_scopes(scopes),
        created_at=utcnow(),
        name=name,
        prefix=key_prefix(key),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, key


def list_keys(
    session: Session, organization_id: str, *, limit: int, cursor: str | None
) -> tuple[list[ApiKey], str | None]:
    """Return a page of the organization's keys, oldest first."""
    query = select(ApiKey).where(col(ApiKey.organization_id) == organization_id)
    return page_by_creation(session, query, ApiKey, limit=limit, cursor=cursor)


def get_key(session: Session, organization_id: str, key_id: str) -> ApiKey:
    """Return one of the organization's keys, or raise 404."""
    row = session.get(ApiKey, (organization_id, key_id))
    if row is None:
        raise NotFound(f"No key {key_id!r} in this organization.")
    return row


def _usable_admin(row: ApiKey, now: datetime) -> bool:
    return (
        Scope.admin in parse_scopes(row.scopes)
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
    )


def revoke_key(session: Session, organization_id: str, key_id: str) -> ApiKey:
    """Revoke a key; 409 when it is revoked already, or when it is the organization's last
    usable admin key (the organization would lock itself out)."""
    session.execute(
        select(col(Organization.id))
        .where(col(Organization.id) == organization_id)
        .with_for_update()
    )
    row = get_key(session, organization_id, key_id)
    if row.revoked_at is not None:
        raise Conflict(f"Key {key_id!r} was revoked already, at {row.revoked_at.isoformat()}.")
    now = utcnow()
    if _usable_admin(row, now):
        others = session.execute(
            select(ApiKey).where(
                col(ApiKey.organization_id) == organization_id,
                col(ApiKey.id) != key_id,
                col(ApiKey.revoked_at).is_(None),
            )
        ).scalars()
        if not any(_usable_admin(other, now) for other in others):
            raise Conflict(
                f"Key {key_id!r} is the organization's last admin key; create another admin "
                "key before revoking it."
            )
    row.revoked_at = now
    session.add(row)
    session.flush()
    return row
