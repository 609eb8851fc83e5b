"""A student's own data as one zip: account and settings, cards, reviews, quiz attempts.

The review log is in the columns FSRS's optimiser reads (open-spaced-repetition's
fsrs-optimizer): card_id, review_time (milliseconds since 1970 in UTC), review_rating
(1 Again, 2 Hard, 3 Good, 4 Easy), review_state (the card's state before the review:
0 New, 1 Learning, 2 Review, 3 Relearning) and review_duration (milliseconds). A card is
one question, so card_id is the question's id; cards.csv names it. Six statements,
whatever the history.
"""

import csv
import io
import json
import zipfile
from datetime import datetime

from sqlalchemy import select

from quiz.db import db, utcnow
from quiz.models import (
    Answer,
    Attempt,
    CardState,
    Classroom,
    Enrollment,
    Question,
    Quiz,
    ReviewLog,
    User,
)
from quiz.services.study import settings_for

REVLOG_COLUMNS = ["card_id", "review_time", "review_rating", "review_state", "review_duration"]
CARD_COLUMNS = [
    "card_id",
    "question",
    "prompt",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
]
ATTEMPT_COLUMNS = [
    "attempt_id",
    "quiz",
    "kind",
    "class",
    "number",
    "started_at",
    "finished_at",
    "state",
    "late",
    "score",
    "max_score",
]
ANSWER_COLUMNS = ["attempt_id", "card_id", "question", "response", "points", "flagged", "saved_at"]
README = """Your data from quiz, downloaded {when} (UTC).

account.json   your account and study settings (desired retention, daily limits, FSRS
               parameters fitted to you, if any) and the classes you are in
cards.csv      each flashcard you have studied: its FSRS state (0 New, 1 Learning,
               2 Review, 3 Relearning), stability in days, difficulty (1-10), when it
               is due, and your repetitions and lapses. card_id is the question's id.
revlog.csv     every review, in the columns FSRS's optimiser reads
               (python -m fsrs_optimizer revlog.csv): card_id; review_time in
               milliseconds since 1 January 1970, UTC; review_rating 1 Again, 2 Hard,
               3 Good, 4 Easy; review_state, the card's state before the review (0 New,
               1 Learning, 2 Review, 3 Relearning); review_duration in milliseconds.
               Your time zone is {timezone} and your day starts at {hour} am: give the
               optimiser both.
attempts.csv   every quiz you started, practice and assigned, with its score
answers.csv    every answer you saved, as you gave it (JSON), with its points

Times are in UTC, written as ISO 8601.
"""


def _time(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _account(user: User) -> dict:
    classes = db.session.scalars(
        select(Classroom.name)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.user_id == user.id)
        .order_by(Classroom.name)
    ).all()
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "created_at": _time(user.created_at),
        "timezone": user.timezone,
        "day_starts_at_hour": settings_for(user).rollover_hour,
        "settings": {
            "new_cards_per_day": user.new_per_day,
            "reviews_per_day": user.reviews_per_day,
            "desired_retention": user.desired_retention,
            "leech_action": user.leech_action,
            "fsrs_parameters": user.fsrs_parameters,
        },
        "classes": list(classes),
    }


def _cards(user: User) -> list:
    rows = db.session.execute(
        select(CardState, Question.key, Question.prompt)
        .join(Question, Question.id == CardState.question_id)
        .where(CardState.user_id == user.id)
        .order_by(CardState.question_id)
    ).all()
    return [
        [
            c.question_id,
            key,
            prompt,
            c.phase,
            "" if c.step is None else c.step,
            "" if c.stability is None else c.stability,
            "" if c.difficulty is None else c.difficulty,
            _time(c.due),
            _time(c.last_review),
            c.reps,
            c.lapses,
            int(c.suspended),
            _time(c.buried_until),
            int(c.leech),
        ]
        for c, key, prompt in rows
    ]


def _revlog(user: User) -> list:
    rows = db.session.execute(
        select(
            ReviewLog.question_id,
            ReviewLog.reviewed_at,
            ReviewLog.rating,
            ReviewLog.phase_before,
            ReviewLog.duration_ms,
        )
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.reviewed_at, ReviewLog.id)
    ).all()
    return [
        [qid, round(at.timestamp() * 1000), rating, phase, duration]
        for qid, at, rating, phase, duration in rows
    ]


def _attempts(user: User) -> tuple[list, list]:
    attempts = db.session.execute(
        select(Attempt, Quiz.title, Quiz.kind, Classroom.name)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(Classroom, Classroom.id == Quiz.classroom_id)
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.started_at, Attempt.id)
    ).all()
    answers = db.session.execute(
        select(Answer, Question.key)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Attempt.user_id == user.id)
        .order_by(Answer.attempt_id, Answer.id)
    ).all()
    return (
        [
            [
                a.id,
                title,
                kind,
                classroom or "",
                a.number,
                _time(a.started_at),
                _time(a.finished_at),
                a.state,
                int(a.late),
                "" if a.score is None else a.score,
                a.max_score,
            ]
            for a, title, kind, classroom in attempts
        ],
        [
            [
                a.attempt_id,
                a.question_id,
                key,
                json.dumps(a.response, ensure_ascii=False),
                "" if a.points is None else a.points,
                int(a.flagged),
                _time(a.saved_at),
            ]
            for a, key in answers
        ],
    )


def export(user: User, now: datetime | None = None) -> bytes:
    """Return the user's data as a zip (the files README.txt in it describes)."""
    now = now or utcnow()
    attempts, answers = _attempts(user)
    files = {
        "README.txt": README.format(
            when=now.strftime("%Y-%m-%d %H:%M"),
            timezone=user.timezone,
            hour=settings_for(user).rollover_hour,
        ),
        "account.json": json.dumps(_account(user), indent=2, ensure_ascii=False) + "\n",
        "cards.csv": _csv(CARD_COLUMNS, _cards(user)),
        "revlog.csv": _csv(REVLOG_COLUMNS, _revlog(user)),
        "attempts.csv": _csv(ATTEMPT_COLUMNS, attempts),
        "answers.csv": _csv(ANSWER_COLUMNS, answers),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return out.getvalue()
