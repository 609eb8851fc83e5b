"""Assignment rules: an attempt's deadline with accommodations, attempts left, grades, status.

Pure: Moodle's conventions, with `now` passed in.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

GRADING_METHODS = ("highest", "average", "first", "last")
REVIEW_OPTIONS = ("immediately", "after_due", "never")
LATE_POLICIES = ("closed", "accept")


@dataclass(frozen=True)
class Window:
    """When one student may work on an assignment, after their override."""

    open_at: datetime | None
    due_at: datetime | None
    time_limit: timedelta | None
    attempts_allowed: int | None  # None: unlimited
    late_policy: str = "closed"


def window(
    open_at: datetime | None,
    due_at: datetime | None,
    time_limit_s: int | None,
    attempts_allowed: int | None,
    late_policy: str,
    extra_minutes: int = 0,
    time_factor: float = 1.0,
    own_due_at: datetime | None = None,
    extra_attempts: int = 0,
) -> Window:
    """Apply a student's accommodations to an assignment's settings.

    Args:
        open_at, due_at, time_limit_s, attempts_allowed, late_policy: the assignment's settings.
        extra_minutes, time_factor: extra time (both may apply: limit × factor + minutes).
        own_due_at: a due date of the student's own, replacing the class's.
        extra_attempts: attempts on top of the allowed number.

    Returns:
        The student's window.
    """
    limit = None
    if time_limit_s:
        limit = timedelta(seconds=time_limit_s * time_factor) + timedelta(minutes=extra_minutes)
    allowed = None if attempts_allowed is None else attempts_allowed + extra_attempts
    return Window(open_at, own_due_at or due_at, limit, allowed, late_policy)


def deadline(win: Window, started_at: datetime) -> datetime | None:
    """Return when an attempt started now must end: its time limit, and the due date if late
    work is not accepted."""
    end = started_at + win.time_limit if win.time_limit else None
    if win.late_policy == "closed" and win.due_at is not None:
        end = win.due_at if end is None else min(end, win.due_at)
    return end


def can_start(win: Window, used: int, now: datetime) -> str | None:
    """Return why a new attempt cannot start now, or None if it can."""
    if win.open_at is not None and now < win.open_at:
        return "This assignment is not open yet."
    if win.late_policy == "closed" and win.due_at is not None and now >= win.due_at:
        return "This assignment is closed: the due date has passed."
    if win.attempts_allowed is not None and used >= win.attempts_allowed:
        return "You have used all your attempts."
    return None


@dataclass(frozen=True)
class Sitting:
    """A finished or open attempt, as grading and status need it."""

    number: int
    finished: bool
    percent: float | None  # 0–100 once finished
    late: bool = False


def final_grade(method: str, sittings: Sequence[Sitting]) -> float | None:
    """Return the assignment grade in percent by Moodle's grading method.

    Args:
        method: highest, average, first or last.
        sittings: the student's attempts.

    Returns:
        The grade, or None when no attempt is finished.

    Raises:
        ValueError: an unknown method.
    """
    if method not in GRADING_METHODS:
        raise ValueError(f"grading method must be one of {', '.join(GRADING_METHODS)}")
    done = sorted(
        (s for s in sittings if s.finished and s.percent is not None), key=lambda s: s.number
    )
    if not done:
        return None
    if method == "highest":
        return max(s.percent for s in done)
    if method == "average":
        return sum(s.percent for s in done) / len(done)
    if method == "first":
        return done[0].percent
    return done[-1].percent


def grade_text(percent: float | None) -> str:
    """Write a grade in percent as the gradebook page and its CSV both show it.

    Args:
        percent: the grade (0–100), or None when there is none.

    Returns:
        One decimal, a half rounded up as people do by hand (62.25 → "62.3", 62.45 →
        "62.5", where float formatting gives "62.2" and "62.5"); "" for None.
    """
    if percent is None:
        return ""
    # repr is the shortest decimal that reads back as the same float: what was meant.
    return str(Decimal(repr(percent)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def status(sittings: Sequence[Sitting], due_at: datetime | None, now: datetime) -> str:
    """Return a student's status on an assignment.

    Returns:
        "submitted", "late" (every submitted attempt came after the due date),
        "in progress", "missing" (due date passed with nothing submitted) or
        "not started".
    """
    finished = [s for s in sittings if s.finished]
    if finished:
        return "late" if all(s.late for s in finished) else "submitted"
    if any(not s.finished for s in sittings):
        return "in progress"
    if due_at is not None and now >= due_at:
        return "missing"
    return "not started"


def answers_visible(review: str, due_at: datetime | None, now: datetime) -> bool:
    """Tell whether a finished attempt's answers and feedback may be shown now."""
    if review == "immediately":
        return True
    if review == "after_due":
        return due_at is None or now >= due_at
    return False
