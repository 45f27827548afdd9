"""the visit card's shareable "situation" text (the paper form's 情況 column)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:45:00

Distinct from ``private_notes``, which stay the visitor's alone: the situation is exported and may
appear (anonymised) among the summary report's notable cases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('situation', sa.Text(), nullable=True))


def downgrade() -> None:
    # Never recreate the table: on SQLite a recreated `visits` would cascade-delete its link rows.
    with op.batch_alter_table('visits', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('situation')
