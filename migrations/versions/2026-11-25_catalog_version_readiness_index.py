"""Add organization.catalog_version and an index for readiness's reads.

`organization.catalog_version` gets a fresh random token on every change to positions or
the scoring policy: processes cache an organization's positions and policy and compare
this one value per request instead of reading them again. The index on career_event (organization, employee,
type, day, folded name) lets readiness read ranges instead of a person's whole history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('catalog_version', sa.String(length=32), server_default='', nullable=False)
        )
    with op.batch_alter_table('career_event', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_career_event_organization_id_employee_id_type_occurred_on_name_key'),
            ['organization_id', 'employee_id', 'type', 'occurred_on', 'name_key'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('career_event', schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f('ix_career_event_organization_id_employee_id_type_occurred_on_name_key')
        )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('catalog_version')
