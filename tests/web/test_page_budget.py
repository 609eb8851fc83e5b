"""Every page a student or an instructor can GET reads a fixed, small number of statements.

DESIGN.md holds each page to at most 8 SQL statements whatever the size of the
data: here the logged-in student's history grows from 10 to 10,000 reviews
(inserted straight into the tables) and no page may read one statement more.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.models import CardState, Enrollment, Question, ReviewLog, Role, Topic, User
from quiz.services import authoring, classes, quizzes
from quiz.services.classes import AssignmentSettings
from tests.conftest import AuthActions, load_bank, make_user

BUDGET = 8
SIZES = (10, 10_000)
SOURCE = "china-and-nato"


def me(user: User) -> User:
    return db.session.get(User, user.id)


def add_history(app, user: User, reviews: int, first: int = 0) -> None:
    """Give the user card states (one per question reviewed, up to the bank) and reviews
    number first..reviews-1, spread over the last year, with a few lapses and a leech."""
    rng = random.Random(reviews)
    now = datetime.now(UTC)
    with app.app_context():
        ids = db.session.scalars(
            select(Question.id).where(Question.origin == "bank").order_by(Question.id)
        ).all()
        have = set(
            db.session.scalars(select(CardState.question_id).where(CardState.user_id == user.id))
        )
        studied = ids[: min(reviews, len(ids))]
        states = []
        for n, qid in enumerate(studied):
            if qid in have:
                continue
            last = now - timedelta(days=rng.uniform(0, 60))
            stability = rng.uniform(0.5, 90)
            states.append(
                dict(
                    user_id=user.id,
                    question_id=qid,
                    phase=2 if n % 5 else 3,
                    step=None if n % 5 else 0,
                    stability=stability,
                    difficulty=rng.uniform(1, 10),
                    due=last + timedelta(days=stability),
                    last_review=last,
                    reps=rng.randint(1, 30),
                    lapses=8 if n == 1 else rng.randint(0, 3),
                    suspended=False,
                    buried_until=None,
                    leech=n == 1,
                    version=1,
                )
            )
        if states:
            db.session.execute(insert(CardState), states)
        db.session.execute(
            insert(ReviewLog),
            [
                dict(
                    user_id=user.id,
                    question_id=studied[n % len(studied)],
                    rating=rng.choice((1, 3, 3, 4)),
                    reviewed_at=now - timedelta(seconds=rng.uniform(60, 364 * 86400)),
                    duration_ms=rng.randint(1000, 30000),
                    client_review_id=f"history-{n}",
                    phase_before=rng.choice((0, 2, 2, 3)),
                    before=None,
                    after={},
                )
                for n in range(first, reviews)
            ],
        )
        db.session.commit()


@pytest.fixture
def world(app, client, auth):
    """The bank, an instructor's class with the logged-in student and a classmate, an
    assignment both finished, the student's open and finished practice quizzes, and an
    instructor's own question."""
    load_bank(app)
    student = auth.login()
    classmate = make_user(app)
    teacher = make_user(app, role=Role.INSTRUCTOR)
    with app.app_context():
        classroom = classes.create_class(me(teacher), "Period 1")
        db.session.execute(
            insert(Enrollment),
            [dict(classroom_id=classroom.id, user_id=u.id) for u in (student, classmate)],
        )
        db.session.commit()
        assignment = classes.create_assignment(
            me(teacher), classroom.id, SOURCE, AssignmentSettings(title="Week 1"), Rules(count=5)
        )
        for who in (student, classmate):
            attempt = classes.start_assignment(me(who), assignment.id, rng=random.Random(1))
            quizzes.finish(me(who), attempt.id)
        done = quizzes.start_practice(me(student), SOURCE, Rules(count=5), quizzes.Settings())
        quizzes.finish(me(student), done.id)
        practice = quizzes.start_practice(me(student), SOURCE, Rules(count=5), quizzes.Settings())
        bank_question = db.session.scalars(select(Question).order_by(Question.id)).first()
        own = authoring.save(
            me(teacher),
            authoring.Draft(
                topic_id=db.session.scalars(select(Topic.id)).first(),
                kind="event",
                type="mcq",
                difficulty=1,
                prompt="Which is right?",
                explanation="The article says so.",
                quote=bank_question.quote,
                options="*Alpha\nBeta\nGamma",
            ),
        )
        ids = {
            "class": classroom.id,
            "assignment": assignment.id,
            "done": done.id,
            "open": practice.id,
            "card": bank_question.id,
            "classmate": classmate.id,
            "own": own.id,
            "topic": db.session.scalars(select(Topic.slug).order_by(Topic.id)).first(),
            "passage": db.session.scalars(
                select(Question.passage_position).where(Question.passage_position.is_not(None))
            ).first(),
        }
    teacher_client = app.test_client()
    AuthActions(teacher_client, app).login(email=teacher.email)
    return {"student": student, "teacher": teacher_client, **ids}


def student_pages(w: dict) -> list[str]:
    card, done, open_ = w["card"], w["done"], w["open"]
    return [
        "/",
        "/dashboard",
        "/read",
        f"/read/{SOURCE}",
        "/bank",
        "/study/",
        f"/study/{SOURCE}",
        f"/study/{SOURCE}?card={card}",
        f"/study/{SOURCE}?show={card}",
        f"/study/{SOURCE}?topic={w['topic']}",
        f"/study/{SOURCE}?topics={w['topic']}",
        f"/study/{SOURCE}?passage={w['passage']}",
        "/study/weak",
        f"/study/card/{card}",
        "/study/leeches",
        "/study/settings",
        "/quizzes/",
        "/quizzes/new",
        f"/attempts/{open_}",
        f"/attempts/{open_}/q/1",
        f"/attempts/{open_}/summary",
        f"/attempts/{done}/result",
        "/assignments/",
        "/auth/password",
        "/account/",
        "/account/data.zip",
        "/help/mastery",
        "/api/v1/me",
        f"/api/v1/study/next?source={SOURCE}",
        f"/api/v1/attempts/{open_}",
        f"/api/v1/attempts/{open_}/questions/1",
        f"/api/v1/attempts/{done}/result",
    ]


def teacher_pages(w: dict) -> list[str]:
    c, a = w["class"], w["assignment"]
    return [
        "/teach/",
        f"/teach/classes/{c}",
        f"/teach/classes/{c}/assignments/new",
        f"/teach/assignments/{a}",
        f"/teach/classes/{c}/gradebook",
        f"/teach/classes/{c}/gradebook.csv",
        f"/teach/classes/{c}/students/{w['student'].id}",
        f"/teach/classes/{c}/students/{w['classmate']}",
        f"/teach/assignments/{a}/analysis",
        f"/teach/assignments/{a}/analysis?all=1",
        f"/teach/classes/{c}/topics",
        "/teach/questions/",
        "/teach/questions/new",
        f"/teach/questions/{w['own']}/edit",
        "/dashboard",
    ]


def statements(client, query_counter, paths: list[str]) -> dict[str, int]:
    """GET each page twice; return the second one's statement count (once whatever the
    process caches, such as the bank, is loaded), and check it answered."""
    counts = {}
    for path in paths:
        client.get(path)
        with query_counter() as log:
            response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        counts[path] = log.count
    return counts


def test_every_page_reads_the_same_few_statements_at_10_and_10000_reviews(
    app, client, world, query_counter
):
    student, teacher = world["student"], world["teacher"]
    pages = student_pages(world)
    add_history(app, student, SIZES[0])
    small = {
        "student": statements(client, query_counter, pages),
        "teacher": statements(teacher, query_counter, teacher_pages(world)),
    }
    add_history(app, student, SIZES[1], first=SIZES[0])
    with app.app_context():
        logs = db.session.scalar(select(db.func.count()).where(ReviewLog.user_id == student.id))
    assert logs == SIZES[1]
    large = {
        "student": statements(client, query_counter, pages),
        "teacher": statements(teacher, query_counter, teacher_pages(world)),
    }
    for who in ("student", "teacher"):
        grew = {
            p: (small[who][p], large[who][p]) for p in small[who] if small[who][p] != large[who][p]
        }
        assert not grew, f"{who} pages whose statements grew with the history: {grew}"
        over = {p: n for p, n in large[who].items() if n > BUDGET}
        assert not over, f"{who} pages over the budget of {BUDGET}: {over}"
