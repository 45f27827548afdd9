"""opinion handling, rectification items, their opinions and notes; follow-ups one per person visited

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:10:00

Existing follow-ups (one per visit) become one per person visited: the row keeps the visit's first
visitee and a copy is added for every other one, with the same due date and state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _split_follow_ups() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT f.id, f.visit_id, f.due_date, f.done_visit_id, f.done_at, f.cancelled_at, v.kind "
        "FROM follow_ups f JOIN visits v ON v.id = f.visit_id"
    )).all()
    for fid, visit_id, due, done_visit, done_at, cancelled_at, kind in rows:
        table = "visit_students" if kind == "student" else "visit_teachers"
        column = "student_id" if kind == "student" else "staff_id"
        people = sorted(bind.execute(sa.text(
            f"SELECT {column} FROM {table} WHERE visit_id = :v"), {"v": visit_id}).scalars().all())
        first, rest = (people[0], people[1:]) if people else (0, [])
        bind.execute(sa.text("UPDATE follow_ups SET person_kind = :k, person_id = :p WHERE id = :i"),
                     {"k": kind, "p": first, "i": fid})
        for person in rest:
            bind.execute(sa.text(
                "INSERT INTO follow_ups (visit_id, person_kind, person_id, due_date, done_visit_id, done_at, "
                "cancelled_at) VALUES (:v, :k, :p, :d, :dv, :da, :c)"),
                {"v": visit_id, "k": kind, "p": person, "d": due, "dv": done_visit, "da": done_at,
                 "c": cancelled_at})


def upgrade() -> None:
    op.create_table('opinion_handling',
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('dismissed_reason', sa.Text(), nullable=True),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('handled_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['handled_by'], ['staff.id'], name=op.f('fk_opinion_handling_handled_by_staff')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['opinions.id'],
                            name=op.f('fk_opinion_handling_merged_into_id_opinions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinions.id'], name=op.f('fk_opinion_handling_opinion_id_opinions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opinion_id', name=op.f('pk_opinion_handling'))
    )
    op.create_table('rectification_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('public_title', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('owner_staff_id', sa.Integer(), nullable=False),
    sa.Column('owner_unit', sa.String(length=100), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('escalation', sa.String(length=16), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', store.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], name=op.f('fk_rectification_items_created_by_staff')),
    sa.ForeignKeyConstraint(['owner_staff_id'], ['staff.id'],
                            name=op.f('fk_rectification_items_owner_staff_id_staff')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_rectification_items_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_items'))
    )
    with op.batch_alter_table('rectification_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_items_owner_staff_id'), ['owner_staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_items_school_id'), ['school_id'], unique=False)

    op.create_table('rectification_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', store.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_items.id'],
                            name=op.f('fk_rectification_notes_item_id_rectification_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_rectification_notes_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_notes'))
    )
    with op.batch_alter_table('rectification_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_notes_item_id'), ['item_id'], unique=False)

    op.create_table('rectification_opinions',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_items.id'],
                            name=op.f('fk_rectification_opinions_item_id_rectification_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinions.id'],
                            name=op.f('fk_rectification_opinions_opinion_id_opinions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'opinion_id', name=op.f('pk_rectification_opinions'))
    )
    with op.batch_alter_table('rectification_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_opinions_opinion_id'), ['opinion_id'], unique=False)

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_follow_ups_visit_id'), type_='unique')
    _split_follow_ups()
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.alter_column('person_kind', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_visit_id'), ['visit_id'], unique=False)
        batch_op.create_unique_constraint('uq_follow_ups_visit_id', ['visit_id', 'person_kind', 'person_id'])


def downgrade() -> None:
    bind = op.get_bind()
    # One per visit again: keep each visit's first follow-up.
    bind.execute(sa.text(
        "DELETE FROM follow_ups WHERE id NOT IN (SELECT MIN(id) FROM follow_ups GROUP BY visit_id)"))
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint('uq_follow_ups_visit_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_follow_ups_visit_id'))
        batch_op.drop_column('person_id')
        batch_op.drop_column('person_kind')
        batch_op.create_unique_constraint(batch_op.f('uq_follow_ups_visit_id'), ['visit_id'])
    with op.batch_alter_table('rectification_opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_opinions_opinion_id'))
    op.drop_table('rectification_opinions')
    with op.batch_alter_table('rectification_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_notes_item_id'))
    op.drop_table('rectification_notes')
    with op.batch_alter_table('rectification_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_items_school_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_items_owner_staff_id'))
    op.drop_table('rectification_items')
    op.drop_table('opinion_handling')
