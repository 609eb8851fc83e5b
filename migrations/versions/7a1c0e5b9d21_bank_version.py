"""bank_version: the bank's generation, read by every process that caches the bank

Revision ID: 7a1c0e5b9d21
Revises: 4e599d3f7057
Create Date: 2026-12-02 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7a1c0e5b9d21"
down_revision = "4e599d3f7057"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "bank_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_version")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade():
    op.drop_table("bank_version")
