"""The organization's scoring policy, versioned."""

from app.api.common import api_router, conditional_get, problems
from app.api.presenters import policy_public
from app.auth import Admin, Reader
from app.db import SessionDep
from app.errors import NotFound
from app.schemas.policy import PolicyBody, PolicyPublic
from app.services import policy as service

router = api_router("/scoring-policy", "scoring-policy")


@router.get(
    "",
    response_model=PolicyPublic,
    summary="The scoring policy in force",
    responses=problems(403),
)
@conditional_get(by_content=True)
def get_policy(principal: Reader, session: SessionDep) -> PolicyPublic:
    return policy_public(service.current_policy(session, principal.organization_id))


@router.put(
    "",
    response_model=PolicyPublic,
    summary="Replace the scoring policy with a new version (admin)",
    responses=problems(400, 403, 409, 413, 415, 422),
)
def put_policy(body: PolicyBody, principal: Admin, session: SessionDep) -> PolicyPublic:
    return policy_public(service.replace_policy(session, principal.organization_id, body))


@router.get(
    "/versions/{version}",
    response_model=PolicyPublic,
    summary="One version of the scoring policy",
    responses=problems(403, 404),
)
@conditional_get(by_content=True)
def get_policy_version(version: str, principal: Reader, session: SessionDep) -> PolicyPublic:
    if not (version.isascii() and version.isdigit()) or len(version) > 9:
        raise NotFound(f"No scoring policy version {version!r} in this organization.")
    return policy_public(service.policy_version(session, principal.organization_id, int(version)))
