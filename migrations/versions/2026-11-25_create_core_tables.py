"""Create the core tables: organizations, keys, positions, employees, events, policies.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 19:34:14.735709
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('organization',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('name', name=op.f('uq_organization_name'))
    )
    op.create_table('api_key',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_api_key_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('organization_id', 'key_hash', name=op.f('uq_api_key_organization_id_key_hash'))
    )
    op.create_table('employee',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_employee_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'id', name=op.f('pk_employee')),
    sa.UniqueConstraint('organization_id', 'external_id', name=op.f('uq_employee_organization_id_external_id'))
    )
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employee_organization_id_created_at_id'), ['organization_id', 'created_at', 'id'], unique=False)

    op.create_table('idempotency_record',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_headers', sa.JSON(), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('employee_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_idempotency_record_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'method', 'path', 'key', name=op.f('pk_idempotency_record'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_organization_id_employee_id'), ['organization_id', 'employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotency_record_organization_id_expires_at'), ['organization_id', 'expires_at'], unique=False)

    op.create_table('position',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('family', sa.String(length=100), nullable=False),
    sa.Column('track', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('pay_currency', sa.String(length=3), nullable=True),
    sa.Column('pay_min_cents', sa.BigInteger(), nullable=True),
    sa.Column('pay_max_cents', sa.BigInteger(), nullable=True),
    sa.Column('pay_midpoint_cents', sa.BigInteger(), nullable=True),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('min_months_in_role', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_position_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'id', name=op.f('pk_position')),
    sa.UniqueConstraint('organization_id', 'code', name=op.f('uq_position_organization_id_code'))
    )
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_position_organization_id_created_at_id'), ['organization_id', 'created_at', 'id'], unique=False)

    op.create_table('scoring_policy',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_scoring_policy_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'version', name=op.f('pk_scoring_policy'))
    )
    op.create_table('career_event',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('position_id', sa.String(length=36), nullable=True),
    sa.Column('salary_cents', sa.BigInteger(), nullable=True),
    sa.Column('salary_currency', sa.String(length=3), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('name_key', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('classification', sa.String(length=20), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('event_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['organization_id', 'employee_id'], ['employee.organization_id', 'employee.id'], name=op.f('fk_career_event_organization_id_employee_id_employee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id', 'position_id'], ['position.organization_id', 'position.id'], name=op.f('fk_career_event_organization_id_position_id_position')),
    sa.PrimaryKeyConstraint('organization_id', 'id', name=op.f('pk_career_event')),
    sa.UniqueConstraint('organization_id', 'employee_id', 'event_key', name=op.f('uq_career_event_organization_id_employee_id_event_key')),
    sa.UniqueConstraint('organization_id', 'employee_id', 'seq', name=op.f('uq_career_event_organization_id_employee_id_seq'))
    )
    with op.batch_alter_table('career_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_career_event_organization_id_employee_id_occurred_on_seq'), ['organization_id', 'employee_id', 'occurred_on', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_career_event_organization_id_position_id'), ['organization_id', 'position_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('career_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_career_event_organization_id_position_id'))
        batch_op.drop_index(batch_op.f('ix_career_event_organization_id_employee_id_occurred_on_seq'))

    op.drop_table('career_event')
    op.drop_table('scoring_policy')
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_position_organization_id_created_at_id'))

    op.drop_table('position')
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_organization_id_expires_at'))
        batch_op.drop_index(batch_op.f('ix_idempotency_record_organization_id_employee_id'))

    op.drop_table('idempotency_record')
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employee_organization_id_created_at_id'))

    op.drop_table('employee')
    op.drop_table('api_key')
    op.drop_table('organization')
    
