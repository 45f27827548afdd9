"""group chats bound to a school or the district

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_chats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('bound_by', sa.Integer(), nullable=True),
    sa.Column('bound_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('unbound_at', store.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bound_by'], ['staff.id'], name=op.f('fk_group_chats_bound_by_staff')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_group_chats_district_id_districts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_group_chats_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_chats')),
    sa.UniqueConstraint('chat_id', name=op.f('uq_group_chats_chat_id'))
    )
    with op.batch_alter_table('group_chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_chats_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_chats_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('group_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_chats_school_id'))
        batch_op.drop_index(batch_op.f('ix_group_chats_district_id'))
    op.drop_table('group_chats')
