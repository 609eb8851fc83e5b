"""Scored quizzes: a quiz (practice or assigned), its attempts and their answers."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import UTCDateTime, db, utcnow
from quiz.models.bank import Question, Source


class Quiz(db.Model):
    """What to ask and under which rules; a practice quiz belongs to the student who built it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    kind: Mapped[str] = mapped_column(String(12), default="practice")  # practice | assignment
    title: Mapped[str] = mapped_column(String(200))
    rules: Mapped[dict] = mapped_column(JSON)  # topics, kinds, types, difficulties, count
    question_ids: Mapped[list | None] = mapped_column(JSON)  # a fixed list instead of rules
    time_limit_s: Mapped[int | None]
    feedback: Mapped[str] = mapped_column(String(10), default="deferred")  # immediate | deferred
    shuffle: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Assignments only (Moodle's quiz settings); practice quizzes leave them empty.
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"), index=True)
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts_allowed: Mapped[int | None]  # None: unlimited
    grading_method: Mapped[str] = mapped_column(
        String(10), default="highest", server_default="highest"
    )  # highest | average | first | last
    review: Mapped[str] = mapped_column(
        String(12), default="immediately", server_default="immediately"
    )  # or after_due | never: when answers and feedback are shown
    late_policy: Mapped[str] = mapped_column(
        String(10), default="closed", server_default="closed"
    )  # or accept (and mark late)

    source: Mapped[Source] = relationship()


class Attempt(db.Model):
    """One sitting of a quiz; the server's clock and `deadline` decide what is accepted."""

    __table_args__ = (Index("ix_attempt_user_started", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the student's due date
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="in_progress")  # or finished
    closed_by: Mapped[str | None] = mapped_column(String(12))  # student | deadline
    late: Mapped[bool] = mapped_column(
        default=False, server_default=sa_false()
    )  # submitted after the due date
    score: Mapped[float | None]
    max_score: Mapped[float]
    question_order: Mapped[list] = mapped_column(JSON)  # question ids, in the order asked
    layout: Mapped[dict] = mapped_column(JSON)  # question id -> shuffled option texts

    quiz: Mapped[Quiz] = relationship()


class Answer(db.Model):
    """A student's saved response to one question of an attempt.

    `sequence` counts the saves: a save must name the sequence it was made
    from, so a stale page or a double submit is refused instead of applied twice.
    """

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    response: Mapped[object | None] = mapped_column(JSON)
    flagged: Mapped[bool] = mapped_column(default=False)
    checked: Mapped[bool] = mapped_column(default=False)  # immediate feedback: locked once checked
    points: Mapped[float | None]
    sequence: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship()
