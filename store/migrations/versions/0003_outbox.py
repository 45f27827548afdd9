"""outbox, schedule runs, nudge mutes; exemption proposals, teachers in exemptions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:54:27.906214
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_chat_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', store.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('recipient_chat_id', 'kind', 'period', name='uq_outbox_recipient_kind_period')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    op.create_table('schedule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=64), nullable=False),
    sa.Column('due_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ran_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('enqueued', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_runs')),
    sa.UniqueConstraint('kind', 'period', name='uq_schedule_runs_kind_period')
    )
    op.create_table('nudge_mutes',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('until', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_nudge_mutes_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_nudge_mutes'))
    )
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.alter_column('student_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_exemptions_staff_id'), ['staff_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exemptions_staff_id_staff'), 'staff', ['staff_id'], ['id'])

    op.create_table('exemption_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason_code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('proposed_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', store.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('exemption_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], name=op.f('fk_exemption_proposals_decided_by_staff')),
    sa.ForeignKeyConstraint(['exemption_id'], ['exemptions.id'], name=op.f('fk_exemption_proposals_exemption_id_exemptions')),
    sa.ForeignKeyConstraint(['proposed_by'], ['staff.id'], name=op.f('fk_exemption_proposals_proposed_by_staff')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exemption_proposals_school_id_schools')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_exemption_proposals_staff_id_staff')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_exemption_proposals_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemption_proposals'))
    )
    with op.batch_alter_table('exemption_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemption_proposals_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exemption_proposals_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exemption_proposals_student_id'), ['student_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exemption_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemption_proposals_student_id'))
        batch_op.drop_index(batch_op.f('ix_exemption_proposals_staff_id'))
        batch_op.drop_index(batch_op.f('ix_exemption_proposals_school_id'))

    op.drop_table('exemption_proposals')
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exemptions_staff_id_staff'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exemptions_staff_id'))
        batch_op.alter_column('student_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('staff_id')

    op.drop_table('nudge_mutes')
    op.drop_table('schedule_runs')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_next_attempt_at')

    op.drop_table('outbox')
