"""Classes: an instructor's classroom, its students, and per-student overrides of assignments."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import UTCDateTime, db, utcnow
from quiz.models.account import User


class Classroom(db.Model):
    """A class run by one instructor; students join it with its join code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instructor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    instructor: Mapped[User] = relationship()


class Enrollment(db.Model):
    __table_args__ = (UniqueConstraint("classroom_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Override(db.Model):
    """An accommodation for one student on one assignment (Moodle's user override)."""

    __table_args__ = (UniqueConstraint("quiz_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    extra_minutes: Mapped[int] = mapped_column(default=0)
    time_factor: Mapped[float] = mapped_column(default=1.0)  # e.g. 1.5 for 50 % more time
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra_attempts: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
