"""Create position_holding, each person's spells in positions, and fill it from the events.

The table holds what `app.domain.holding.spells` derives from a person's non-voided
history; the service keeps it current in the same transaction as every write. The backfill
replays each person's hires, moves, salary changes and exits with that same domain
function (pure code, no models), 500 people at a time, so existing histories read the
same after the upgrade as they would have been written by the service.
`tests/services/test_holdings_equivalence.py` checks the backfill against the rows the
service wrote.

Revision ID: 0003_position_holding
Revises: 0003_levels_expiry
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_position_holding'
down_revision: str | None = '0003_levels_expiry'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATE_TYPES = (
    'hire',
    'position_change',
    'promotion',
    'lateral_move',
    'demotion',
    'salary_change',
    'exit',
)
_PEOPLE_A_CHUNK = 500


def upgrade() -> None:
    op.create_table('position_holding',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=36), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.String(length=36), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('start_event_id', sa.String(length=36), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_event_id', sa.String(length=36), nullable=True),
    sa.Column('ended_by', sa.String(length=10), nullable=True),
    sa.Column('next_position_id', sa.String(length=36), nullable=True),
    sa.Column('classification', sa.String(length=20), nullable=True),
    sa.Column('salary_before_cents', sa.BigInteger(), nullable=True),
    sa.Column('salary_before_currency', sa.String(length=3), nullable=True),
    sa.Column('salary_after_cents', sa.BigInteger(), nullable=True),
    sa.Column('salary_after_currency', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['organization_id', 'employee_id'], ['employee.organization_id', 'employee.id'], name=op.f('fk_position_holding_organization_id_employee_id_employee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'employee_id', 'ordinal', name=op.f('pk_position_holding'))
    )
    with op.batch_alter_table('position_holding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_position_holding_organization_id_position_id'), ['organization_id', 'position_id'], unique=False)
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('position_holding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_position_holding_organization_id_position_id'))

    op.drop_table('position_holding')


def _backfill(conn: sa.Connection) -> None:
    """Derive every person's spells from their stored events and insert them."""
    from app.domain.history import EventFacts, EventType
    from app.domain.holding import spells
    from app.domain.values import Money

    # Dates typed, so that SQLite's text comes back as a date and goes in as its text.
    events = sa.table(
        'career_event',
        *(
            sa.column(name)
            for name in (
                'organization_id', 'employee_id', 'id', 'type', 'seq', 'position_id',
                'salary_cents', 'salary_currency', 'voided_at',
            )
        ),
        sa.column('occurred_on', sa.Date()),
    )
    holding = sa.table(
        'position_holding',
        *(
            sa.column(name)
            for name in (
                'organization_id', 'employee_id', 'ordinal', 'position_id', 'start_event_id',
                'end_event_id', 'ended_by', 'next_position_id', 'classification',
                'salary_before_cents', 'salary_before_currency', 'salary_after_cents',
                'salary_after_currency',
            )
        ),
        sa.column('started_on', sa.Date()),
        sa.column('ended_on', sa.Date()),
    )
    position = sa.table('position', sa.column('organization_id'), sa.column('id'), sa.column('level'))
    employee = sa.table('employee', sa.column('organization_id'), sa.column('id'))
    organizations = [row[0] for row in conn.execute(sa.select(employee.c.organization_id).distinct())]
    for org in organizations:
        level_of = {
            pid: int(level)
            for pid, level in conn.execute(
                sa.select(position.c.id, position.c.level).where(position.c.organization_id == org)
            )
        }
        people = [
            row[0]
            for row in conn.execute(
                sa.select(employee.c.id).where(employee.c.organization_id == org).order_by(employee.c.id)
            )
        ]
        for start in range(0, len(people), _PEOPLE_A_CHUNK):
            chunk = people[start : start + _PEOPLE_A_CHUNK]
            by_person: dict[str, list[EventFacts]] = {}
            rows = conn.execute(
                sa.select(
                    events.c.employee_id, events.c.id, events.c.type, events.c.occurred_on,
                    events.c.seq, events.c.position_id, events.c.salary_cents,
                    events.c.salary_currency,
                ).where(
                    events.c.organization_id == org,
                    events.c.employee_id.in_(chunk),
                    events.c.voided_at.is_(None),
                    events.c.type.in_(_STATE_TYPES),
                )
            )
            for person, ev_id, kind, occurred_on, seq, position_id, cents, currency in rows:
                by_person.setdefault(person, []).append(
                    EventFacts(
                        id=ev_id,
                        type=EventType(kind),
                        occurred_on=occurred_on,
                        seq=int(seq),
                        position_id=position_id,
                        salary=Money(int(cents), currency) if cents is not None and currency else None,
                    )
                )
            inserts = [
                {
                    'organization_id': org,
                    'employee_id': person,
                    'ordinal': s.ordinal,
                    'position_id': s.position_id,
                    'started_on': s.started_on,
                    'start_event_id': s.start_event_id,
                    'ended_on': s.ended_on,
                    'end_event_id': s.end_event_id,
                    'ended_by': s.ended_by.value if s.ended_by is not None else None,
                    'next_position_id': s.next_position_id,
                    'classification': s.classification.value if s.classification else None,
                    'salary_before_cents': s.salary_before.cents if s.salary_before else None,
                    'salary_before_currency': s.salary_before.currency if s.salary_before else None,
                    'salary_after_cents': s.salary_after.cents if s.salary_after else None,
                    'salary_after_currency': s.salary_after.currency if s.salary_after else None,
                }
                for person, facts in by_person.items()
                for s in spells(events=facts, level_of=level_of)
            ]
            if inserts:
                conn.execute(holding.insert(), inserts)

