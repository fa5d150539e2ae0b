"""Add career_event.level (skills) and career_event.expires_on (certifications).

Both are nullable and need no backfill: a skill recorded before levels existed is level 1,
and a certification without `expires_on` never expires, which is what NULL means to the
readers (app.domain.proofs).

Revision ID: 0003_levels_expiry
Revises: 0002
Create Date: 2026-12-06 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_levels_expiry"
down_revision: str | None = "0003_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("career_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("career_event", schema=None) as batch_op:
        batch_op.drop_column("expires_on")
        batch_op.drop_column("level")
