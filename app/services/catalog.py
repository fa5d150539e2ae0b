"""An organization's positions and current scoring policy, cached per process.

Readiness and comparisons read the same positions and policy on every request; a process
keeps them per organization with the organization's `catalog_version`, which every
change to a position or the policy replaces in the same transaction
(`app.services.revisions.touch`). Each request still reads that one value, so a change
committed through any replica is seen by the next request everywhere: the cache is never
trusted without it.

A session that changed positions or the policy (`touch` marks it) never fills the cache:
it sees its own uncommitted version, and a cache filled from it would outlive a rollback.
Any other session reads only committed data, which is safe to share.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from app.domain.mobility import PositionFacts
from app.errors import NotFound
from app.models import Employee, Organization, Position
from app.services import revisions
from app.services.policy import StoredPolicy, current_policy
from app.services.positions import position_facts

MAX_ORGANIZATIONS = 1_000


@dataclass(frozen=True)
class Catalog:
    """What an organization's positions and policy were at one version."""

    version: str
    positions: dict[str, PositionFacts]
    policy: StoredPolicy

    def position(self, position_id: str) -> PositionFacts:
        """Return the position or raise 404."""
        found = self.positions.get(position_id)
        if found is None:
            raise NotFound(f"No position {position_id!r} in this organization.")
        return found

    def level_of(self, position_id: str | None) -> int | None:
        """Return the position's level (None when there is no such position)."""
        found = self.positions.get(position_id) if position_id else None
        return found.level if found is not None else None


_cache: OrderedDict[str, Catalog] = OrderedDict()
_lock = threading.Lock()

# One statement answers "which version" and "which history of this person" together: the
# person's `event_seq` moves on every record, import and void (None: no such person).
_VERSION = select(
    col(Organization.catalog_version),
    select(col(Employee.event_seq))
    .where(
        col(Employee.organization_id) == col(Organization.id),
        col(Employee.id) == bindparam("employee_id"),
    )
    .scalar_subquery(),
).where(col(Organization.id) == bindparam("organization_id"))


def _load(session: Session, organization_id: str, version: str) -> Catalog:
    # Read after the version: what is loaded is at least as new as the version it is
    # filed under, so a concurrent change can only make the next request reload.
    rows = session.execute(select(Position).where(col(Position.organization_id) == organization_id))
    positions = {p.id: position_facts(p) for p in rows.scalars()}
    return Catalog(version, positions, current_policy(session, organization_id))


def current(session: Session, organization_id: str) -> Catalog:
    """Return the organization's positions and policy as of now."""
    return with_person(session, organization_id, None)[0]


def with_person(
    session: Session, organization_id: str, employee_id: str | None
) -> tuple[Catalog, bool]:
    """Return the organization's catalog, and whether the person exists (read in the same
    statement as the version; False when `employee_id` is None)."""
    catalog, history_version = with_history(session, organization_id, employee_id)
    return catalog, history_version is not None


def with_history(
    session: Session, organization_id: str, employee_id: str | None
) -> tuple[Catalog, int | None]:
    """Return the organization's catalog and the person's history version, read in one
    statement (None when there is no such person, or `employee_id` is None)."""
    row: Any = (
        session.connection()
        .execute(_VERSION, {"organization_id": organization_id, "employee_id": employee_id or ""})
        .first()
    )
    if row is None:
        raise NotFound("No such organization.")
    version = str(row[0])
    person = None if row[1] is None or employee_id is None else int(row[1])
    cached = _cache.get(organization_id)
    if cached is not None and cached.version == version:
        return cached, person
    catalog = _load(session, organization_id, version)
    if not session.info.get(revisions.TOUCHED):
        with _lock:
            _cache[organization_id] = catalog
            _cache.move_to_end(organization_id)
            while len(_cache) > MAX_ORGANIZATIONS:
                _cache.popitem(last=False)
    return catalog, person


def clear() -> None:
    """Forget every organization (tests)."""
    with _lock:
        _cache.clear()
