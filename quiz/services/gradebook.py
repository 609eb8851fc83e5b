"""Reading a class: the gradebook, one student's work, a student's assignments.

Each reads a fixed number of statements, however many students and attempts.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from quiz.core import assignments as rules_core
from quiz.db import db, utcnow
from quiz.models import Answer, Attempt, Classroom, Enrollment, Override, Quiz, User
from quiz.services.classes import owned_class, roster, window_for


@dataclass(frozen=True)
class Cell:
    """One student's standing on one assignment."""

    grade: float | None  # percent, by the assignment's grading method
    status: str
    attempts: int


@dataclass(frozen=True)
class Gradebook:
    classroom: Classroom
    students: list
    assignments: list
    cells: dict  # (student id, quiz id) -> Cell
    averages: dict  # quiz id -> class average of the grades given (None if none)
    student_averages: dict  # student id -> mean of their grades (None if none)


def _sittings(attempts: list) -> list[rules_core.Sitting]:
    """Return the attempts (rows or Attempt objects) as grading and status see them."""
    return [
        rules_core.Sitting(
            a.number,
            a.state == "finished",
            100 * a.score / a.max_score if a.state == "finished" and a.max_score else None,
            a.late,
        )
        for a in attempts
    ]


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def gradebook(user: User, class_id: int, now: datetime | None = None) -> Gradebook:
    """Return the class's gradebook: every student × every assignment.

    Raises:
        QuizError: not the instructor's class (404).
    """
    now = now or utcnow()
    classroom = owned_class(user, class_id)
    students = roster(classroom)
    assignments = db.session.scalars(
        select(Quiz)
        .where(Quiz.classroom_id == classroom.id)
        .order_by(Quiz.due_at.is_(None), Quiz.due_at, Quiz.id)  # undated last on both engines
    ).all()
    quiz_ids = [q.id for q in assignments]
    by_cell: dict = defaultdict(list)
    # Only what grading and status read: not the question order and layout of each attempt.
    for attempt in db.session.execute(
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            Attempt.number,
            Attempt.state,
            Attempt.score,
            Attempt.max_score,
            Attempt.late,
        )
        .join(Enrollment, Enrollment.user_id == Attempt.user_id)
        .where(Attempt.quiz_id.in_(quiz_ids), Enrollment.classroom_id == classroom.id)
        .order_by(Attempt.number)
    ):
        by_cell[(attempt.user_id, attempt.quiz_id)].append(attempt)
    overrides = {
        (o.user_id, o.quiz_id): o
        for o in db.session.scalars(select(Override).where(Override.quiz_id.in_(quiz_ids)))
    }
    cells = {}
    for student in students:
        for quiz in assignments:
            attempts = by_cell[(student.id, quiz.id)]
            sittings = _sittings(attempts)
            due = window_for(quiz, overrides.get((student.id, quiz.id))).due_at
            cells[(student.id, quiz.id)] = Cell(
                rules_core.final_grade(quiz.grading_method, sittings),
                rules_core.status(sittings, due, now),
                len(attempts),
            )
    return Gradebook(
        classroom=classroom,
        students=students,
        assignments=assignments,
        cells=cells,
        averages={q.id: _mean(cells[(s.id, q.id)].grade for s in students) for q in assignments},
        student_averages={
            s.id: _mean(cells[(s.id, q.id)].grade for q in assignments) for s in students
        },
    )


def _cell(text: str) -> str:
    """Quote text a spreadsheet would run as a formula (a student chooses their own name)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_csv(book: Gradebook) -> str:
    """Return the gradebook as CSV: one row per student, two columns per assignment, and
    the class averages last, as the page shows them (the same figures, rounded alike)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["Student", "E-mail"]
    for quiz in book.assignments:
        header += [_cell(f"{quiz.title} (%)"), _cell(f"{quiz.title} (status)")]
    writer.writerow(header + ["Average (%)"])
    for student in book.students:
        row = [_cell(student.name), _cell(student.email)]
        for quiz in book.assignments:
            cell = book.cells[(student.id, quiz.id)]
            row += [rules_core.grade_text(cell.grade), cell.status]
        writer.writerow(row + [rules_core.grade_text(book.student_averages[student.id])])
    averages = ["Class average", ""]
    for quiz in book.assignments:
        averages += [rules_core.grade_text(book.averages[quiz.id]), ""]
    writer.writerow(averages + [""])
    return out.getvalue()


def student_work(user: User, class_id: int, student_id: int) -> tuple[User, list]:
    """Return one student of the class and their attempts on its assignments, with answers.

    Raises:
        QuizError: not the instructor's class, or not a student of it (404).
    """
    from quiz.services.quizzes import QuizError

    classroom = owned_class(user, class_id)
    student = db.session.scalars(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.classroom_id == classroom.id, User.id == student_id)
    ).one_or_none()
    if student is None:
        raise QuizError("This student is not in the class.", 404)
    attempts = db.session.scalars(
        select(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.classroom_id == classroom.id, Attempt.user_id == student.id)
        .order_by(Quiz.id, Attempt.number)
    ).all()
    answers = defaultdict(list)
    for answer in db.session.scalars(
        select(Answer)
        .options(db.joinedload(Answer.question))
        .where(Answer.attempt_id.in_([a.id for a in attempts]))
    ):
        answers[answer.attempt_id].append(answer)
    return student, [
        (a, sorted(answers[a.id], key=lambda x: a.question_order.index(x.question_id)))
        for a in attempts
    ]


@dataclass(frozen=True)
class StudentAssignment:
    quiz: Quiz
    classroom: Classroom
    window: rules_core.Window
    status: str
    grade: float | None
    used: int
    open_attempt: Attempt | None


def my_assignments(student: User, now: datetime | None = None) -> list[StudentAssignment]:
    """Return the student's assignments in their classes, soonest due first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Quiz, Classroom, Override)
        .join(Classroom, Classroom.id == Quiz.classroom_id)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .outerjoin(Override, (Override.quiz_id == Quiz.id) & (Override.user_id == student.id))
        .where(
            Quiz.kind == "assignment",
            Enrollment.user_id == student.id,
            Classroom.archived.is_(False),
        )
    ).all()
    attempts = defaultdict(list)
    for attempt in db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == student.id, Attempt.quiz_id.in_([q.id for q, _, _ in rows]))
        .order_by(Attempt.number)
    ):
        attempts[attempt.quiz_id].append(attempt)
    result = []
    for quiz, classroom, override in rows:
        win = window_for(quiz, override)
        mine = attempts[quiz.id]
        sittings = _sittings(mine)
        result.append(
            StudentAssignment(
                quiz,
                classroom,
                win,
                rules_core.status(sittings, win.due_at, now),
                rules_core.final_grade(quiz.grading_method, sittings),
                len(mine),
                next((a for a in mine if a.state == "in_progress"), None),
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(result, key=lambda r: (r.window.due_at or far, r.quiz.id))
