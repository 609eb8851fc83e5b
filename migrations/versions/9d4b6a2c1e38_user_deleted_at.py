"""user.deleted_at: when a student deleted their account (the row stays, anonymised)

Revision ID: 9d4b6a2c1e38
Revises: b3e8a4d2c917
Create Date: 2026-12-02 16:00:00

A deleted account keeps its row, with no name, e-mail or password left in it, so that the
attempts it made on assignments still count in the instructor's gradebook and item
analysis (README: "Your own data").
"""

import sqlalchemy as sa
from alembic import op

import quiz.db

revision = "9d4b6a2c1e38"
down_revision = "b3e8a4d2c917"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", quiz.db.UTCDateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
