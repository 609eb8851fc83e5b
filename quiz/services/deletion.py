"""Deleting one's own account, in one transaction.

The policy (README, "Your own data"): everything that is the student's own goes — the
flashcards and every review, the practice quizzes with their attempts and answers, the
name, the e-mail address, the password, the settings and the rate-limit counters keyed
by the address. What the student handed in to a class stays, without a name: the
attempts and answers on assignments, the class membership and the instructor's
accommodations, so that the gradebook, its class averages and the item analysis keep
their figures, with the student shown as "Deleted student". The user row is kept for
that, anonymised, with `deleted_at` set; its session version moves on, so every session
of the account ends.

An instructor who runs classes or wrote questions cannot delete the account this way:
students' grades and other assignments depend on them.
"""

import logging
from datetime import datetime

from sqlalchemy import delete, exists, or_, select, update

from quiz.db import db, utcnow, write_transaction
from quiz.models import (
    Answer,
    Attempt,
    CardState,
    Classroom,
    Question,
    Quiz,
    RateCounter,
    ReviewLog,
    User,
)
from quiz.passwords import passwords
from quiz.services.accounts import AccountError

log = logging.getLogger("quiz.security")
DELETED_NAME = "Deleted student"
UNUSABLE_HASH = "!"  # no password matches it (quiz/passwords.py refuses unknown methods)


def deleted_email(user_id: int) -> str:
    """Return the address a deleted account keeps: unique, reserved (.invalid), no one's."""
    return f"deleted-{user_id}@deleted.invalid"


def delete_account(user: User, password: str, ip: str, now: datetime | None = None) -> int:
    """Delete the user's own data and anonymise what a class keeps; return attempts kept.

    Raises:
        AccountError: the password is not right (field "password"), or the user runs
            classes or wrote questions (no field).
    """
    now = now or utcnow()
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    if not stored or not passwords().verify(stored, password):
        raise AccountError("The password is not right.", "password")
    teaches = db.session.scalar(
        select(
            exists().where(Classroom.instructor_id == user.id)
            | exists().where(Question.owner_id == user.id)
        )
    )
    if teaches:
        raise AccountError(
            "You run classes or wrote questions, and students' grades depend on them. "
            "Ask an administrator to delete this account."
        )
    email = user.email
    with write_transaction() as session:
        practice = select(Quiz.id).where(Quiz.owner_id == user.id, Quiz.kind == "practice")
        practice_attempts = select(Attempt.id).where(Attempt.quiz_id.in_(practice))
        session.execute(delete(Answer).where(Answer.attempt_id.in_(practice_attempts)))
        session.execute(delete(Attempt).where(Attempt.quiz_id.in_(practice)))
        session.execute(delete(Quiz).where(Quiz.id.in_(practice)))
        session.execute(delete(ReviewLog).where(ReviewLog.user_id == user.id))
        session.execute(delete(CardState).where(CardState.user_id == user.id))
        session.execute(
            delete(RateCounter).where(
                or_(
                    RateCounter.key == email,
                    RateCounter.key.startswith(f"{email}|", autoescape=True),
                    (RateCounter.scope == "join-user") & (RateCounter.key == str(user.id)),
                )
            )
        )
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                name=DELETED_NAME,
                email=deleted_email(user.id),
                password_hash=UNUSABLE_HASH,
                session_version=User.session_version + 1,
                timezone="UTC",
                fsrs_parameters=None,
                deleted_at=now,
            )
        )
        kept = session.scalar(
            select(db.func.count()).select_from(Attempt).where(Attempt.user_id == user.id)
        )
    log.info("account deleted: user=%s ip=%s assignment_attempts_kept=%s", user.id, ip, kept)
    return kept
