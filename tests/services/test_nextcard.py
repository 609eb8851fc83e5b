"""The review loop's next card (one statement, then core.queue) against the whole queue.

Random histories: cards in every phase, due before and after the day ends, suspended,
buried by hand, siblings answered today, archived questions, limits half used, time zones
either side of the 4 am rollover. For each, the fast path must pick the same next card
with the same counts as `load_day` feeding `build_queue` every card of the deck, before
and after each of a run of reviews.
"""

import random
from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from quiz.core.scheduling import Phase
from quiz.db import db
from quiz.models import CardState, Question, ReviewLog, User
from quiz.services import study
from quiz.services.study import day as day_module
from tests.conftest import NOW, make_source, make_user

ZONES = ("UTC", "America/New_York", "Asia/Tokyo", "Europe/Berlin")


def random_history(app, rng: random.Random, user_id: int, ids: list[int], now) -> None:
    states, logs = [], []
    for qid in rng.sample(ids, rng.randint(0, len(ids))):
        phase = rng.choice(
            [Phase.NEW, Phase.LEARNING, Phase.REVIEW, Phase.REVIEW, Phase.RELEARNING]
        )
        due = now + timedelta(seconds=rng.randint(-3 * 86400, 2 * 86400), microseconds=qid)
        states.append(
            dict(
                user_id=user_id,
                question_id=qid,
                phase=int(phase),
                step=None if phase in (Phase.NEW, Phase.REVIEW) else 0,
                stability=None if phase == Phase.NEW else rng.uniform(0.5, 30),
                difficulty=None if phase == Phase.NEW else rng.uniform(1, 10),
                due=due,
                last_review=None if phase == Phase.NEW else due - timedelta(days=2),
                reps=0 if phase == Phase.NEW else rng.randint(1, 9),
                lapses=rng.randint(0, 3),
                suspended=rng.random() < 0.1,
                buried_until=(
                    now + timedelta(hours=rng.choice([-2, 5])) if rng.random() < 0.1 else None
                ),  # fmt: skip
                leech=False,
                version=rng.randint(1, 5),
            )
        )
        if phase != Phase.NEW and rng.random() < 0.4:  # reviewed within the last 30 hours
            logs.append(
                dict(
                    user_id=user_id,
                    question_id=qid,
                    rating=rng.randint(1, 4),
                    reviewed_at=now - timedelta(minutes=rng.randint(1, 30 * 60)),
                    duration_ms=0,
                    client_review_id=f"h{qid}",
                    phase_before=rng.choice([0, 1, 2, 3]),
                    before=None,
                    after={"version": 1, "leech": False},
                )
            )
    with app.app_context():
        if states:
            db.session.execute(insert(CardState), states)
        if logs:
            db.session.execute(insert(ReviewLog), logs)
        archived = rng.sample(ids, 2)
        db.session.execute(update(Question).where(Question.id.in_(archived)).values(archived=True))
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                new_per_day=rng.randint(0, 8),
                reviews_per_day=rng.randint(0, 12),
                timezone=rng.choice(ZONES),
            )
        )
        db.session.commit()


def whole_queue(user, now, topic) -> tuple:
    """Return what load_day shows, fed every new card of the deck (no fetch heuristic)."""
    day = study.load_day(user, study.find_deck("deck", topic), now)
    first = day.queue.first
    return (
        first.question_id if first else None,
        day.queue.review,
        day.queue.learning,
        day.queue.new,
        day.done,
        day.queue.next_learning,
    )


def fast(nxt: study.NextCard) -> tuple:
    card = nxt.card.question.id if nxt.card else None
    return (card, nxt.review, nxt.learning, nxt.new, nxt.done, nxt.next_learning)


@pytest.mark.parametrize("seed", range(24))
def test_the_next_card_is_the_one_the_whole_queue_puts_first(app, monkeypatch, seed):
    monkeypatch.setattr(day_module, "NEW_FETCH_FACTOR", 10_000)
    rng = random.Random(seed)
    now = NOW + timedelta(hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
    ids = make_source(app, 24, facts_per_question=rng.choice([1, 2, 3]))
    student = make_user(app)
    random_history(app, rng, student.id, ids, now)
    topic = "all" if seed % 2 else None  # a topic deck reads with its own statement
    with app.app_context():
        for n in range(8):
            user = db.session.get(User, student.id)
            expected = whole_queue(user, now, topic)
            nxt = study.next_in(user, ("deck", topic), now)
            assert fast(nxt) == expected, f"seed {seed}, before review {n}"
            if nxt.card is None:
                break
            shown = nxt.card
            result = study.review(
                user,
                shown.question.id,
                rng.randint(1, 4),
                f"r{seed}-{n}",
                shown.version,
                now=now,
                deck=("deck", topic),
            )
            db.session.expire_all()
            user = db.session.get(User, student.id)
            assert fast(result.next) == whole_queue(user, now, topic), (
                f"seed {seed}, after review {n}"
            )
            now += timedelta(minutes=rng.choice([0, 1, 7, 30]))
