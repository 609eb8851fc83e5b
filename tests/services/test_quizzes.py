import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.models import Answer, Attempt, CardState, User
from quiz.services import quizzes
from quiz.services.quizzes import GRACE, QuizError, Settings
from tests.conftest import NOW, make_source, make_user


@pytest.fixture
def setup(app):
    user = make_user(app)
    ids = make_source(app, 8)
    return user, ids


def start(app, user, minutes=None, count=5, feedback="deferred"):
    with app.app_context():
        attempt = quizzes.start_practice(
            db.session.get(User, user.id),
            "deck",
            Rules(count=count),
            Settings(feedback=feedback, time_limit_min=minutes),
            now=NOW,
            rng=random.Random(3),
        )
        return attempt.id, list(attempt.question_order)


def me(user):
    return db.session.get(User, user.id)


def test_a_save_sent_again_after_a_lost_reply_is_answered_as_saved(app, setup):
    # A page retries a save after a network error; the first may have been committed.
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context():
        assert quizzes.save_answer(me(user), attempt_id, order[0], " Right ", 0).sequence == 1
        again = quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0)
        assert (again.response, again.sequence) == ("Right", 1)
        for other, flag in (("Wrong", None), ("Right", True)):  # not the same save: stale
            with pytest.raises(QuizError) as stale:
                quizzes.save_answer(me(user), attempt_id, order[0], other, 0, flagged=flag)
            assert stale.value.status == 409
        quizzes.save_answer(me(user), attempt_id, order[0], "Wrong", 1)
        with pytest.raises(QuizError):  # two saves back is no replay
            quizzes.save_answer(me(user), attempt_id, order[0], "Wrong", 0)


def test_starting_makes_one_answer_row_per_question(app, setup):
    user, _ids = setup
    attempt_id, order = start(app, user, minutes=20)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.deadline == NOW + timedelta(minutes=20)
        assert attempt.max_score == 5.0
        rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).all()
        assert sorted(a.question_id for a in rows) == sorted(order)
        assert {(a.sequence, a.response) for a in rows} == {(0, None)}


def test_a_save_needs_the_current_sequence(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context():
        saved = quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0, now=NOW)
        assert saved.sequence == 1
        with pytest.raises(QuizError) as stale:
            quizzes.save_answer(me(user), attempt_id, order[0], "Wrong", 0, now=NOW)
        assert stale.value.status == 409
        answer = db.session.scalars(
            select(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == order[0])
        ).one()
        assert (answer.response, answer.sequence) == ("Right", 1)


def test_a_response_of_the_wrong_shape_is_refused(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context(), pytest.raises(QuizError) as error:
        quizzes.save_answer(me(user), attempt_id, order[0], "Not an option", 0, now=NOW)
    assert (error.value.status, error.value.field) == (422, "response")


def test_an_answer_within_the_grace_period_is_accepted(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user, minutes=10)
    late = NOW + timedelta(minutes=10) + GRACE
    with app.app_context():
        assert (
            quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0, now=late).sequence == 1
        )


def test_an_answer_after_deadline_and_grace_is_refused_and_the_attempt_closed(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user, minutes=10)
    with app.app_context():
        quizzes.save_answer(
            me(user), attempt_id, order[0], "Right", 0, now=NOW + timedelta(minutes=5)
        )
        too_late = NOW + timedelta(minutes=10) + GRACE + timedelta(seconds=1)
        with pytest.raises(QuizError, match="Time is up") as error:
            quizzes.save_answer(me(user), attempt_id, order[1], "Right", 0, now=too_late)
        assert error.value.status == 409
        attempt = db.session.get(Attempt, attempt_id)
        db.session.refresh(attempt)
        assert (attempt.state, attempt.closed_by, attempt.score) == ("finished", "deadline", 1.0)
        second = db.session.scalars(
            select(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == order[1])
        ).one()
        assert second.response is None


def test_close_overdue_grades_what_was_saved(app, setup):
    user, _ = setup
    timed, order = start(app, user, minutes=10)
    untimed, _ = start(app, user)
    with app.app_context():
        quizzes.save_answer(me(user), timed, order[0], "Right", 0, now=NOW)
        quizzes.save_answer(me(user), timed, order[1], "Wrong", 0, now=NOW)
        assert quizzes.close_overdue(now=NOW + timedelta(minutes=10, seconds=30)) == 0
        assert quizzes.close_overdue(now=NOW + timedelta(minutes=12)) == 1
        assert quizzes.close_overdue(now=NOW + timedelta(minutes=13)) == 0
        attempt = db.session.get(Attempt, timed)
        assert (attempt.state, attempt.closed_by, attempt.score) == ("finished", "deadline", 1.0)
        assert db.session.get(Attempt, untimed).state == "in_progress"


def test_opening_an_overdue_attempt_closes_it(app, setup):
    user, _ = setup
    attempt_id, _ = start(app, user, minutes=1)
    with app.app_context():
        attempt = quizzes.get_attempt(me(user), attempt_id, now=NOW + timedelta(minutes=5))
        assert attempt.state == "finished"


def test_finish_grades_once_and_later_calls_return_the_same_result(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context():
        quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0, now=NOW)
        first = quizzes.finish(me(user), attempt_id, now=NOW + timedelta(minutes=1))
        again = quizzes.finish(me(user), attempt_id, now=NOW + timedelta(minutes=2))
        assert (
            (first.score, first.finished_at)
            == (again.score, again.finished_at)
            == (
                1.0,
                NOW + timedelta(minutes=1),
            )
        )
        with pytest.raises(QuizError, match="finished"):
            quizzes.save_answer(me(user), attempt_id, order[1], "Right", 0, now=NOW)


def test_ten_concurrent_finishes_give_one_graded_result(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context():
        quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0, now=NOW)
    results, errors = [], []
    closes = []

    def run(i):
        with app.app_context():
            try:
                attempt, closed = quizzes._finish(
                    user.id, attempt_id, NOW + timedelta(seconds=i), "student"
                )
                results.append((attempt.score, attempt.finished_at))
                closes.append(closed)
            except Exception as error:  # noqa: BLE001 - asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert closes.count(True) == 1
    assert len(set(results)) == 1
    assert results[0][0] == 1.0


def test_another_users_attempt_is_not_found(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    other = make_user(app)
    with app.app_context():
        for call in (
            lambda: quizzes.get_attempt(me(other), attempt_id),
            lambda: quizzes.save_answer(me(other), attempt_id, order[0], "Right", 0),
            lambda: quizzes.finish(me(other), attempt_id),
        ):
            with pytest.raises(QuizError) as error:
                call()
            assert error.value.status == 404


def test_immediate_feedback_checks_and_locks_one_answer(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user, feedback="immediate")
    with app.app_context():
        quizzes.save_answer(me(user), attempt_id, order[0], "Wrong", 0, now=NOW)
        checked = quizzes.check_answer(me(user), attempt_id, order[0], now=NOW)
        assert (checked.checked, checked.points) == (True, 0.0)
        with pytest.raises(QuizError, match="checked"):
            quizzes.save_answer(me(user), attempt_id, order[0], "Right", checked.sequence, now=NOW)


def test_missed_questions_become_due_flashcards_today(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context():
        quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0, now=NOW)
        quizzes.finish(me(user), attempt_id, now=NOW)
        assert quizzes.missed_to_flashcards(me(user), attempt_id, now=NOW) == 4
        states = db.session.scalars(select(CardState)).all()
        assert sorted(s.question_id for s in states) == sorted(order[1:])
        assert {(s.phase, s.due) for s in states} == {(1, NOW)}
        from quiz.services import study

        queue = study.load_day(me(user), study.find_deck("deck"), NOW).queue
        assert set(order[1:]) <= {c.question_id for c in queue.cards}


def test_topic_breakdown_counts_finished_attempts_only(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    start(app, user)  # still open: not counted
    with app.app_context():
        quizzes.save_answer(me(user), attempt_id, order[0], "Right", 0, now=NOW)
        quizzes.finish(me(user), attempt_id, now=NOW)
        assert quizzes.topic_breakdown(me(user)) == [
            {"topic": "All of it", "questions": 5, "points": 1.0, "share": 0.2}
        ]
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 10


def test_responses_are_stored_as_the_grader_reads_them(app, setup):
    user, _ = setup
    attempt_id, order = start(app, user)
    with app.app_context():
        saved = quizzes.save_answer(me(user), attempt_id, order[0], "  Right ", 0, now=NOW)
        assert saved.response == "Right"
