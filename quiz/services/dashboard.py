"""The student dashboard: what is due, the streak, activity, forecast, retention, topics.

Reads a fixed number of statements whatever the size of the history: the last
year of reviews is bucketed by study day here, not counted row by row.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from quiz.core.scheduling import Phase, day_start, next_day_start, study_day
from quiz.db import db, utcnow
from quiz.models import CardState, Question, ReviewLog, User
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
    per_day: Counter = Counter()
    months: dict = {}
    for reviewed_at, rating, phase_before in db.session.execute(
        select(ReviewLog.reviewed_at, ReviewLog.rating, ReviewLog.phase_before).where(
            ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= day_start(first, settings)
        )
    ):
        day = study_day(reviewed_at, settings)
        per_day[day] += 1
        if phase_before == Phase.REVIEW:  # true retention: reviews of cards already learnt
            label = day.strftime("%Y-%m")
            passed, total = months.get(label, (0, 0))
            months[label] = (passed + (rating > 1), total + 1)
    end_of_today = next_day_start(now, settings)
    due_days: Counter = Counter()
    due_today = 0
    for (due,) in db.session.execute(
        select(CardState.due)
        .join(Question, Question.id == CardState.question_id)
        .where(scheduled(user, now))
    ):
        if due < end_of_today:
            due_today += 1
            due_days[today] += 1
        else:
            due_days[study_day(due, settings)] += 1
    return Dashboard(
        today=today,
        due_today=due_today,
        reviews_today=per_day[today],
        streak=streak_of(per_day, today),
        heatmap=[
            (first + timedelta(days=n), per_day[first + timedelta(days=n)])
            for n in range(HEATMAP_DAYS)
        ],
        forecast=[
            (today + timedelta(days=n), due_days[today + timedelta(days=n)])
            for n in range(FORECAST_DAYS)
        ],
        retention=[Month(label, *months[label]) for label in sorted(months)],
        topics=student_topics(user, now),
        leeches=leeches(user),
    )
