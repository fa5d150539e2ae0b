"""The organization's catalog version: a fresh token on every change to its positions or
scoring policy.

`app.services.catalog` caches positions and policy per process and compares the version on
every request; anything that changes them must call `touch` in the same transaction.
"""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import Session, col

from app.models import Organization

# Set in `session.info` once the session changed the catalog: what it reads from then on
# may never commit, so it must not fill a cache other requests read.
TOUCHED = "catalog_touched"


def touch(session: Session, organization_id: str) -> None:
    """Give the organization a new catalog version (in the caller's transaction)."""
    session.info[TOUCHED] = True
    session.execute(
        update(Organization)
        .where(col(Organization.id) == organization_id)
        .values(catalog_version=secrets.token_hex(16))
    )
