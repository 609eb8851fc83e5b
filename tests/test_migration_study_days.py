"""The migration that recomputes card memory over study days (issue 15), on both databases."""

import random
from datetime import timedelta

from flask_migrate import stamp, upgrade
from sqlalchemy import MetaData, select, text, update

from quiz.db import db
from quiz.models import CardState, ReviewLog, User
from quiz.services import study
from tests.conftest import NOW, make_source, make_user

BEFORE, AFTER = "8c3e5f1a2b47", "9d4b7e2c1f36"


def test_memory_is_recomputed_from_the_log_and_every_log_row_is_kept(app):
    # The history is made by today's services on today's schema; the database is then marked
    # as at BEFORE and only this migration runs. (Migrating to BEFORE first would leave out
    # the columns later migrations add, which today's models write.)
    with app.app_context():
        present = MetaData()
        present.reflect(bind=db.engine)
        present.drop_all(bind=db.engine)
        upgrade()
    try:
        ids = make_source(app, 12)
        people = [make_user(app), make_user(app)]
        rng = random.Random(15)
        expected = {}
        with app.app_context():
            db.session.execute(
                update(User).where(User.id == people[1].id).values(timezone="Asia/Shanghai")
            )
            db.session.commit()
            for person in people:
                user = db.session.get(User, person.id)
                for qid in ids[:10]:
                    now = NOW + timedelta(minutes=rng.uniform(0, 600))
                    for n in range(8):  # gaps from minutes to weeks, many across 4 am
                        rating = rng.choice((1, 2, 3, 3, 3, 4))
                        result = study.review(user, qid, rating, f"{qid}-{n}", None, now=now)
                        now += timedelta(hours=rng.choice((0.2, 5, 19, 23, 26, 30, 24 * 9)))
                    expected[(user.id, qid)] = (result.memory.stability, result.memory.difficulty)
                study.set_flags(user, ids[11], now=NOW, bury=True)  # a new card with a state
            # As the 24-hour rule left them: other values for every studied card.
            db.session.execute(
                update(CardState)
                .where(CardState.phase != 0)
                .values(stability=CardState.stability * 1.5, difficulty=2.0)
            )
            db.session.commit()
            versions = dict(db.session.execute(select(CardState.id, CardState.version)).all())
            logs = [tuple(row) for row in db.session.execute(select(ReviewLog.__table__))]
            assert len(logs) == 2 * 10 * 8
            db.session.rollback()  # end the read: see what the migration writes
            stamp(revision=BEFORE)
            upgrade(revision=AFTER)
            states = db.session.scalars(select(CardState)).all()
            for state in states:
                if state.phase == 0:
                    assert (state.stability, state.difficulty) == (None, None)
                    assert state.version == versions[state.id]
                    continue
                assert (state.stability, state.difficulty) == expected[
                    (state.user_id, state.question_id)
                ]
                assert state.version == versions[state.id] + 1
            assert len(states) == 2 * 11
            assert [tuple(row) for row in db.session.execute(select(ReviewLog.__table__))] == logs
            db.session.rollback()
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
