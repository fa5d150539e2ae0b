"""API keys: minting, hashing, and turning a bearer key into the calling organization.

A key looks like `cm_<organization id hex>_<secret>`. Only the SHA-256 of the whole key is
stored; the organization part lets the lookup lead with the tenant like every other index.
Keys are long random secrets, so a fast hash is the right tool (a password hash would only
slow every request).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from app.errors import Forbidden, Unauthorized
from app.models import ApiKey


class Scope(StrEnum):
    read = "read"
    write = "write"
    audit = "audit"
    admin = "admin"


# What each scope includes (SPEC 10): admin ⊇ write ⊇ read and admin ⊇ audit ⊇ read. The
# two middle scopes are side by side, not ranked: a writer cannot read the fairness
# reports, and an auditor writes nothing.
INCLUDES: dict[Scope, frozenset[Scope]] = {
    Scope.read: frozenset({Scope.read}),
    Scope.write: frozenset({Scope.write, Scope.read}),
    Scope.audit: frozenset({Scope.audit, Scope.read}),
    Scope.admin: frozenset(Scope),
}


def parse_scopes(text: str) -> frozenset[Scope]:
    """Return the scopes named in a comma-separated list; raise ValueError on an unknown one."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("name at least one scope: read, write, audit or admin")
    try:
        return frozenset(Scope(n) for n in names)
    except ValueError as exc:
        raise ValueError(f"unknown scope in {text!r}; use read, write, audit or admin") from exc


@dataclass(frozen=True)
class Principal:
    """Who is calling: one organization and the scopes of the key used."""

    organization_id: str
    key_id: str
    scopes: frozenset[Scope]

    def allows(self, needed: Scope) -> bool:
        """Return whether the key's scopes include `needed` (see `INCLUDES`)."""
        return any(needed in INCLUDES[s] for s in self.scopes)


def hash_key(key: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def mint_key(organization_id: str) -> str:
    """Return a new random key for the organization."""
    return f"cm_{uuid.UUID(organization_id).hex}_{secrets.token_urlsafe(32)}"


def _organization_of(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cm":
        return None
    try:
        return str(uuid.UUID(hex=parts[1]))
    except ValueError:
        return None


def lookup_key(session: Session, key: str) -> Principal | None:
    """Return the principal a key stands for, or None when the key is unknown."""
    organization_id = _organization_of(key)
    if organization_id is None:
        return None
    row = session.exec(
        select(ApiKey).where(
            ApiKey.organization_id == organization_id, ApiKey.key_hash == hash_key(key)
        )
    ).first()
    if row is None:
        return None
    return Principal(
        organization_id=row.organization_id,
        key_id=row.id,
        scopes=parse_scopes(row.scopes),
    )


def bearer_token(request: Request) -> str:
    """Return the bearer token of the request; raise Unauthorized when there is none."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use the Bearer scheme: `Authorization: Bearer <key>`.")
    return token.strip()


def check_scope(principal: Principal | None, needed: Scope) -> Principal:
    """Return the principal if it may act with `needed`; raise 401 or 403 otherwise."""
    if principal is None:
        raise Unauthorized("The API key is not valid.")
    if not principal.allows(needed):
        raise Forbidden(f"This operation needs a key with the `{needed.value}` scope.")
    return principal


class KeyCache:
    """Recently verified keys, by hash, for a short while: most requests skip the lookup.

    Keys are never edited, only created, so the one thing a cache could serve stale is a
    key deleted from the database by hand; `ttl_seconds` bounds that.
    """

    def __init__(self, *, ttl_seconds: float = 60.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        """Return the principal of a key verified recently, or None."""
        digest = hash_key(key)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(digest, None)
                return None
            return entry[1]

    def put(self, key: str, principal: Principal) -> None:
        """Remember a key the database just verified."""
        digest = hash_key(key)
        with self._lock:
            self._entries[digest] = (time.monotonic() + self.ttl, principal)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._entries.clear()


KEYS = KeyCache()

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cm_...`.")


class Authorize:
    """Dependency marker: the route needs a key with `scope`.

    The check itself runs in `app.routing.ApiRoute` before the body is read (so a bad key
    with a bad body is a 401); this dependency hands the route the verified principal and
    puts the bearer scheme into the OpenAPI document.
    """

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    # `async`: FastAPI runs a plain `def` dependency in the thread pool, a hop per request.
    async def __call__(
        self,
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    ) -> Principal:
        principal: Principal = request.state.principal
        return principal


Reader = Annotated[Principal, Depends(Authorize(Scope.read))]
Writer = Annotated[Principal, Depends(Authorize(Scope.write))]
Auditor = Annotated[Principal, Depends(Authorize(Scope.audit))]
Admin = Annotated[Principal, Depends(Authorize(Scope.admin))]
