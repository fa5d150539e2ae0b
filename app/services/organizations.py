"""Organizations (tenants) and their API keys, for the command line."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from app.auth import Scope, hash_key, mint_key, parse_scopes
from app.errors import Conflict, NotFound
from app.models import ApiKey, Organization, utcnow
from app.services.policy import seed_default

_ORDER = (Scope.read, Scope.write, Scope.audit, Scope.admin)


def find_organization(session: Session, name: str) -> Organization:
    """Return the organization with this name, or raise NotFound."""
    org = session.execute(select(Organization).where(Organization.name == name)).scalars().first()
    if org is None:
        raise NotFound(f"No organization named {name!r}.")
    return org


def create_organization(session: Session, name: str) -> tuple[Organization, str]:
    """Create an organization with the default policy; return it and a new admin key."""
    name = name.strip()
    if not name:
        raise ValueError("the organization needs a name")
    if session.execute(select(Organization).where(Organization.name == name)).first():
        raise Conflict(f"An organization named {name!r} already exists.")
    org = Organization(id=str(uuid.uuid4()), name=name, created_at=utcnow())
    session.add(org)
    session.flush()
    seed_default(session, org)
    key = create_key(session, org, frozenset({Scope.admin}))
    return org, key


def create_key(session: Session, org: Organization, scopes: frozenset[Scope]) -> str:
    """Store a new key's hash for the organization and return the key, shown only now."""
    key = mint_key(org.id)
    session.add(
        ApiKey(
            organization_id=org.id,
            id=str(uuid.uuid4()),
            key_hash=hash_key(key),
            scopes=",".join(s.value for s in _ORDER if s in scopes),
            created_at=utcnow(),
        )
    )
    session.flush()
    return key


def create_key_for(session: Session, org_name: str, scopes_text: str) -> str:
    """Create a key for the named organization with the scopes listed (`read,write`)."""
    return create_key(session, find_organization(session, org_name), parse_scopes(scopes_text))
