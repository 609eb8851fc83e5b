"""A populated database for the storage tests: a class, students, reviews, attempts."""

import random
from datetime import timedelta

from sqlalchemy import select

from quiz.db import db
from quiz.models import User
from quiz.services import classes, quizzes, study
from quiz.services.classes import AssignmentSettings
from tests.conftest import NOW, make_source, make_user


def me(user: User) -> User:
    return db.session.get(User, user.id)


def populate(app) -> dict:
    """Fill the app's database through the services; return the people and ids made.

    An instructor with a class of two students and a graded assignment, each student
    with reviews (a card reviewed twice) and a finished practice quiz.
    """
    teacher = make_user(app, role="instructor", name="Prof Chen")
    ana = make_user(app, name="Ana Lima")
    ben = make_user(app, name="Ben Okafor")
    ids = make_source(app, 12)
    with app.app_context():
        classroom = classes.create_class(me(teacher), "Period 3")
        for student in (ana, ben):
            classes.join(me(student), classroom.join_code)
        assignment = classes.create_assignment(
            me(teacher),
            classroom.id,
            "deck",
            AssignmentSettings(title="Week 1", attempts_allowed=1),
            question_ids=ids[:5],
        )
        for n, (student, right) in enumerate(((ana, 4), (ben, 2))):
            attempt = classes.start_assignment(
                me(student), assignment.id, now=NOW, rng=random.Random(n)
            )
            for k, qid in enumerate(attempt.question_order):
                answer = "Right" if k < right else "Wrong"
                quizzes.save_answer(me(student), attempt.id, qid, answer, 0, now=NOW)
            quizzes.finish(me(student), attempt.id, now=NOW + timedelta(minutes=5))
            for day, rating in enumerate((3, 1, 3)):
                study.review(
                    me(student),
                    ids[6 + day % 2],
                    rating,
                    f"r-{student.id}-{day}",
                    None,
                    duration_ms=4200 + day,
                    now=NOW + timedelta(days=day, hours=1),
                )
            practice = quizzes.start_fixed(
                me(student), ids[8:12], quizzes.Settings(), now=NOW, rng=random.Random(n)
            )
            quizzes.save_answer(me(student), practice.id, practice.question_order[0], "Right", 0)
            quizzes.finish(me(student), practice.id, now=NOW + timedelta(hours=2))
        emails = db.session.scalars(select(User.email).order_by(User.id)).all()
    return {
        "teacher": teacher,
        "ana": ana,
        "ben": ben,
        "ids": ids,
        "class": classroom.id,
        "assignment": assignment.id,
        "emails": emails,
    }
