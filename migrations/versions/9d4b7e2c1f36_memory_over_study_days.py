"""memory over study days: recompute every card's stability and difficulty from its log

Revision ID: 9d4b7e2c1f36
Revises: 8c3e5f1a2b47
Create Date: 2026-12-02 16:00:00

The memory update counted whole 24-hour periods since the last review (py-fsrs's rule);
it now counts study days with the 4 am rollover in the student's time zone, as Anki and
the optimiser do (issue 15). Each card's stability and difficulty are replayed from its
review log, in order, with the student's parameters, by `quiz.core.scheduling.remember`
(the very update a review applies). Nothing else of a card changes (its phase, step and
due date stay as scheduled), its version grows (a page showing the old intervals is
refused and shown again), and every review-log row is kept as it is. There is no schema
change; downgrading keeps the recomputed memory (the old rule cannot be told apart).
"""

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from quiz.core.scheduling import Rating, Settings, elapsed_days, remember
from quiz.db import UTCDateTime

revision = "9d4b7e2c1f36"
down_revision = "8c3e5f1a2b47"
branch_labels = None
depends_on = None

user = sa.table(
    "user",
    sa.column("id", sa.Integer),
    sa.column("timezone", sa.String),
    sa.column("fsrs_parameters", sa.JSON),
)
review_log = sa.table(
    "review_log",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("question_id", sa.Integer),
    sa.column("rating", sa.Integer),
    sa.column("reviewed_at", UTCDateTime),
    sa.column("phase_before", sa.Integer),
    sa.column("before", sa.JSON),
)
card_state = sa.table(
    "card_state",
    sa.column("user_id", sa.Integer),
    sa.column("question_id", sa.Integer),
    sa.column("phase", sa.Integer),
    sa.column("stability", sa.Float),
    sa.column("difficulty", sa.Float),
    sa.column("version", sa.Integer),
)


def upgrade():
    bind = op.get_bind()
    settings = {}
    for user_id, zone, parameters in bind.execute(
        sa.select(user.c.id, user.c.timezone, user.c.fsrs_parameters)
    ):
        values = {"timezone": zone or "UTC"}
        if parameters:
            values["parameters"] = tuple(parameters)
        settings[user_id] = Settings(**values)
    memories: dict[tuple[int, int], tuple] = {}
    last: dict[tuple[int, int], object] = defaultdict(lambda: None)
    rows = bind.execute(
        sa.select(
            review_log.c.user_id,
            review_log.c.question_id,
            review_log.c.rating,
            review_log.c.reviewed_at,
            review_log.c.phase_before,
            review_log.c.before,
        ).order_by(
            review_log.c.user_id,
            review_log.c.question_id,
            review_log.c.reviewed_at,
            review_log.c.id,
        )
    )
    for user_id, question_id, rating, reviewed_at, phase_before, before in rows:
        key, own = (user_id, question_id), settings[user_id]
        if key not in memories or phase_before == 0:
            # The first review logged: from the state it found (new, usually).
            before = before if phase_before != 0 and before else {}
            memories[key] = (before.get("stability"), before.get("difficulty"))
            if before.get("last_review"):
                last[key] = _moment(before["last_review"])
        stability, difficulty = memories[key]
        days = elapsed_days(last[key], reviewed_at, own) if last[key] else 0
        memories[key] = remember(stability, difficulty, days, Rating(rating), own.parameters)
        last[key] = reviewed_at
    update = (
        card_state.update()
        .where(
            card_state.c.user_id == sa.bindparam("u"),
            card_state.c.question_id == sa.bindparam("q"),
            card_state.c.phase != 0,
        )
        .values(
            stability=sa.bindparam("s"),
            difficulty=sa.bindparam("d"),
            version=card_state.c.version + 1,
        )
    )
    batch = [{"u": u, "q": q, "s": s, "d": d} for (u, q), (s, d) in memories.items()]
    for start in range(0, len(batch), 1000):
        bind.execute(update, batch[start : start + 1000])


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade():
    pass  # the memory recomputed under the study-day rule stays: nothing to undo in the schema
