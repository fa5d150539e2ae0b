"""Add demographics (kept apart from the person) and frozen readiness assessments.

`demographic` holds a person's categories for the fairness reports, one row a person, and
nothing else reads it. `assessment` keeps a readiness score as it was served for a decision,
with its human review; both go when the person is erased.

Revision ID: 0003_fairness
Revises: 0002
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_fairness'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'demographic',
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('employee_id', sa.String(length=36), nullable=False),
        sa.Column('attributes', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['organization_id', 'employee_id'],
            ['employee.organization_id', 'employee.id'],
            name=op.f('fk_demographic_organization_id_employee_id_employee'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('organization_id', 'employee_id', name=op.f('pk_demographic')),
    )
    op.create_table(
        'assessment',
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('employee_id', sa.String(length=36), nullable=False),
        sa.Column('target_position_id', sa.String(length=36), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=36), nullable=False),
        sa.Column('policy_version', sa.Integer(), nullable=False),
        sa.Column('readiness', sa.JSON(), nullable=False),
        sa.Column('explanation', sa.JSON(), nullable=False),
        sa.Column('review_outcome', sa.String(length=20), nullable=True),
        sa.Column('review_band', sa.String(length=40), nullable=True),
        sa.Column('review_reason', sa.Text(), nullable=True),
        sa.Column('reviewer', sa.String(length=200), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['organization_id', 'employee_id'],
            ['employee.organization_id', 'employee.id'],
            name=op.f('fk_assessment_organization_id_employee_id_employee'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('organization_id', 'id', name=op.f('pk_assessment')),
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_assessment_organization_id_created_at_id'),
            ['organization_id', 'created_at', 'id'],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f('ix_assessment_organization_id_employee_id_created_at_id'),
            ['organization_id', 'employee_id', 'created_at', 'id'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_organization_id_employee_id_created_at_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_organization_id_created_at_id'))
    op.drop_table('assessment')
    op.drop_table('demographic')
