"""The organization's scoring policy: versioned; every readiness answer names its version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain.readiness import DEFAULT_POLICY, Component, Policy
from app.errors import Conflict, NotFound
from app.models import Organization, ScoringPolicy, utcnow
from app.schemas.policy import PolicyBody
from app.services import revisions


@dataclass(frozen=True)
class StoredPolicy:
    policy: Policy
    body: dict[str, Any]
    created_at: datetime


def default_body() -> dict[str, Any]:
    """Return version 1, the policy every organization starts with, as stored JSON."""
    return policy_to_body(DEFAULT_POLICY)


def policy_to_body(policy: Policy) -> dict[str, Any]:
    """Return the stored JSON form of a policy."""
    return {
        "weights": {c.value: float(w) for c, w in policy.weights.items()},
        "window_months": policy.window_months,
        "saturation": {
            "leadership": policy.leadership_saturation,
            "development": policy.development_saturation,
        },
        "thresholds": {
            "ready_now": float(policy.ready_now),
            "ready_1_2_years": float(policy.ready_1_2_years),
        },
        "default_min_months_in_role": policy.default_min_months_in_role,
    }


def body_to_policy(version: int, body: dict[str, Any]) -> Policy:
    """Return the domain policy of a stored body."""
    return Policy(
        version=version,
        weights={c: Decimal(str(body["weights"][c.value])) for c in Component},
        window_months=int(body["window_months"]),
        leadership_saturation=int(body["saturation"]["leadership"]),
        development_saturation=int(body["saturation"]["development"]),
        ready_now=Decimal(str(body["thresholds"]["ready_now"])),
        ready_1_2_years=Decimal(str(body["thresholds"]["ready_1_2_years"])),
        default_min_months_in_role=int(body["default_min_months_in_role"]),
    )


def seed_default(session: Session, organization: Organization) -> None:
    """Give a new organization version 1 of the policy."""
    session.add(
        ScoringPolicy(
            organization_id=organization.id,
            version=1,
            body=default_body(),
            created_at=organization.created_at,
        )
    )


def _default_for(session: Session, organization_id: str) -> StoredPolicy:
    org = session.get(Organization, organization_id)
    return StoredPolicy(DEFAULT_POLICY, default_body(), org.created_at if org else utcnow())


def current_policy(session: Session, organization_id: str) -> StoredPolicy:
    """Return the organization's newest policy version."""
    row = (
        session.execute(
            select(ScoringPolicy)
            .where(col(ScoringPolicy.organization_id) == organization_id)
            .order_by(col(ScoringPolicy.version).desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
    if row is None:
        return _default_for(session, organization_id)
    return StoredPolicy(body_to_policy(row.version, row.body), row.body, row.created_at)


def policy_version(session: Session, organization_id: str, version: int) -> StoredPolicy:
    """Return one version of the policy, or raise 404."""
    row = session.get(ScoringPolicy, (organization_id, version))
    if row is not None:
        return StoredPolicy(body_to_policy(row.version, row.body), row.body, row.created_at)
    if version == 1:
        return _default_for(session, organization_id)
    raise NotFound(f"No scoring policy version {version} in this organization.")


def replace_policy(session: Session, organization_id: str, data: PolicyBody) -> StoredPolicy:
    """Store a new version of the policy and return it; 409 if another change won the race."""
    version = current_policy(session, organization_id).policy.version + 1
    body = data.model_dump(mode="json")
    row = ScoringPolicy(
        organization_id=organization_id, version=version, body=body, created_at=utcnow()
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("The scoring policy changed at the same time; read it and retry.") from exc
    revisions.touch(session, organization_id)
    return StoredPolicy(body_to_policy(version, body), body, row.created_at)
