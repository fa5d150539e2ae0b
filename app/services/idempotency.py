"""Idempotency keys (IETF httpapi idempotency-key draft) for POST requests.

A key is claimed in its own short transaction, so a concurrent retry sees it in flight (409).
The stored response is written in the same transaction as the request's own work, so a
replay never promises something that was not committed.

A claim names the person its path names from the start, so an erasure that runs while the
request is in flight deletes the claim too, and a replay can never hand back what the
erasure removed. Expired records are purged per organization, at most once a minute per
process, when the organization next claims a key.

An in-flight claim is a lease: its `expires_at` is a short while ahead (`lease_seconds`),
and the request holding it renews it while it runs (`renew`, called by the request wrapper
every third of the lease). A claim whose request failed is released by the wrapper; one
whose process died stops being renewed and is taken over once its lease runs out. A live
request's claim never runs out, however long it works: a retry meanwhile is a 409.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.db import Database
from app.errors import IdempotencyInFlight, IdempotencyKeyReused, ValidationFailed
from app.models import Employee, IdempotencyRecord, utcnow

MAX_KEY_LENGTH = 255
LEASE_SECONDS = 60.0
PURGE_EVERY_SECONDS = 60.0
REPLAYED_HEADERS = ("content-type", "location", "etag")


@dataclass(frozen=True)
class Claim:
    organization_id: str
    method: str
    path: str
    key: str
    # The person the path names (`/employees/{id}/...`), so erasure finds the claim.
    employee_id: str | None = None


@dataclass(frozen=True)
class Replay:
    status_code: int
    headers: dict[str, str]
    body: bytes


def body_fingerprint(body: bytes) -> str:
    """Return a hash of the body that ignores JSON key order and spacing."""
    # A body that is not JSON, nests too deeply for Python's parser, or holds a lone
    # surrogate is hashed as sent: the route refuses it with a 4xx, which is then replayed.
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def check_key(key: str) -> str:
    """Return the key if it is usable; raise a 422 naming the header otherwise."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed.one(
            "Idempotency-Key",
            f"must be 1 to {MAX_KEY_LENGTH} printable characters",
            "header",
        )
    return key


def claim(
    db: Database, *, claim: Claim, body: bytes, lease_seconds: float = LEASE_SECONDS
) -> Replay | None:
    """Claim the key for this request, or return the stored response to replay.

    Raises 409 while the first request is in flight and 422 when the body differs.
    """
    return claim_fingerprint(
        db, claim=claim, fingerprint=body_fingerprint(body), lease_seconds=lease_seconds
    )


class _Purges:
    """When each organization's expired records were last purged by this process."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def due(self, organization_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(organization_id)
            if last is not None and now - last < PURGE_EVERY_SECONDS:
                return False
            if len(self._last) > 100_000:
                self._last.clear()
            self._last[organization_id] = now
            return True

    def forget(self) -> None:
        with self._lock:
            self._last.clear()


PURGES = _Purges()


def purge_expired(db: Database, organization_id: str) -> int:
    """Delete the organization's expired records; return how many went."""
    with db.transaction() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.organization_id) == organization_id,
                col(IdempotencyRecord.expires_at) <= utcnow(),
            )
        )
        return int(cast(CursorResult[Any], result).rowcount or 0)


def claim_fingerprint(
    db: Database, *, claim: Claim, fingerprint: str, lease_seconds: float = LEASE_SECONDS
) -> Replay | None:
    """Claim the key for a request whose body hashes to `fingerprint` (see `claim`)."""
    if PURGES.due(claim.organization_id):
        purge_expired(db, claim.organization_id)
    pk = (claim.organization_id, claim.method, claim.path, claim.key)
    for _ in range(3):
        now = utcnow()
        with db.transaction() as session:
            record = session.get(IdempotencyRecord, pk)
            if record is not None:
                # Done: kept for its hours. In flight: its lease, renewed while it lives.
                if record.expires_at <= now:
                    session.delete(record)
                    record = None
            if record is not None:
                if record.request_hash != fingerprint:
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was used with a different body; "
                        "use a new key for a new request."
                    )
                if record.state == "in_flight":
                    raise IdempotencyInFlight(
                        "A request with this Idempotency-Key is still being processed; "
                        "retry when it has finished.",
                        headers={"Retry-After": "1"},
                    )
                return Replay(
                    status_code=record.status_code or 200,
                    headers=dict(record.response_headers or {}),
                    body=record.response_body or b"",
                )
        try:
            with db.transaction() as session:
                session.add(
                    IdempotencyRecord(
                        organization_id=claim.organization_id,
                        method=claim.method,
                        path=claim.path,
                        key=claim.key,
                        request_hash=fingerprint,
                        state="in_flight",
                        employee_id=claim.employee_id,
                        created_at=now,
                        expires_at=now + timedelta(seconds=lease_seconds),
                    )
                )
            return None
        except IntegrityError:
            continue  # someone claimed it between our read and insert: read again
    raise IdempotencyInFlight(
        "A request with this Idempotency-Key is still being processed.",
        headers={"Retry-After": "1"},
    )


def complete(
    session: Session,
    *,
    claim: Claim,
    status_code: int,
    headers: dict[str, str],
    body: bytes,
    employee_id: str | None,
    ttl_hours: int,
) -> None:
    """Store the response for replay, in the caller's transaction."""
    now = utcnow()
    record = session.get(
        IdempotencyRecord, (claim.organization_id, claim.method, claim.path, claim.key)
    )
    if record is None:
        return
    person = employee_id or claim.employee_id
    if person is not None and _gone(session, claim.organization_id, person):
        # Erased before this request claimed its key: nothing may name them, and the
        # retry finds no person either way.
        session.delete(record)
        session.flush()
        return
    record.state = "done"
    record.status_code = status_code
    record.response_headers = {k: v for k, v in headers.items() if k in REPLAYED_HEADERS}
    record.response_body = body
    record.employee_id = employee_id
    record.expires_at = now + timedelta(hours=ttl_hours)
    session.add(record)
    session.flush()


def _gone(session: Session, organization_id: str, employee_id: str) -> bool:
    found = session.execute(
        select(col(Employee.id)).where(
            col(Employee.organization_id) == organization_id, col(Employee.id) == employee_id
        )
    ).first()
    return found is None


def renew(db: Database, *, claim: Claim, lease_seconds: float) -> bool:
    """Extend an in-flight claim's lease from now; False when it is no longer in flight."""
    with db.transaction() as session:
        result = session.execute(
            update(IdempotencyRecord)
            .where(
                col(IdempotencyRecord.organization_id) == claim.organization_id,
                col(IdempotencyRecord.method) == claim.method,
                col(IdempotencyRecord.path) == claim.path,
                col(IdempotencyRecord.key) == claim.key,
                col(IdempotencyRecord.state) == "in_flight",
            )
            .values(expires_at=utcnow() + timedelta(seconds=lease_seconds))
        )
        return bool(getattr(result, "rowcount", 0))


def release(db: Database, *, claim: Claim) -> None:
    """Forget an in-flight claim whose request failed with a 5xx, so a retry runs again."""
    with db.transaction() as session:
        session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.organization_id) == claim.organization_id,
                col(IdempotencyRecord.method) == claim.method,
                col(IdempotencyRecord.path) == claim.path,
                col(IdempotencyRecord.key) == claim.key,
                col(IdempotencyRecord.state) == "in_flight",
            )
        )
