"""Succession planning: talent reviews on events, critical positions, named successors.

`career_event` gains a talent review's three judgements (`potential`, `risk_of_loss`,
`impact_of_loss`), `position` gains `critical` (false for every existing position), and
two tables hold the named successors and every change made to one.

Revision ID: b0598e5371bf
Revises: 0003_position_holding
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b0598e5371bf'
down_revision: str | None = '0003_position_holding'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('career_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('potential', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('risk_of_loss', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('impact_of_loss', sa.String(length=10), nullable=True))
        batch_op.create_index(
            'ix_career_event_talent_review',
            ['organization_id', 'occurred_on'],
            unique=False,
            sqlite_where=sa.text("type = 'talent_review'"),
            postgresql_where=sa.text("type = 'talent_review'"),
        )
    # An ALTER TABLE on SQLite too: the default is a constant, so the table need not be
    # rebuilt (a rebuild would also reorder its constraints).
    with op.batch_alter_table('position', schema=None, recreate='never') as batch_op:
        batch_op.add_column(
            sa.Column('critical', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        'successor',
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('position_id', sa.String(length=36), nullable=False),
        sa.Column('employee_id', sa.String(length=36), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('emergency', sa.Boolean(), nullable=False),
        sa.Column('readiness_override', sa.String(length=20), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['organization_id', 'employee_id'],
            ['employee.organization_id', 'employee.id'],
            name=op.f('fk_successor_organization_id_employee_id_employee'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['organization_id', 'position_id'],
            ['position.organization_id', 'position.id'],
            name=op.f('fk_successor_organization_id_position_id_position'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('organization_id', 'id', name=op.f('pk_successor')),
        sa.UniqueConstraint(
            'organization_id',
            'position_id',
            'employee_id',
            name=op.f('uq_successor_organization_id_position_id_employee_id'),
        ),
    )
    with op.batch_alter_table('successor', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_successor_organization_id_employee_id'),
            ['organization_id', 'employee_id'],
            unique=False,
        )
    op.create_table(
        'successor_change',
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('successor_id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('key_id', sa.String(length=36), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['organization_id', 'successor_id'],
            ['successor.organization_id', 'successor.id'],
            name=op.f('fk_successor_change_organization_id_successor_id_successor'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(
            'organization_id', 'successor_id', 'version', name=op.f('pk_successor_change')
        ),
    )


def downgrade() -> None:
    op.drop_table('successor_change')
    with op.batch_alter_table('successor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_successor_organization_id_employee_id'))
    op.drop_table('successor')
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_column('critical')
    with op.batch_alter_table('career_event', schema=None) as batch_op:
        batch_op.drop_index('ix_career_event_talent_review')
        batch_op.drop_column('impact_of_loss')
        batch_op.drop_column('risk_of_loss')
        batch_op.drop_column('potential')
