"""supervision (督導): reviewers' decisions, interview confirmations, the reopened edit window

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:45:00

``visits.reopened_until``: a reviewer's return reopens the saved card's Edit until then.
``campaigns.review``: the campaign file's ``[review]`` section (None: the defaults).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'interview_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('asked_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.String(length=16), nullable=True),
        sa.Column('answered_at', store.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_interview_confirmations_staff_id_staff')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_interview_confirmations_visit_id_visits'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_confirmations')),
        sa.UniqueConstraint('visit_id', 'staff_id', name='uq_interview_confirmations_visit_staff'),
    )
    op.create_index(op.f('ix_interview_confirmations_staff_id'), 'interview_confirmations', ['staff_id'])
    op.create_index(op.f('ix_interview_confirmations_visit_id'), 'interview_confirmations', ['visit_id'])
    op.create_table(
        'visit_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('visit_version', sa.Integer(), nullable=False),
        sa.Column('at', store.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['reviewer_id'], ['staff.id'], name=op.f('fk_visit_reviews_reviewer_id_staff')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_reviews_visit_id_visits'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_reviews')),
    )
    op.create_index(op.f('ix_visit_reviews_visit_id'), 'visit_reviews', ['visit_id'])
    # Plain ADD COLUMN: never batch-recreate `visits` on SQLite (it cascades its link rows away).
    op.add_column('campaigns', sa.Column('review', sa.JSON(), nullable=True))
    op.add_column('visits', sa.Column('reopened_until', store.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Never recreate the table: on SQLite a recreated `visits` would cascade-delete its link rows.
    with op.batch_alter_table('visits', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('reopened_until')
    with op.batch_alter_table('campaigns', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('review')
    op.drop_index(op.f('ix_visit_reviews_visit_id'), table_name='visit_reviews')
    op.drop_table('visit_reviews')
    op.drop_index(op.f('ix_interview_confirmations_visit_id'), table_name='interview_confirmations')
    op.drop_index(op.f('ix_interview_confirmations_staff_id'), table_name='interview_confirmations')
    op.drop_table('interview_confirmations')
