"""user: active flag and e-mail confirmation

Revision ID: 9d2f6b3c1e58
Revises: 9d4b7e2c1f36
Create Date: 2026-12-02 16:00:00

Accounts can be deactivated (they cannot log in; their grades stay) and confirm their
e-mail address. Existing accounts stay active and count as confirmed: they were made
before confirmation existed, by an administrator or on a site that did not ask for it.
"""

import sqlalchemy as sa
from alembic import op

import quiz.db

revision = "9d2f6b3c1e58"
down_revision = "9d4b7e2c1f36"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("email_confirmed_at", quiz.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(sa.text('UPDATE "user" SET email_confirmed_at = created_at'))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
        batch_op.drop_column("active")
