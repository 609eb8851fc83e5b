"""Classes and assignments: an instructor's classes, join codes, assignments, overrides.

Every lookup of an instructor's object is scoped to its owner: another
instructor's class or assignment answers 404, as an id that does not exist.
"""

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from quiz.core import assignments as rules_core
from quiz.core.quizbuild import NotEnoughQuestions, Rules, pick
from quiz.db import db, utcnow, write_transaction
from quiz.models import (
    Attempt,
    Classroom,
    Enrollment,
    Override,
    Question,
    Quiz,
    Source,
    User,
)
from quiz.services import confirmation, limits
from quiz.services.quizzes import QuizError, _new_attempt, bank_questions, pool_of

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in class
JOIN_MESSAGE = (
    "Too many wrong join codes. Check the code with your instructor, then try again in {wait}."
)
log = logging.getLogger("quiz.security")


def new_join_code() -> str:
    """Return an unguessable join code like "K7QM-2XTA-9HVR" (60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def owned_class(user: User, class_id: int) -> Classroom:
    """Return the instructor's class, or raise a 404 QuizError (also for other people's)."""
    classroom = db.session.scalars(
        select(Classroom).where(Classroom.id == class_id, Classroom.instructor_id == user.id)
    ).one_or_none()
    if classroom is None:
        raise QuizError("There is no such class.", 404)
    return classroom


def owned_assignment(user: User, quiz_id: int) -> Quiz:
    """Return an assignment of one of the instructor's classes, or raise a 404 QuizError."""
    quiz = db.session.scalars(
        select(Quiz)
        .join(Classroom, Classroom.id == Quiz.classroom_id)
        .where(Quiz.id == quiz_id, Quiz.kind == "assignment", Classroom.instructor_id == user.id)
    ).one_or_none()
    if quiz is None:
        raise QuizError("There is no such assignment.", 404)
    return quiz


def _name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise QuizError("name: use 1 to 120 characters.", 422, "name")
    return name


def create_class(user: User, name: str) -> Classroom:
    """Create a class with a fresh join code."""
    name = _name(name)
    with write_transaction() as session:
        classroom = Classroom(instructor_id=user.id, name=name, join_code=new_join_code())
        session.add(classroom)
    return classroom


def update_class(user: User, class_id: int, name=None, archived=None, rotate=False) -> Classroom:
    """Rename, archive or unarchive a class, or give it a new join code."""
    with write_transaction():
        classroom = owned_class(user, class_id)
        if name is not None:
            classroom.name = _name(name)
        if archived is not None:
            classroom.archived = bool(archived)
        if rotate:
            classroom.join_code = new_join_code()
    return classroom


def join(student: User, code: str, now: datetime | None = None) -> Classroom:
    """Enrol a student in the class with this join code.

    A code that matches no open class counts against JOIN_CODE_FAILURES_PER_USER per
    window; the count is taken before the lookup, in its transaction, so parallel guesses
    cannot get past it, and a code that matches gives its slot back.

    Raises:
        QuizError: unknown or archived code (404), already enrolled (409), an address not
            confirmed where the deployment requires it (403).
        RateLimited: too many wrong codes from this student in the window.
    """
    if confirmation.needs_confirming(student):
        raise QuizError(confirmation.NEEDED.format(email=student.email), 403, "code")
    cfg = current_app.config
    bucket = limits.Bucket(
        "join-user",
        str(student.id),
        cfg["JOIN_CODE_FAILURES_PER_USER"],
        cfg["JOIN_CODE_WINDOW_SECONDS"],
        JOIN_MESSAGE,
    )
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    pretty = "-".join(code[i : i + 4] for i in range(0, len(code), 4))
    try:
        with write_transaction() as session:
            slots = limits.take(session, [bucket], now or utcnow())
            classroom = session.scalars(
                select(Classroom).where(
                    Classroom.join_code == pretty, Classroom.archived.is_(False)
                )
            ).one_or_none()
            if classroom is not None:
                limits.give_back(session, slots)
                _enrol(session, student, classroom)
    except limits.RateLimited as refused:
        log.warning("join refused: user=%s retry_after=%s", student.id, refused.retry_after)
        raise
    if classroom is None:  # committed: the wrong code stays counted
        log.warning("join code wrong: user=%s", student.id)
        raise QuizError(
            "No open class has this join code. Check it with your instructor.", 404, "code"
        )
    return classroom


def _enrol(session, student: User, classroom: Classroom) -> None:
    """Add the enrolment, or raise a 409 QuizError (rolling the transaction back)."""
    if classroom.instructor_id == student.id:
        raise QuizError("You teach this class.", 409, "code")
    already = session.scalar(
        select(func.count()).where(
            Enrollment.classroom_id == classroom.id, Enrollment.user_id == student.id
        )
    )
    if already:
        raise QuizError(f"You are already in {classroom.name}.", 409, "code")
    session.add(Enrollment(classroom_id=classroom.id, user_id=student.id))
    try:
        session.flush()
    except IntegrityError:  # the same student joined twice at once: the other won
        raise QuizError(f"You are already in {classroom.name}.", 409, "code") from None


def remove_student(user: User, class_id: int, student_id: int) -> None:
    """Take a student out of a class (their attempts are kept)."""
    with write_transaction() as session:
        owned_class(user, class_id)
        removed = session.execute(
            delete(Enrollment).where(
                Enrollment.classroom_id == class_id, Enrollment.user_id == student_id
            )
        ).rowcount
        if not removed:
            raise QuizError("This student is not in the class.", 404)


def roster(classroom: Classroom) -> list[User]:
    """Return the class's students, by name."""
    return db.session.scalars(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.classroom_id == classroom.id)
        .order_by(User.name, User.id)
    ).all()


@dataclass(frozen=True)
class AssignmentSettings:
    """Moodle-style settings of an assignment, validated at construction."""

    title: str
    open_at: datetime | None = None
    due_at: datetime | None = None
    time_limit_min: int | None = None
    attempts_allowed: int | None = 1
    grading_method: str = "highest"
    review: str = "immediately"
    late_policy: str = "closed"
    shuffle: bool = True

    def __post_init__(self) -> None:
        if not self.title or len(self.title) > 200:
            raise QuizError("title: use 1 to 200 characters.", 422, "title")
        if self.grading_method not in rules_core.GRADING_METHODS:
            raise QuizError(
                "grading_method: choose highest, average, first or last.", 422, "grading_method"
            )
        if self.review not in rules_core.REVIEW_OPTIONS:
            raise QuizError("review: choose immediately, after_due or never.", 422, "review")
        if self.late_policy not in rules_core.LATE_POLICIES:
            raise QuizError("late_policy: choose closed or accept.", 422, "late_policy")
        if self.attempts_allowed is not None and not 1 <= self.attempts_allowed <= 100:
            raise QuizError("attempts: use 1 to 100, or unlimited.", 422, "attempts_allowed")
        if self.time_limit_min is not None and not 1 <= self.time_limit_min <= 600:
            raise QuizError("time_limit: use 1 to 600 minutes, or none.", 422, "time_limit_min")
        if self.open_at and self.due_at and self.due_at <= self.open_at:
            raise QuizError("due_at: the due date must come after the opening date.", 422, "due_at")


def create_assignment(
    user: User,
    class_id: int,
    source_slug: str,
    settings: AssignmentSettings,
    rules: Rules | None = None,
    question_ids: list[int] | None = None,
) -> Quiz:
    """Create an assignment from selection rules (a random draw per student) or a fixed list.

    Raises:
        QuizError: not the instructor's class (404), neither or both of rules and
            a list, unknown questions, or too few questions for the rules (422).
    """
    if (rules is None) == (not question_ids):
        raise QuizError("Choose questions by rules or pick a list, not both.", 422, "questions")
    if question_ids:
        question_ids = list(dict.fromkeys(question_ids))  # a question picked twice is asked once
    with write_transaction() as session:
        owned_class(user, class_id)
        source = session.scalars(select(Source).where(Source.slug == source_slug)).one_or_none()
        if source is None:
            raise QuizError("There is no such source.", 404, "source")
        if rules is not None:
            _check_rules(session, source, rules)
        else:
            _check_list(session, user, source, question_ids)
        quiz = Quiz(
            owner_id=user.id,
            source_id=source.id,
            kind="assignment",
            classroom_id=class_id,
            title=settings.title,
            rules=rules.to_dict() if rules else {},
            question_ids=list(question_ids) if question_ids else None,
            time_limit_s=settings.time_limit_min * 60 if settings.time_limit_min else None,
            feedback="deferred",
            shuffle=settings.shuffle,
            open_at=settings.open_at,
            due_at=settings.due_at,
            attempts_allowed=settings.attempts_allowed,
            grading_method=settings.grading_method,
            review=settings.review,
            late_policy=settings.late_policy,
        )
        session.add(quiz)
    return quiz


def _check_rules(session, source: Source, rules: Rules) -> None:
    try:
        pick(pool_of(bank_questions(session, source.id)), rules, random.Random(0))
    except NotEnoughQuestions as error:
        raise QuizError(str(error), 422, "count") from None


def _check_list(session, user: User, source: Source, question_ids: list[int]) -> None:
    found = session.scalars(
        select(Question).where(Question.id.in_(question_ids), Question.archived.is_(False))
    ).all()
    usable = {
        q.id
        for q in found
        if q.source_id == source.id and (q.origin == "bank" or q.owner_id == user.id)
    }
    if len(usable) != len(set(question_ids)):
        raise QuizError("Some picked questions are not available.", 422, "question_ids")
    facts = [q.fact for q in found if q.origin == "bank"]
    if len(facts) != len(set(facts)):
        raise QuizError("Two picked questions test the same fact: keep one.", 422, "question_ids")


def rules_from(data: dict) -> Rules:
    """Rebuild stored selection rules."""
    return Rules(
        topics=tuple(data.get("topics", ())),
        kinds=tuple(data.get("kinds", ())),
        types=tuple(data.get("types", ())),
        difficulties=tuple(data.get("difficulties", ())),
        count=data.get("count", 10),
    )


def set_override(user: User, quiz_id: int, student_id: int, **values) -> Override:
    """Give one student accommodations; see `_set_override`. A concurrent first insert of
    the same override is retried once as an update."""
    try:
        return _set_override(user, quiz_id, student_id, **values)
    except IntegrityError:
        db.session.rollback()
        return _set_override(user, quiz_id, student_id, **values)


def _set_override(
    user: User,
    quiz_id: int,
    student_id: int,
    extra_minutes: int = 0,
    time_factor: float = 1.0,
    due_at: datetime | None = None,
    extra_attempts: int = 0,
) -> Override:
    """Give one student accommodations on an assignment; open attempts get the new deadline.

    Raises:
        QuizError: not the instructor's assignment or not a student of its class (404),
            values out of range (422).
    """
    if not 0 <= extra_minutes <= 1440 or not 1.0 <= time_factor <= 5.0:
        raise QuizError(
            "Extra time: 0 to 1440 minutes and a factor from 1 to 5.", 422, "extra_minutes"
        )
    if not 0 <= extra_attempts <= 100:
        raise QuizError("extra_attempts: use 0 to 100.", 422, "extra_attempts")
    with write_transaction() as session:
        quiz = owned_assignment(user, quiz_id)
        enrolled = session.scalar(
            select(func.count()).where(
                Enrollment.classroom_id == quiz.classroom_id, Enrollment.user_id == student_id
            )
        )
        if not enrolled:
            raise QuizError("This student is not in the class.", 404, "student")
        override = session.scalars(
            select(Override).where(Override.quiz_id == quiz_id, Override.user_id == student_id)
        ).one_or_none()
        if override is None:
            override = Override(quiz_id=quiz_id, user_id=student_id)
            session.add(override)
        override.extra_minutes, override.time_factor = extra_minutes, time_factor
        override.due_at, override.extra_attempts = due_at, extra_attempts
        win = window_for(quiz, override)
        for attempt in session.scalars(
            select(Attempt).where(
                Attempt.quiz_id == quiz_id,
                Attempt.user_id == student_id,
                Attempt.state == "in_progress",
            )
        ):
            attempt.deadline = rules_core.deadline(win, attempt.started_at)
            attempt.due_at = win.due_at
    return override


def window_for(quiz: Quiz, override: Override | None) -> rules_core.Window:
    """Return a student's window on an assignment, with their override if any."""
    o = override or Override(extra_minutes=0, time_factor=1.0, extra_attempts=0)
    return rules_core.window(
        quiz.open_at,
        quiz.due_at,
        quiz.time_limit_s,
        quiz.attempts_allowed,
        quiz.late_policy,
        extra_minutes=o.extra_minutes or 0,
        time_factor=o.time_factor or 1.0,
        own_due_at=o.due_at,
        extra_attempts=o.extra_attempts or 0,
    )


def student_assignment(student: User, quiz_id: int) -> tuple[Quiz, Override | None]:
    """Return an assignment of a class the student is in, with their override.

    Raises:
        QuizError: no such assignment for this student (404).
    """
    row = db.session.execute(
        select(Quiz, Override)
        .join(Enrollment, Enrollment.classroom_id == Quiz.classroom_id)
        .join(Classroom, Classroom.id == Quiz.classroom_id)
        .outerjoin(Override, (Override.quiz_id == Quiz.id) & (Override.user_id == student.id))
        .where(
            Quiz.id == quiz_id,
            Quiz.kind == "assignment",
            Enrollment.user_id == student.id,
            Classroom.archived.is_(False),
        )
    ).one_or_none()
    if row is None:
        raise QuizError("There is no such assignment.", 404)
    return row[0], row[1]


def start_assignment(
    student: User, quiz_id: int, now: datetime | None = None, rng: random.Random | None = None
) -> Attempt:
    """Start (or resume) the student's attempt on an assignment.

    An attempt still open is resumed; a new one gets its own random draw from
    the blueprint, the student's deadline and due date.

    Raises:
        QuizError: not the student's assignment (404), not open, closed or no
            attempts left (409).
    """
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    with write_transaction() as session:
        quiz, override = student_assignment(student, quiz_id)
        # Lock a row that always exists, so two first starts cannot both see no attempt.
        session.scalars(
            select(Enrollment)
            .where(Enrollment.classroom_id == quiz.classroom_id, Enrollment.user_id == student.id)
            .with_for_update()
        ).one()
        attempts = session.scalars(
            select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == student.id)
            .order_by(Attempt.number)
            .with_for_update()
        ).all()
        open_attempt = next((a for a in attempts if a.state == "in_progress"), None)
        if open_attempt is not None:
            return open_attempt
        win = window_for(quiz, override)
        refusal = rules_core.can_start(win, len(attempts), now)
        if refusal:
            raise QuizError(refusal, 409)
        if quiz.question_ids:
            chosen = list(quiz.question_ids)
            if quiz.shuffle:
                rng.shuffle(chosen)
            questions = {
                q.id: q for q in session.scalars(select(Question).where(Question.id.in_(chosen)))
            }
        else:
            questions = bank_questions(session, quiz.source_id, student.id)
            try:
                chosen = pick(pool_of(questions), rules_from(quiz.rules), rng)
            except NotEnoughQuestions as error:
                raise QuizError(str(error), 409) from None
        return _new_attempt(
            session,
            quiz,
            student,
            chosen,
            questions,
            now,
            rng,
            window=win,
            number=len(attempts) + 1,
        )
