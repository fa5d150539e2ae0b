"""API key shapes (SPEC 13): a key's public record, and the one answer that shows the key."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from app.auth import Scope
from app.models import utcnow
from app.schemas.common import InputModel, Name


class KeyCreate(InputModel):
    # `Scope` members, not a fixed list: a scope added to the enum is accepted here too.
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope) * 2)
    name: Name | None = None
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the key stops working; must lie in the future."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"scopes": ["read"], "name": "reporting", "expires_at": "2027-06-30T00:00:00Z"}
            ]
        }
    }

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value <= utcnow():
            raise ValueError("must lie in the future")
        return value


class KeyPublic(BaseModel):
    """A key as it may be shown again: never the key itself nor its hash."""

    id: str
    name: str | None
    prefix: str = Field(description="The key's first 8 characters, to recognise it.")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Kept to the minute.")
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    key: str = Field(description="The key itself, shown this once.")
