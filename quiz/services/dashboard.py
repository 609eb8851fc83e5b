"""The student dashboard: what is due, the streak, activity, forecast, retention, topics.

Reads a fixed number of statements whatever the size of the history: the
database counts the reviews of each study day and the cards due on each, and
only those counts come back (a year of days, a month of forecast).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import bindparam, case, func, select

from quiz.core.scheduling import Phase, study_day
from quiz.db import UTCDateTime, db, utcnow
from quiz.models import CardState, Question, ReviewLog, User
from quiz.services.aggregates import study_day_values, study_days, utc_from_epoch
from quiz.services.progress import student_topics
from quiz.services.study import leeches, scheduled, settings_for

HEATMAP_DAYS = 365
FORECAST_DAYS = 30


@dataclass(frozen=True)
class Month:
    label: str  # "2026-03"
    passed: int
    total: int

    @property
    def retention(self) -> float | None:
        return self.passed / self.total if self.total else None


@dataclass(frozen=True)
class Dashboard:
    today: date
    due_today: int
    reviews_today: int
    streak: int
    heatmap: list  # (date, reviews), oldest first, HEATMAP_DAYS long
    forecast: list  # (date, cards due), from today, FORECAST_DAYS long
    retention: list  # Month, oldest first (months with review-state reviews)
    topics: list  # (TopicRow, Mastery), weakest first
    leeches: list  # (CardState, Question)


def streak_of(counts: Counter, today: date) -> int:
    """Return the run of consecutive study days with a review, up to today (or yesterday)."""
    day = today if counts[today] else today - timedelta(days=1)
    run = 0
    while counts[day]:
        run += 1
        day -= timedelta(days=1)
    return run


def dashboard(user: User, now: datetime | None = None) -> Dashboard:
    """Gather the student's dashboard."""
    now = now or utcnow()
    settings = settings_for(user)
    today = study_day(now, settings)
    first = today - timedelta(days=HEATMAP_DAYS - 1)
    per_day, months = _reviews_by_day(user, first, settings)
    due_days = _due_by_day(user, today, settings, now)
    return Dashboard(
        today=today,
        due_today=due_days[0],
        reviews_today=per_day[today],
        streak=streak_of(per_day, today),
        heatmap=[
            (first + timedelta(days=n), per_day[first + timedelta(days=n)])
            for n in range(HEATMAP_DAYS)
        ],
        forecast=[(today + timedelta(days=n), due_days[n]) for n in range(FORECAST_DAYS)],
        retention=[Month(label, *months[label]) for label in sorted(months)],
        topics=student_topics(user, now),
        leeches=leeches(user),
    )


@lru_cache(maxsize=16)
def _reviews_statement(runs: int):
    """Build once (per number of offset runs) the statement counting each study day's
    reviews, reviews of learnt cards and passes of those (see `_reviews_by_day`)."""
    days, start, end = study_days(runs)

    def reviews(*where):
        return (
            select(func.count())
            .where(
                ReviewLog.user_id == bindparam("user_id"),
                ReviewLog.reviewed_at >= start,
                ReviewLog.reviewed_at < end,
                *where,
            )
            .scalar_subquery()
        )

    learnt = ReviewLog.phase_before == int(Phase.REVIEW)
    return select(days.c.n, reviews(), reviews(learnt), reviews(learnt, ReviewLog.rating > 1))


def _reviews_by_day(user: User, first: date, settings) -> tuple[Counter, dict]:
    """Count the reviews of each study day from `first` to today, and the true retention
    (reviews of cards already learnt, and how many passed) of each month, in one statement."""
    runs, values = study_day_values(first, HEATMAP_DAYS, settings)
    per_day: Counter = Counter()
    months: dict = {}
    for n, total, tested, passed in db.session.execute(
        _reviews_statement(runs), {"user_id": user.id, **values}
    ):
        day = first + timedelta(days=n)
        per_day[day] = total
        if tested:
            label = day.strftime("%Y-%m")
            before = months.get(label, (0, 0))
            months[label] = (before[0] + passed, before[1] + tested)
    return per_day, months


@lru_cache(maxsize=16)
def _due_statement(runs: int):
    """Build once (per number of offset runs) the statement counting the cards due on each
    forecast day (see `_due_by_day`)."""
    days, start, end = study_days(runs)
    # scheduled() reads the user's id and now; placeholders make them bound values.
    anyone = SimpleNamespace(id=bindparam("user_id"))
    due = (
        select(func.count())
        .select_from(CardState)
        .join(Question, Question.id == CardState.question_id)
        .where(
            scheduled(anyone, bindparam("now", type_=UTCDateTime)),
            CardState.due >= case((days.c.n == 0, utc_from_epoch(0)), else_=start),
            CardState.due < end,
        )
        .scalar_subquery()
    )
    return select(days.c.n, due)


def _due_by_day(user: User, today: date, settings, now: datetime) -> list[int]:
    """Count the scheduled cards due on each of the next FORECAST_DAYS study days (overdue
    ones on today), in one statement."""
    runs, values = study_day_values(today, FORECAST_DAYS, settings)
    counts = [0] * FORECAST_DAYS
    for n, count in db.session.execute(
        _due_statement(runs), {"user_id": user.id, "now": now, **values}
    ):
        counts[n] = count
    return counts
