"""Flashcards: each student's memory of each question, and the log of their reviews."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import UTCDateTime, db
from quiz.models.bank import Question


class CardState(db.Model):
    """One student's FSRS memory of one question; exists once the card was first studied.

    `version` grows with every change, so a review of a card that changed since
    it was shown is refused (409) instead of applied to the wrong state.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_card_state_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    phase: Mapped[int]  # quiz.core.scheduling.Phase
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    suspended: Mapped[bool] = mapped_column(default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leech: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    question: Mapped[Question] = relationship()


class ReviewLog(db.Model):
    """One review; `before` holds the card's state before it, so undo restores it exactly."""

    __table_args__ = (
        UniqueConstraint("user_id", "client_review_id"),
        # Covers the dashboard's counts of reviews per day, and of passes of learnt cards.
        Index(
            "ix_review_log_user_time_phase_rating",
            "user_id",
            "reviewed_at",
            "phase_before",
            "rating",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    rating: Mapped[int]
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(default=0)
    client_review_id: Mapped[str] = mapped_column(String(64))
    phase_before: Mapped[int]
    before: Mapped[dict | None] = mapped_column(JSON)  # the CardState row as it was; None if new
    after: Mapped[dict] = mapped_column(JSON)
