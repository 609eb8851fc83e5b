"""One rule: while a student has an assignment attempt open, its questions reach them by no
other path (issue 11, finding 1): not a practice draw, a weak-topic quiz, a retry of missed
questions, missed-to-flashcards, flashcards or reviews."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from quiz.db import db
from quiz.models import CardState, Role, User
from quiz.services import classes, quizzes
from tests.conftest import make_source, make_user

WRONG = "Wrong"


@dataclass
class Open:
    student_id: int
    ids: list[int]  # the source's 12 questions
    asked: set[int]  # the 5 in the open assignment attempt
    attempt_id: int
    practice_id: int  # a practice attempt on 7 questions, all missed, finished before


@pytest.fixture
def open_assignment(app, auth) -> Open:
    teacher = make_user(app, role=Role.INSTRUCTOR)
    ids = make_source(app, 12)
    student = auth.login()
    with app.app_context():
        who = db.session.get(User, student.id)
        practice = quizzes.start_fixed(who, ids[:7], quizzes.Settings(shuffle=False))
        for qid in practice.question_order:
            quizzes.save_answer(who, practice.id, qid, WRONG, 0)
        quizzes.finish(who, practice.id)
        classroom = classes.create_class(db.session.get(User, teacher.id), "P1")
        classes.join(who, classroom.join_code)
        quiz = classes.create_assignment(
            db.session.get(User, teacher.id),
            classroom.id,
            "deck",
            classes.AssignmentSettings(title="Closed book"),
            question_ids=ids[:5],
        )
        attempt = classes.start_assignment(who, quiz.id)
        return Open(student.id, ids, set(ids[:5]), attempt.id, practice.id)


def practice_draw(client, auth, count: int):
    return client.post(
        "/api/v1/attempts",
        json={"source": "deck", "count": count, "feedback": "immediate"},
        headers={"X-CSRFToken": auth.token()},
    )


def drawn(client, attempt: dict) -> set[int]:
    return {
        client.get(f"/api/v1/attempts/{attempt['id']}/questions/{n}").get_json()["question_id"]
        for n in range(1, attempt["questions"] + 1)
    }


def test_a_practice_draw_leaves_out_the_open_assignment(app, client, auth, open_assignment):
    started = practice_draw(client, auth, 7)  # the 7 questions not in the assignment
    assert started.status_code == 201, started.get_json()
    assert drawn(client, started.get_json()) == set(open_assignment.ids[5:])
    assert practice_draw(client, auth, 8).status_code == 422  # only 7 may be asked now


def test_the_questions_come_back_once_the_assignment_is_submitted(
    app, client, auth, open_assignment
):
    client.post(f"/attempts/{open_assignment.attempt_id}/finish", data={"csrf_token": auth.token()})
    started = practice_draw(client, auth, 12)
    assert drawn(client, started.get_json()) == set(open_assignment.ids)


def test_a_weak_topic_quiz_leaves_out_the_open_assignment(app, open_assignment):
    with app.app_context():
        who = db.session.get(User, open_assignment.student_id)
        attempt = quizzes.start_weak_quiz(who, "deck", ["all"])
        assert set(attempt.question_order) == set(open_assignment.ids[5:])


def test_a_retry_of_missed_questions_leaves_out_the_open_assignment(app, open_assignment):
    with app.app_context():
        who = db.session.get(User, open_assignment.student_id)
        retry = quizzes.retry_missed(who, open_assignment.practice_id)
        assert set(retry.question_order) == set(open_assignment.ids[5:7])


def test_a_fixed_practice_on_an_assigned_question_is_refused(app, open_assignment):
    with app.app_context():
        who = db.session.get(User, open_assignment.student_id)
        with pytest.raises(quizzes.QuizError) as refused:
            quizzes.start_fixed(who, open_assignment.ids[4:7], quizzes.Settings())
        assert refused.value.status == 409
        assert "in the assignment you are taking" in str(refused.value)


def test_missed_to_flashcards_leaves_out_the_open_assignment(app, open_assignment):
    with app.app_context():
        who = db.session.get(User, open_assignment.student_id)
        assert quizzes.missed_to_flashcards(who, open_assignment.practice_id) == 2
        due = db.session.scalars(
            select(CardState.question_id).where(CardState.user_id == who.id)
        ).all()
        assert set(due) == set(open_assignment.ids[5:7])


def test_flashcards_and_reviews_leave_out_the_open_assignment(client, auth, open_assignment):
    seen = set()
    headers = {"X-CSRFToken": auth.token()}
    card = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    while card is not None:
        seen.add(card["question_id"])
        body = {
            "question_id": card["question_id"],
            "rating": 4,
            "client_review_id": card["client_review_id"],
            "source": "deck",
        }
        card = client.post("/api/v1/study/reviews", json=body, headers=headers).get_json()
        card = card["next"]["card"]
    assert seen == set(open_assignment.ids[5:])
    asked = next(iter(open_assignment.asked))
    peek = {"question_id": asked, "rating": 3, "client_review_id": "peek"}
    assert client.post("/api/v1/study/reviews", json=peek, headers=headers).status_code == 404
