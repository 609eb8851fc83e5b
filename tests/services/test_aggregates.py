"""The SQL aggregates give what the core's Python gives, row by row, on random data."""

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select, update

from quiz.core.mastery import QuizAnswer, TopicEvidence, answer_weight, topic_mastery
from quiz.core.scheduling import (
    Phase,
    Settings,
    day_start,
    forgetting_curve,
    retrievability,
    study_day,
)
from quiz.db import db
from quiz.models import Answer, Attempt, CardState, Question, Quiz, ReviewLog, Source, User
from quiz.services import dashboard, progress
from quiz.services.aggregates import answer_weight as answer_weight_sql
from quiz.services.aggregates import (
    curve_values,
    day_values,
    julian_milliseconds,
    now_values,
    predicted_recall,
    study_day_values,
    study_days,
)
from quiz.services.study import memory_of, scheduled, settings_for
from tests.conftest import NOW, load_bank, make_source, make_user

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
# Microseconds off whole days: where SQLite's millisecond shortcut hands over to the exact count.
NEAR_WHOLE_DAYS = (-3000, -2001, -2000, -1999, -1000, -999, -1, 0, 1, 999, 1000, 1999, 2000, 2001)
POINTS = (None, 0.0, 0.5, 1.0, 1.5, -0.5)  # out of range too: the mastery clamps them
OWN_PARAMETERS = list(Settings().parameters[:20]) + [0.35]


def moments(rng: random.Random, count: int, days: float, settings: Settings) -> list[datetime]:
    """Random moments over the `days` before NOW, and some right on a study day's edges."""
    out = [NOW - timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(count)]
    for _ in range(count // 4):
        start = day_start(
            study_day(NOW, settings) - timedelta(days=rng.randint(0, int(days))), settings
        )
        out.append(start + timedelta(microseconds=rng.choice((-1, 0, 1))))
    return [m for m in out if m <= NOW]


def card_rows(rng: random.Random, user_id: int, question_ids, settings) -> list[dict]:
    rows = []
    for qid in question_ids:
        last = rng.choice(
            [
                NOW - timedelta(seconds=rng.uniform(-2 * 86400, 300 * 86400)),
                NOW
                - timedelta(days=rng.randint(0, 30))
                + timedelta(microseconds=rng.choice(NEAR_WHOLE_DAYS)),
                # right on a rollover: study days, not whole 24 hours, count
                day_start(study_day(NOW, settings) - timedelta(days=rng.randint(0, 30)), settings)
                + timedelta(microseconds=rng.choice(NEAR_WHOLE_DAYS)),
            ]
        )
        due = rng.choice(moments(rng, 4, 40, settings)) + timedelta(days=rng.uniform(0, 40))
        rows.append(
            dict(
                user_id=user_id,
                question_id=qid,
                phase=rng.choice((0, 1, 2, 2, 3)),
                step=None,
                stability=rng.choice((None, rng.uniform(0.001, 0.5), rng.uniform(0.5, 400))),
                difficulty=5.0,
                due=due,
                last_review=rng.choice((None, last, last, last)),
                reps=3,
                lapses=0,
                suspended=rng.random() < 0.1,
                buried_until=rng.choice((None, None, NOW + timedelta(hours=3))),
                leech=False,
                version=1,
            )
        )
    return rows


def test_predicted_recall_in_sql_is_retrievability_to_the_last_bit(app):
    users = [make_user(app), make_user(app)]
    ids = make_source(app, 200)
    rng = random.Random(11)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == users[1].id)
            .values(fsrs_parameters=OWN_PARAMETERS, timezone="Asia/Shanghai")
        )
        for user, zone in zip(users, ("UTC", "Asia/Shanghai"), strict=True):
            db.session.execute(
                insert(CardState), card_rows(rng, user.id, ids, Settings(timezone=zone))
            )
        db.session.commit()
        people = db.session.scalars(select(User)).all()
        settings = {u.id: settings_for(u) for u in people}
        own, values = curve_values({u.id: forgetting_curve(settings[u.id]) for u in people})
        assert own == 1
        own_days, days = day_values(settings, NOW)
        assert own_days == 1  # Shanghai's study day ends at another moment than UTC's
        rows = db.session.execute(
            select(CardState, predicted_recall(own, own_days)), {**values, **days}
        ).all()
        assert len(rows) == 400
        for state, recall in rows:
            expected = retrievability(memory_of(state), NOW, settings[state.user_id])
            if state.phase == Phase.NEW:
                continue  # never asked: pages read studied cards only
            assert recall == expected, (state.stability, state.last_review)


def test_sqlites_millisecond_shortcut_is_within_2_ms_of_the_true_difference(app):
    """The fast path of whole_days_since: julianday() in the same epoch as now."""
    user = make_user(app)
    ids = make_source(app, 100)
    rng = random.Random(8)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's shortcut only")
        db.session.execute(insert(CardState), card_rows(rng, user.id, ids, Settings()))
        db.session.commit()
        values = now_values(NOW)
        rows = db.session.execute(
            select(
                CardState.last_review,
                bindparam("now_julian_ms") - julian_milliseconds(CardState.last_review),
            ).where(CardState.last_review.is_not(None)),
            values,
        ).all()
    assert len(rows) > 50
    for last, approx in rows:
        assert abs(approx - (NOW - last) / timedelta(milliseconds=1)) < 1.5


def test_answer_weight_in_sql_is_the_cores_to_the_last_bit(app):
    user = make_user(app)
    ids = make_source(app, 1)
    rng = random.Random(5)
    when = [NOW - timedelta(seconds=rng.uniform(-86400, 120 * 86400)) for _ in range(300)]
    when += [NOW, NOW - timedelta(microseconds=1), NOW + timedelta(microseconds=1)]
    with app.app_context():
        db.session.execute(
            insert(ReviewLog),
            [
                dict(user_id=user.id, question_id=ids[0], rating=3, reviewed_at=at, duration_ms=0,
                     client_review_id=str(n), phase_before=2, before=None, after={})
                for n, at in enumerate(when)
            ],
        )  # fmt: skip
        db.session.commit()
        rows = db.session.execute(
            select(ReviewLog.reviewed_at, answer_weight_sql(ReviewLog.reviewed_at)),
            now_values(NOW),
        ).all()
    assert len(rows) == len(when)
    for at, weight in rows:
        assert weight == answer_weight(QuizAnswer(1, 1.0, at), NOW), at


@pytest.mark.parametrize("zone", ZONES)
def test_study_days_in_sql_start_when_day_start_says(app, zone):
    settings = Settings(timezone=zone)
    first = date(2025, 3, 3)
    runs, values = study_day_values(first, 400, settings)
    days, start, end = study_days(runs)
    with app.app_context():
        rows = db.session.execute(select(days.c.n, start, end).order_by(days.c.n), values).all()
    assert [n for n, _, _ in rows] == list(range(400))
    for n, begins, ends in rows:
        assert begins == day_start(first + timedelta(days=n), settings)
        assert ends == day_start(first + timedelta(days=n + 1), settings)


def reference_dashboard(user: User, now: datetime) -> dict:
    """The dashboard's counts as the code before the SQL aggregates made them."""
    settings = settings_for(user)
    today = study_day(now, settings)
    first = today - timedelta(days=dashboard.HEATMAP_DAYS - 1)
    per_day: Counter = Counter()
    months: dict = {}
    for reviewed_at, rating, phase_before in db.session.execute(
        select(ReviewLog.reviewed_at, ReviewLog.rating, ReviewLog.phase_before).where(
            ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= day_start(first, settings)
        )
    ):
        day = study_day(reviewed_at, settings)
        per_day[day] += 1
        if phase_before == Phase.REVIEW:
            label = day.strftime("%Y-%m")
            passed, total = months.get(label, (0, 0))
            months[label] = (passed + (rating > 1), total + 1)
    end_of_today = day_start(today + timedelta(days=1), settings)
    due_days: Counter = Counter()
    for (due,) in db.session.execute(
        select(CardState.due)
        .join(Question, Question.id == CardState.question_id)
        .where(scheduled(user, now))
    ):
        due_days[today if due < end_of_today else study_day(due, settings)] += 1
    return {
        "heatmap": [
            (first + timedelta(days=n), per_day[first + timedelta(days=n)]) for n in range(365)
        ],
        "forecast": [
            (today + timedelta(days=n), due_days[today + timedelta(days=n)]) for n in range(30)
        ],
        "due_today": due_days[today],
        "retention": [(label, *months[label]) for label in sorted(months)],
        "streak": dashboard.streak_of(per_day, today),
    }


@pytest.mark.parametrize("zone", ZONES)
def test_dashboard_counts_match_the_python_reference(app, zone):
    user = make_user(app)
    ids = make_source(app, 60)
    rng = random.Random(zone)
    settings = Settings(timezone=zone)
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(timezone=zone))
        logged = moments(rng, 1500, 400, settings)
        logged += [NOW - timedelta(days=d, hours=rng.uniform(0, 3)) for d in range(12)]  # a streak
        db.session.execute(
            insert(ReviewLog),
            [
                dict(user_id=user.id, question_id=rng.choice(ids), rating=rng.randint(1, 4),
                     reviewed_at=at, duration_ms=0, client_review_id=str(n),
                     phase_before=rng.choice((0, 1, 2, 2, 3)), before=None, after={})
                for n, at in enumerate(logged)
            ],
        )  # fmt: skip
        db.session.execute(insert(CardState), card_rows(rng, user.id, ids, settings))
        db.session.commit()
        me = db.session.get(User, user.id)
        board = dashboard.dashboard(me, NOW)
        expected = reference_dashboard(me, NOW)
    assert board.heatmap == expected["heatmap"]
    assert board.forecast == expected["forecast"]
    assert board.due_today == expected["due_today"] > 0
    assert [(m.label, m.passed, m.total) for m in board.retention] == expected["retention"]
    assert board.streak == expected["streak"] >= 12
    assert sum(n for _, n in board.heatmap) > 1000


def reference_masteries(users: list[User], rows: list, now: datetime) -> dict:
    """Topic mastery as the code before the SQL aggregates made it: every card and answer
    brought into Python."""
    settings = {u.id: settings_for(u) for u in users}
    active = (Question.origin == "bank", Question.archived.is_(False))
    recalls, answers, seen = defaultdict(list), defaultdict(list), defaultdict(set)
    for state, key in db.session.execute(
        select(CardState, Question.topic_id)
        .join(Question, Question.id == CardState.question_id)
        .where(CardState.user_id.in_([u.id for u in users]), CardState.phase != 0, *active)
    ):
        recall = retrievability(memory_of(state), now, settings[state.user_id])
        recalls[(state.user_id, key)].append(min(max(recall, 0.0), 1.0))
        seen[(state.user_id, key)].add(state.question_id)
    for user_id, key, question_id, points, finished_at in db.session.execute(
        select(
            Attempt.user_id,
            Question.topic_id,
            Answer.question_id,
            Answer.points,
            Attempt.finished_at,
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Attempt.user_id.in_([u.id for u in users]), Attempt.state == "finished", *active)
    ):
        points = min(max(points or 0.0, 0.0), 1.0)
        answers[(user_id, key)].append(QuizAnswer(question_id, points, finished_at))
        seen[(user_id, key)].add(question_id)
    return {
        (u.id, t.id): topic_mastery(
            TopicEvidence(t.slug, t.items, tuple(recalls[(u.id, t.id)]),
                          tuple(answers[(u.id, t.id)]), min(len(seen[(u.id, t.id)]), t.items)),
            now,
        )
        for u in users
        for t in rows
    }  # fmt: skip


def test_class_masteries_match_the_python_reference(app):
    load_bank(app)
    students = [make_user(app) for _ in range(6)]
    rng = random.Random(3)
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == students[0].id).values(fsrs_parameters=OWN_PARAMETERS)
        )
        questions = db.session.scalars(select(Question).order_by(Question.id)).all()
        ids = [q.id for q in questions]
        owner = students[-1].id
        source = db.session.scalars(select(Source.id)).first()
        quiz = Quiz(owner_id=owner, source_id=source, title="Mixed", rules={})
        db.session.add(quiz)
        db.session.flush()
        for n, student in enumerate(students[:-1]):  # the last one has no history at all
            studied = rng.sample(ids, rng.randint(0, len(ids)))
            db.session.execute(insert(CardState), card_rows(rng, student.id, studied, Settings()))
            for number in range(rng.randint(0, 6)):
                pool = studied if n == 0 and len(studied) >= 10 else ids
                chosen = rng.sample(pool, 10)
                attempt = Attempt(
                    quiz_id=quiz.id, user_id=student.id, number=number + 1,
                    started_at=NOW - timedelta(days=60),
                    finished_at=NOW - timedelta(seconds=rng.uniform(-3600, 60 * 86400)),
                    state=rng.choice(("finished", "finished", "in_progress")),
                    max_score=10.0, question_order=chosen, layout={},
                )  # fmt: skip
                db.session.add(attempt)
                db.session.flush()
                by_id = {q.id: q for q in questions}
                db.session.execute(
                    insert(Answer),
                    [
                        dict(attempt_id=attempt.id, question_id=qid, topic_id=by_id[qid].topic_id,
                             response=None, points=rng.choice(POINTS + (rng.random(),)))
                        for qid in chosen
                    ],
                )  # fmt: skip
        db.session.commit()
        users = db.session.scalars(select(User).order_by(User.id)).all()
        rows = progress.topics()
        got = progress.masteries(users, rows, NOW)
        expected = reference_masteries(users, rows, NOW)
    assert len(expected) == len(users) * len(rows) > 60
    seen_scores = set()
    for (user_id, topic_id), want in expected.items():
        have = got[user_id][topic_id]
        assert (have.topic, have.score, have.evidence, have.weak, have.coverage, have.reason) == (
            want.topic, want.score, want.evidence, want.weak, want.coverage, want.reason
        ), (user_id, topic_id)  # fmt: skip
        for name in ("recall", "accuracy"):
            a, b = getattr(have, name), getattr(want, name)
            assert (a is None) == (b is None) and (a is None or a == pytest.approx(b, rel=1e-12))
        seen_scores.add(have.score)
    assert len(seen_scores) > 10  # the data covers weak, strong and unseen topics
