"""Keys over their lifetime: a name, a recognisable prefix, expiry, last use and revocation.

`prefix` is the first 8 characters of the key. Keys minted before this revision read
`cm_<organization id hex>_...`, so theirs is `cm_` and the first five hex digits of the
organization id, which the upgrade writes for every existing row.

Revision ID: 0003_keys
Revises: 0002
Create Date: 2026-12-06 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003_keys'
down_revision: str | None = '0003_fairness'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column('prefix', sa.String(length=8), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE api_key SET prefix = 'cm_' || substr(replace(organization_id, '-', ''), 1, 5)"
    )


def downgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('prefix')
        batch_op.drop_column('name')
