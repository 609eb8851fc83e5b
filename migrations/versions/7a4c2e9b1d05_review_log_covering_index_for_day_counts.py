"""review log: one index on (user, time, phase before, rating) for the dashboard's day counts

The dashboard counts each study day's reviews, and the passed reviews of learnt cards,
from the index alone; it replaces the (user, time) index, of which it is an extension,
so a review still writes one index entry for them.

Revision ID: 7a4c2e9b1d05
Revises: 4e599d3f7057
Create Date: 2026-12-02 03:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7a4c2e9b1d05'
down_revision = '7a1c0e5b9d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.create_index(
            'ix_review_log_user_time_phase_rating',
            ['user_id', 'reviewed_at', 'phase_before', 'rating'],
            unique=False,
        )
        batch_op.drop_index('ix_review_log_user_time')


def downgrade():
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.create_index('ix_review_log_user_time', ['user_id', 'reviewed_at'], unique=False)
        batch_op.drop_index('ix_review_log_user_time_phase_rating')
