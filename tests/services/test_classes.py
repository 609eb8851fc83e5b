import csv
import io
import math
import random
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from quiz.db import db
from quiz.models import Answer, Enrollment, Role, User
from quiz.services import analysis, authoring, classes, gradebook, quizzes
from quiz.services.classes import AssignmentSettings
from quiz.services.quizzes import GRACE, QuizError
from tests.conftest import NOW, make_source, make_user


@pytest.fixture
def course(app):
    """An instructor, a class with two students, six questions."""
    teacher = make_user(app, role=Role.INSTRUCTOR, name="Prof")
    ana = make_user(app, name="Ana")
    ben = make_user(app, name="Ben")
    ids = make_source(app, 6)
    with app.app_context():
        classroom = classes.create_class(db.session.get(User, teacher.id), "Period 3")
        for student in (ana, ben):
            classes.join(
                db.session.get(User, student.id), classroom.join_code.lower().replace("-", " ")
            )
    return {"teacher": teacher, "ana": ana, "ben": ben, "ids": ids, "class": classroom.id}


def me(user):
    return db.session.get(User, user.id)


def assign(app, course, **settings):
    defaults = {"title": "Week 1", "attempts_allowed": 1}
    with app.app_context():
        quiz = classes.create_assignment(
            me(course["teacher"]),
            course["class"],
            "deck",
            AssignmentSettings(**{**defaults, **settings}),
            question_ids=course["ids"][:5],
        )
        return quiz.id


def test_join_codes_are_unguessable_and_rotating_one_retires_it(app, course):
    with app.app_context():
        classroom = classes.owned_class(me(course["teacher"]), course["class"])
        old = classroom.join_code
        assert len(old.replace("-", "")) == 12
        classes.update_class(me(course["teacher"]), course["class"], rotate=True)
        late = make_user(app)
        with pytest.raises(QuizError, match="No open class has this join code"):
            classes.join(me(late), old)
        with pytest.raises(QuizError, match="already in Period 3"):
            classes.join(me(course["ana"]), classroom.join_code)


def test_extra_time_lets_a_late_answer_in_and_without_it_the_answer_is_refused(app, course):
    quiz_id = assign(app, course, time_limit_min=10, due_at=NOW + timedelta(days=7))
    with app.app_context():
        classes.set_override(me(course["teacher"]), quiz_id, course["ana"].id, extra_minutes=15)
        ana = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW, rng=random.Random(1))
        ben = classes.start_assignment(me(course["ben"]), quiz_id, now=NOW, rng=random.Random(1))
        assert ana.deadline == NOW + timedelta(minutes=25)
        assert ben.deadline == NOW + timedelta(minutes=10)
        later = NOW + timedelta(minutes=20)
        saved = quizzes.save_answer(
            me(course["ana"]), ana.id, ana.question_order[0], "Right", 0, now=later
        )
        assert saved.sequence == 1
        with pytest.raises(QuizError, match="Time is up"):
            quizzes.save_answer(
                me(course["ben"]), ben.id, ben.question_order[0], "Right", 0, now=later
            )


def test_a_time_factor_and_an_own_due_date_shape_the_deadline(app, course):
    quiz_id = assign(app, course, time_limit_min=20, due_at=NOW + timedelta(minutes=30))
    with app.app_context():
        classes.set_override(
            me(course["teacher"]),
            quiz_id,
            course["ana"].id,
            time_factor=1.5,
            due_at=NOW + timedelta(hours=2),
        )
        ana = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW + timedelta(minutes=25))
        ben = classes.start_assignment(me(course["ben"]), quiz_id, now=NOW + timedelta(minutes=25))
        assert ana.deadline == NOW + timedelta(minutes=25 + 30)
        assert ben.deadline == NOW + timedelta(minutes=30)  # the class's due date closes it


def test_an_override_given_during_an_attempt_moves_its_deadline(app, course):
    quiz_id = assign(app, course, time_limit_min=10)
    with app.app_context():
        attempt = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        classes.set_override(me(course["teacher"]), quiz_id, course["ana"].id, extra_minutes=30)
        db.session.refresh(attempt)
        assert attempt.deadline == NOW + timedelta(minutes=40)


def test_attempts_are_limited_and_extra_attempts_add_to_them(app, course):
    quiz_id = assign(app, course, attempts_allowed=1)
    with app.app_context():
        first = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        assert (
            classes.start_assignment(me(course["ana"]), quiz_id, now=NOW).id == first.id
        )  # resumed
        quizzes.finish(me(course["ana"]), first.id, now=NOW)
        with pytest.raises(QuizError, match="used all your attempts"):
            classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        classes.set_override(me(course["teacher"]), quiz_id, course["ana"].id, extra_attempts=1)
        second = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        assert second.number == 2


def test_an_assignment_is_closed_before_it_opens_and_after_it_is_due(app, course):
    quiz_id = assign(app, course, open_at=NOW + timedelta(hours=1), due_at=NOW + timedelta(hours=2))
    with app.app_context():
        with pytest.raises(QuizError, match="not open yet"):
            classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        with pytest.raises(QuizError, match="closed"):
            classes.start_assignment(me(course["ana"]), quiz_id, now=NOW + timedelta(hours=3))


def test_late_work_is_accepted_and_marked_when_the_policy_says_so(app, course):
    quiz_id = assign(app, course, due_at=NOW + timedelta(hours=1), late_policy="accept")
    with app.app_context():
        late_start = NOW + timedelta(hours=2)
        attempt = classes.start_assignment(me(course["ana"]), quiz_id, now=late_start)
        done = quizzes.finish(me(course["ana"]), attempt.id, now=late_start + timedelta(minutes=5))
        assert done.late
        book = gradebook.gradebook(me(course["teacher"]), course["class"], now=late_start)
        assert book.cells[(course["ana"].id, quiz_id)].status == "late"
        assert book.cells[(course["ben"].id, quiz_id)].status == "missing"


def answer_all(app, student, attempt, right: set[int]):
    for qid in attempt.question_order:
        quizzes.save_answer(
            me(student), attempt.id, qid, "Right" if qid in right else "Wrong", 0, now=NOW
        )
    return quizzes.finish(me(student), attempt.id, now=NOW)


def test_gradebook_grades_by_method_and_exports_csv(app, course):
    highest = assign(app, course, title="Highest", attempts_allowed=2)
    last = assign(app, course, title="Last", attempts_allowed=2, grading_method="last")
    with app.app_context():
        ids = course["ids"][:5]
        for quiz_id in (highest, last):
            a1 = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
            answer_all(app, course["ana"], a1, set(ids[:4]))  # 80 %
            a2 = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
            answer_all(app, course["ana"], a2, set(ids[:1]))  # 20 %
        book = gradebook.gradebook(me(course["teacher"]), course["class"], now=NOW)
        assert book.cells[(course["ana"].id, highest)].grade == 80.0
        assert book.cells[(course["ana"].id, last)].grade == 20.0
        assert book.cells[(course["ben"].id, highest)] == gradebook.Cell(None, "not started", 0)
        assert book.averages[highest] == 80.0
        rows = list(csv.reader(io.StringIO(gradebook.gradebook_csv(book))))
        assert rows == [
            [
                "Student",
                "E-mail",
                "Highest (%)",
                "Highest (status)",
                "Last (%)",
                "Last (status)",
                "Average (%)",
            ],
            ["Ana", course["ana"].email, "80.0", "submitted", "20.0", "submitted", "50.0"],
            ["Ben", course["ben"].email, "", "not started", "", "not started", ""],
            ["Class average", "", "80.0", "", "20.0", "", ""],
        ]


def test_item_analysis_matches_the_hand_computed_statistics(app, course):
    # Five students, three questions, marks 111 / 110 / 101 / 010 / 000: the fixture
    # worked by hand in tests/core/test_itemstats.py.
    extra = [make_user(app, name=f"S{n}") for n in range(3)]
    with app.app_context():
        code = classes.owned_class(me(course["teacher"]), course["class"]).join_code
        for student in extra:
            classes.join(me(student), code)
        q1, q2, q3 = course["ids"][:3]
        quiz = classes.create_assignment(
            me(course["teacher"]),
            course["class"],
            "deck",
            AssignmentSettings(title="Stats", shuffle=False),
            question_ids=[q1, q2, q3],
        )
        pattern = [{q1, q2, q3}, {q1, q2}, {q1, q3}, {q2}, set()]
        for student, right in zip([course["ana"], course["ben"], *extra], pattern, strict=True):
            answer_all(app, student, classes.start_assignment(me(student), quiz.id, now=NOW), right)
        result = analysis.item_analysis(me(course["teacher"]), quiz.id)
    stats = result.stats
    assert stats.attempts == 5 and stats.enough
    items = {i.question_id: i for i in stats.items}
    assert items[q1].facility == pytest.approx(60)
    assert items[q1].discrimination_index == pytest.approx(25 / math.sqrt(0.15))
    assert items[q2].discriminative_efficiency == pytest.approx(0) and items[q2].dubious
    assert items[q3].discriminative_efficiency == pytest.approx(37.5)
    assert stats.cic == pytest.approx(600 / 13)
    assert stats.standard_error == pytest.approx(math.sqrt(0.7))
    assert items[q1].options == {"Right": 3, "Wrong": 2}


def test_item_analysis_with_one_attempt_says_not_enough(app, course):
    quiz_id = assign(app, course)
    with app.app_context():
        answer_all(
            app, course["ana"], classes.start_assignment(me(course["ana"]), quiz_id, now=NOW), set()
        )
        result = analysis.item_analysis(me(course["teacher"]), quiz_id)
        assert not result.stats.enough
        assert result.stats.cic is None


def test_gradebook_reads_the_same_number_of_statements_for_5_and_200_students(
    app, course, query_counter
):
    counts = []
    with app.app_context():
        quiz_id = assign(app, course)
        for n in (5, 200):
            classroom = classes.create_class(me(course["teacher"]), f"Class {n}")
            db.session.execute(
                insert(User),
                [
                    dict(email=f"c{n}-{i}@example.org", name=f"S{i}", password_hash="x")
                    for i in range(n)
                ],
            )
            users = db.session.scalars(select(User.id).where(User.email.like(f"c{n}-%"))).all()
            db.session.execute(
                insert(Enrollment), [dict(classroom_id=classroom.id, user_id=u) for u in users]
            )
            db.session.commit()
            teacher = me(course["teacher"])
            with query_counter() as q:
                book = gradebook.gradebook(teacher, classroom.id, now=NOW)
            assert len(book.students) == n
            counts.append(q.count)
    assert counts[0] == counts[1] == 5
    assert quiz_id


def test_editing_an_answered_question_keeps_old_answers_graded_as_they_were(app, course):
    with app.app_context():
        from quiz.models import Question, Topic

        teacher = me(course["teacher"])
        topic = db.session.scalars(select(Topic)).first()
        draft = authoring.Draft(
            topic_id=topic.id,
            kind="event",
            type="mcq",
            difficulty=1,
            prompt="Which is right?",
            explanation="The first sentence says so.",
            quote="A quote.",
            options="*Alpha\nBeta\nGamma",
        )
        original = authoring.save(teacher, draft)
        quiz = classes.create_assignment(
            teacher,
            course["class"],
            "deck",
            AssignmentSettings(title="Mine"),
            question_ids=[original.id],
        )
        attempt = classes.start_assignment(me(course["ana"]), quiz.id, now=NOW)
        quizzes.save_answer(me(course["ana"]), attempt.id, original.id, "Alpha", 0, now=NOW)
        quizzes.finish(me(course["ana"]), attempt.id, now=NOW)
        draft.options = "Alpha\n*Beta\nGamma"  # the key changes
        edited = authoring.save(teacher, draft, original.id)
        assert edited.id != original.id
        assert db.session.get(Question, original.id).archived
        answer = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).one()
        assert (answer.question_id, answer.points) == (original.id, 1.0)
        review = quizzes.review_attempt(me(course["ana"]), attempt.id, now=NOW)
        assert review.items[0].grade.correct
        db.session.refresh(quiz)
        assert quiz.question_ids == [edited.id]


def test_authoring_reports_each_problem_on_its_field(app, course):
    with app.app_context():
        from quiz.models import Topic

        topic = db.session.scalars(select(Topic)).first()
        draft = authoring.Draft(
            topic_id=topic.id,
            kind="event",
            type="mcq",
            difficulty=1,
            prompt="",
            explanation="Why.",
            quote="Not in the article at all.",
            options="Alpha\nBeta",
        )
        _payload, errors, _ = authoring.check(draft, topic.source_id)
    assert errors == {
        "prompt": ["This field is required."],
        "options": [
            "Mark exactly one option as right with a * at the start of its line.",
            "Needs 3 to 6 options, got 2.",
        ],
        "quote": ["Not found in the article: copy a sentence or clause exactly."],
    }


def test_grace_is_one_minute():
    assert timedelta(seconds=60) == GRACE


def test_an_attempt_closed_at_its_deadline_is_finished_then_and_not_late(app, course):
    due = NOW + timedelta(minutes=30)
    quiz_id = assign(app, course, time_limit_min=60, due_at=due)  # the due date closes it
    with app.app_context():
        attempt = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        swept = NOW + timedelta(hours=3)
        assert quizzes.close_overdue(now=swept) == 1
        db.session.expire_all()
        closed = quizzes.get_attempt(me(course["ana"]), attempt.id, now=swept)
        assert (closed.finished_at, closed.late, closed.closed_by) == (due, False, "deadline")
        book = gradebook.gradebook(me(course["teacher"]), course["class"], now=swept)
        assert book.cells[(course["ana"].id, quiz_id)].status == "submitted"


def test_hidden_answers_stay_hidden_from_flashcards_and_show_after_an_extension_ends(app, course):
    due = NOW + timedelta(hours=1)
    quiz_id = assign(app, course, due_at=due, review="after_due", attempts_allowed=2)
    with app.app_context():
        attempt = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        answer_all(app, course["ana"], attempt, set())
        with pytest.raises(QuizError, match="not shown yet"):
            quizzes.missed_to_flashcards(me(course["ana"]), attempt.id, now=NOW)
        classes.set_override(
            me(course["teacher"]), quiz_id, course["ana"].id, due_at=due + timedelta(days=2)
        )
        later = due + timedelta(hours=2)  # past the class's due date, not Ana's
        assert not quizzes.review_attempt(me(course["ana"]), attempt.id, now=later).visible
        after = due + timedelta(days=3)
        assert quizzes.review_attempt(me(course["ana"]), attempt.id, now=after).visible


def test_an_answer_the_changed_bank_no_longer_accepts_scores_zero_instead_of_failing(app, course):
    quiz_id = assign(app, course)
    with app.app_context():
        from quiz.models import Question

        attempt = classes.start_assignment(me(course["ana"]), quiz_id, now=NOW)
        qid = attempt.question_order[0]
        quizzes.save_answer(me(course["ana"]), attempt.id, qid, "Right", 0, now=NOW)
        question = db.session.get(Question, qid)
        question.payload = {"options": ["Alpha", "Beta", "Gamma"], "answer": "Alpha"}
        db.session.commit()
        done = quizzes.finish(me(course["ana"]), attempt.id, now=NOW)
        assert (done.state, done.score) == ("finished", 0.0)
        review = quizzes.review_attempt(me(course["ana"]), attempt.id, now=NOW)
        assert review.items[0].grade is None


def test_a_question_picked_twice_is_asked_once(app, course):
    with app.app_context():
        ids = course["ids"]
        quiz = classes.create_assignment(
            me(course["teacher"]),
            course["class"],
            "deck",
            AssignmentSettings(title="Twice"),
            question_ids=[ids[0], ids[0], ids[1]],
        )
        assert quiz.question_ids == [ids[0], ids[1]]
        attempt = classes.start_assignment(me(course["ana"]), quiz.id, now=NOW)
        assert sorted(attempt.question_order) == [ids[0], ids[1]]


def test_a_question_with_a_quote_per_line_is_checked_line_by_line(app, course):
    """Bank items keep one quote per pair or step, a line each; an instructor's copy or an
    imported one keeps them so. Each line must be in the article, not the lines joined."""
    with app.app_context():
        from quiz.models import Topic

        topic = db.session.scalars(select(Topic)).first()
        draft = authoring.Draft(
            topic_id=topic.id,
            kind="event",
            type="mcq",
            difficulty=1,
            prompt="Which is right?",
            explanation="The article says so.",
            quote="Another sentence.\nA quote.",  # in the article, but not in this order
            options="*Alpha\nBeta\nGamma",
        )
        _payload, errors, passage = authoring.check(draft, topic.source_id)
        assert (errors, passage) == ({}, 0)
        draft.quote = "A quote.\nNot in the article at all."
        _payload, errors, _ = authoring.check(draft, topic.source_id)
    assert errors == {"quote": ["Not found in the article: copy a sentence or clause exactly."]}
