"""sso_identity: accounts at a school's identity provider linked to users

Revision ID: b3e8a4d2c917
Revises: 9d2f6b3c1e58
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from alembic import op

import quiz.db

revision = "b3e8a4d2c917"
down_revision = "9d2f6b3c1e58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sso_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", quiz.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_sso_identity_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identity")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_sso_identity_provider")),
    )
    with op.batch_alter_table("sso_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_identity_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sso_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_identity_user_id"))
    op.drop_table("sso_identity")
