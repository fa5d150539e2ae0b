"""Organizations (tenants) and their API keys, for the command line."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.auth import Scope, parse_scopes
from app.errors import Conflict, NotFound
from app.models import ApiKey, Organization, utcnow
from app.schemas.common import text_problem
from app.services.keys import issue_key
from app.services.policy import seed_default

MAX_NAME_LENGTH = 200


def find_organization(session: Session, name: str) -> Organization:
    """Return the organization with this name, or raise NotFound."""
    org = (
        session.execute(select(Organization).where(col(Organization.name) == name))
        .scalars()
        .first()
    )
    if org is None:
        raise NotFound(f"No organization named {name!r}.")
    return org


def create_organization(session: Session, name: str) -> tuple[Organization, str]:
    """Create an organization with the default policy; return it and a new admin key."""
    name = name.strip()
    if not name:
        raise ValueError("the organization needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"the organization's name must be at most {MAX_NAME_LENGTH} characters")
    problem = text_problem(name)
    if problem is not None:
        raise ValueError(f"the organization's name {problem}")
    if session.execute(select(Organization).where(col(Organization.name) == name)).first():
        raise Conflict(f"An organization named {name!r} already exists.")
    org = Organization(id=str(uuid.uuid4()), name=name, created_at=utcnow())
    session.add(org)
    session.flush()
    seed_default(session, org)
    key = create_key(session, org, frozenset({Scope.admin}))
    return org, key


def create_key(
    session: Session,
    org: Organization,
    scopes: frozenset[Scope],
    *,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Store a new key's hash for the organization and return the key, shown only now."""
    _, key = issue_key(session, org.id, scopes, name=name, expires_at=expires_at)
    return key


def create_key_for(
    session: Session, org_name: str, scopes_text: str, *, expires_at: datetime | None = None
) -> str:
    """Create a key for the named organization with the scopes listed (`read,write`)."""
    org = find_organization(session, org_name)
    return create_key(session, org, parse_scopes(scopes_text), expires_at=expires_at)


def list_organizations(session: Session) -> list[tuple[Organization, int]]:
    """Return every organization, oldest first, with how many unrevoked keys it has."""
    orgs = list(
        session.execute(
            select(Organization).order_by(col(Organization.created_at), col(Organization.id))
        )
        .scalars()
        .all()
    )
    live: dict[str, int] = {}
    for (organization_id,) in session.execute(
        select(col(ApiKey.organization_id)).where(col(ApiKey.revoked_at).is_(None))
    ):
        live[organization_id] = live.get(organization_id, 0) + 1
    return [(org, live.get(org.id, 0)) for org in orgs]
