"""API keys: minting, hashing, and turning a bearer key into the calling organization.

A key looks like `cm_<5 random characters>_<organization id hex>_<secret>`; its first 8
characters are its `prefix`, different from key to key, so a person (or a secret scanner's
report) can tell which key leaked. Keys minted before prefixes read
`cm_<organization id hex>_<secret>` and still work. Only the SHA-256 of the whole key is
stored; the organization part lets the lookup lead with the tenant like every other index.
Keys are long random secrets, so a fast hash is the right tool (a password hash would only
slow every request).

A key can be revoked or expire (SPEC 13). Verified keys are cached per process for
`KEY_CACHE_SECONDS`, so a revocation made on another replica is seen within that (plus the
request already running); `last_used_at` is written at most once a minute per key and
process, off the request path.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import Database, peek_database
from app.errors import Forbidden, Unauthorized
from app.models import ApiKey, utcnow

logger = logging.getLogger("app.auth")

# How long a process trusts a key it verified. SPEC 13 promises a revoked key fails on every
# replica within 5 s; this bound, plus one request's run, keeps that promise.
KEY_CACHE_SECONDS = 2.0
# `last_used_at` is kept to the minute: a key used within this of its stored value is not
# written again.
LAST_USED_PRECISION = timedelta(seconds=60)
PREFIX_LENGTH = 8


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


def scope_names() -> str:
    """Return the known scopes as words for a message: `read, write or admin`."""
    names = [s.value for s in Scope]
    return ", ".join(names[:-1]) + " or " + names[-1]


def parse_scope_list(names: list[str]) -> frozenset[Scope]:
    """Return the scopes named; raise ValueError on an unknown one or an empty list."""
    cleaned = [n.strip() for n in names if n.strip()]
    if not cleaned:
        raise ValueError(f"name at least one scope: {scope_names()}")
    known = {s.value: s for s in Scope}
    unknown = [n for n in cleaned if n not in known]
    if unknown:
        raise ValueError(f"unknown scope {unknown[0]!r}; use {scope_names()}")
    return frozenset(known[n] for n in cleaned)


def parse_scopes(text: str) -> frozenset[Scope]:
    """Return the scopes named in a comma-separated list; raise ValueError on an unknown one."""
    return parse_scope_list(text.split(","))


def format_scopes(scopes: frozenset[Scope]) -> str:
    """Return the stored form of a set of scopes: their names, comma-separated, in the
    order the enum declares them."""
    return ",".join(s.value for s in Scope if s in scopes)


@dataclass(frozen=True)
class Principal:
    """Who is calling: one organization and the scopes of the key used, and whether the key
    may still be used at all."""

    organization_id: str
    key_id: str
    scopes: frozenset[Scope]
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def allows(self, needed: Scope) -> bool:
        """Return whether the key's scopes include `needed` (see `INCLUDES`)."""
        return any(needed in INCLUDES[s] for s in self.scopes)


def hash_key(key: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


_PREFIX_ALPHABET = string.ascii_letters + string.digits


def mint_key(organization_id: str) -> str:
    """Return a new random key for the organization."""
    tag = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH - 3))
    return f"cm_{tag}_{uuid.UUID(organization_id).hex}_{secrets.token_urlsafe(32)}"


def key_prefix(key: str) -> str:
    """Return the part of a key that may be shown again: its first 8 characters."""
    return key[:PREFIX_LENGTH]


def _organization_of(key: str) -> str | None:
    parts = key.split("_", 3)
    if len(parts) < 3 or parts[0] != "cm":
        return None
    # `cm_<tag>_<org hex>_<secret>` now, `cm_<org hex>_<secret>` before prefixes.
    candidate = parts[2] if len(parts) == 4 and len(parts[1]) == PREFIX_LENGTH - 3 else parts[1]
    if len(candidate) != 32:
        return None
    try:
        return str(uuid.UUID(hex=candidate))
    except ValueError:
        return None


def lookup_key(session: Session, key: str) -> Principal | None:
    """Return the principal a key stands for (revoked or expired ones too, so the answer can
    say so), or None when the key is unknown."""
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
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def bearer_token(request: Request) -> str:
    """Return the bearer token of the request; raise Unauthorized when there is none."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use the Bearer scheme: `Authorization: Bearer <key>`.")
    token = token.strip()
    doubled, _, _rest = token.partition(" ")
    if doubled.lower() == "bearer":
        raise Unauthorized(
            "The header says `Bearer` twice (`Authorization: Bearer Bearer ...`): send the "
            "key once after a single `Bearer `. In Swagger UI's Authorize dialog, paste the "
            "key alone, without `Bearer `."
        )
    return token


def check_scope(principal: Principal | None, needed: Scope) -> Principal:
    """Return the principal if it may act with `needed`; raise 401 or 403 otherwise."""
    if principal is None:
        raise Unauthorized("The API key is not valid.")
    if principal.revoked_at is not None:
        raise Unauthorized(
            "The API key was revoked.", error="invalid_token", description="the key was revoked"
        )
    if principal.expires_at is not None and principal.expires_at <= utcnow():
        raise Unauthorized(
            f"The API key expired at {principal.expires_at.isoformat()}.",
            error="invalid_token",
            description="the key has expired",
        )
    if not principal.allows(needed):
        raise Forbidden(f"This operation needs a key with the `{needed.value}` scope.")
    LAST_USE.seen(principal)
    return principal


class LastUse:
    """Writes `last_used_at` at most once a minute per key and process, on one thread of its
    own, so no request waits for the write (or for SQLite's write lock)."""

    def __init__(self) -> None:
        self._written: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="key-last-use")
        self._pending: list[Future[None]] = []

    def seen(self, principal: Principal) -> None:
        """Note a use of the key; schedule a write when the stored time is a minute old."""
        now = utcnow()
        ident = (principal.organization_id, principal.key_id)
        with self._lock:
            last = self._written.get(ident) or principal.last_used_at
            if last is not None and now - last < LAST_USED_PRECISION:
                return
            self._written[ident] = now
            if len(self._written) > 10_000:
                self._written.clear()
        database = peek_database()
        if database is None:
            return
        future = self._executor.submit(_write_last_use, database, ident, now)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(future)

    def flush(self) -> None:
        """Wait for the writes scheduled so far (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result()

    def forget(self) -> None:
        """Forget which keys were written (tests)."""
        with self._lock:
            self._written.clear()


def _write_last_use(database: Database, ident: tuple[str, str], when: datetime) -> None:
    organization_id, key_id = ident
    try:
        with database.transaction() as session:
            session.execute(
                update(ApiKey)
                .where(col(ApiKey.organization_id) == organization_id, col(ApiKey.id) == key_id)
                .values(last_used_at=when.replace(second=0, microsecond=0))
            )
    except Exception as exc:  # noqa: BLE001 - a lost write only loses a minute's precision
        logger.warning("last_used_at not written: %s", type(exc).__name__)


LAST_USE = LastUse()


class KeyCache:
    """Recently verified keys, by hash, for a few seconds: most requests skip the lookup.

    A key can be revoked, on this replica or another; `ttl_seconds` bounds how long a
    process may still honour it (`KEY_CACHE_SECONDS`), and a revocation made here is
    forgotten at once (`forget_key`).
    """

    def __init__(
        self, *, ttl_seconds: float = KEY_CACHE_SECONDS, max_entries: int = 10_000
    ) -> None:
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

    def forget_key(self, organization_id: str, key_id: str) -> None:
        """Drop a key this process just revoked."""
        with self._lock:
            for digest, (_, principal) in list(self._entries.items()):
                if principal.organization_id == organization_id and principal.key_id == key_id:
                    del self._entries[digest]

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._entries.clear()


KEYS = KeyCache()

_bearer = HTTPBearer(
    auto_error=False,
    description="Paste the API key alone (`cm_...`), without `Bearer `: it is sent as "
    "`Authorization: Bearer <key>`.",
)


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
