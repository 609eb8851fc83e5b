from datetime import timedelta

from sqlalchemy import insert, select

from quiz.core.scheduling import Phase
from quiz.db import db
from quiz.models import CardState, ReviewLog, User
from quiz.services import dashboard, progress, study
from tests.conftest import NOW, make_card_states, make_source, make_user


def test_the_weak_topic_session_takes_due_then_weakest_then_unseen(app):
    user = make_user(app)
    ids = make_source(app, 8)
    # q0 due yesterday; q1 and q2 studied, not due, q2 much weaker (older review, low stability);
    # q3 in learning and due; q4..q7 never studied.
    make_card_states(app, user, [ids[0]], due=NOW - timedelta(days=1))
    make_card_states(app, user, [ids[1], ids[2]], due=NOW + timedelta(days=4))
    make_card_states(app, user, [ids[3]], due=NOW - timedelta(minutes=5), phase=int(Phase.LEARNING))
    with app.app_context():
        weak = db.session.scalars(select(CardState).where(CardState.question_id == ids[2])).one()
        weak.stability, weak.last_review = 0.5, NOW - timedelta(days=20)
        db.session.commit()
        deck = study.find_focus("deck", ["all"])
        assert deck.focus and deck.topic_slugs == ("all",)
        queue = study.load_day(db.session.get(User, user.id), deck, NOW).queue
    order = [c.question_id for c in queue.cards]
    assert order[:2] == [ids[0], ids[3]]  # due cards, by due time
    assert order[2:4] == [ids[2], ids[1]]  # then the lowest predicted recall
    assert order[4:] == ids[4:]  # then unseen cards, in bank order


def test_a_paragraph_focus_holds_the_questions_quoting_it(app):
    user = make_user(app)
    ids = make_source(app, 3)
    with app.app_context():
        from quiz.models import Question

        for qid in ids[:2]:
            db.session.get(Question, qid).passage_position = 0
        db.session.commit()
        deck = study.find_focus("deck", passage=0)
        assert deck.question_ids == tuple(ids[:2])
        queue = study.load_day(db.session.get(User, user.id), deck, NOW).queue
        assert [c.question_id for c in queue.cards] == ids[:2]
        assert study.find_focus("deck", passage=7) is None


def add_reviews(app, user, question_id, count, start, every=timedelta(hours=2), rating=3, phase=2):
    rows = [
        dict(
            user_id=user.id,
            question_id=question_id,
            rating=rating,
            reviewed_at=start + n * every,
            duration_ms=1000,
            client_review_id=f"{start.isoformat()}-{n}-{rating}",
            phase_before=phase,
            before=None,
            after={},
        )
        for n in range(count)
    ]
    with app.app_context():
        db.session.execute(insert(ReviewLog), rows)
        db.session.commit()


def test_dashboard_counts_days_streak_forecast_and_true_retention(app):
    user = make_user(app)
    ids = make_source(app, 3)
    make_card_states(app, user, [ids[0]], due=NOW - timedelta(hours=1))
    make_card_states(app, user, [ids[1]], due=NOW + timedelta(days=3))
    today_8am = NOW.replace(hour=8)
    add_reviews(app, user, ids[0], 3, today_8am)  # today: 3 reviews
    add_reviews(app, user, ids[0], 1, today_8am - timedelta(days=1))  # yesterday
    add_reviews(app, user, ids[0], 2, today_8am - timedelta(days=2), rating=1)  # 2 lapses
    add_reviews(app, user, ids[0], 1, today_8am - timedelta(days=5), phase=0)  # a new card
    with app.app_context():
        board = dashboard.dashboard(db.session.get(User, user.id), NOW)
    counts = dict(board.heatmap)
    assert len(board.heatmap) == 365
    assert counts[board.today] == 3 and counts[board.today - timedelta(days=2)] == 2
    assert board.streak == 3
    assert board.due_today == 1
    assert board.forecast[0][1] == 1 and board.forecast[3][1] == 1
    # the new card's review is not a retention test; the lapses were on 28 February
    assert [(m.label, m.passed, m.total) for m in board.retention] == [
        ("2026-02", 0, 2),
        ("2026-03", 4, 4),
    ]


def test_streak_survives_a_day_not_yet_studied():
    from collections import Counter
    from datetime import date

    today = date(2026, 3, 2)
    counts = Counter({today - timedelta(days=1): 4, today - timedelta(days=2): 1})
    assert dashboard.streak_of(counts, today) == 2
    assert dashboard.streak_of(Counter({today - timedelta(days=3): 1}), today) == 0


def test_weakest_topics_are_the_unseen_or_low_ones(app):
    user = make_user(app)
    make_source(app, 6)
    with app.app_context():
        weak = progress.weakest_topics(db.session.get(User, user.id), NOW)
    assert [t.slug for t in weak] == ["all"]  # not started: reviewed when nothing is weak
