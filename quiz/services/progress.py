"""Topic mastery for a student or a whole class, read in a fixed number of statements.

The scoring is the pure `quiz.core.mastery`; this module gathers its evidence,
summed by the database: each studied card's predicted recall now, each finished
quiz answer's weight and points, and which questions were seen.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, case, distinct, exists, func, select

from quiz.core.mastery import Mastery, TopicTotals, mastery_of, rank_weakest
from quiz.core.scheduling import Phase, forgetting_curve
from quiz.db import db, utcnow
from quiz.models import Answer, Attempt, CardState, Question, Source, Topic, User
from quiz.services.aggregates import (
    answer_weight,
    clamped,
    curve_values,
    day_values,
    now_values,
    predicted_recall,
)
from quiz.services.classes import owned_class, roster
from quiz.services.study import settings_for


@dataclass(frozen=True)
class TopicRow:
    id: int
    slug: str
    title: str
    source_slug: str
    items: int


def topics() -> list[TopicRow]:
    """Return every active topic with its number of bank questions."""
    rows = db.session.execute(
        select(Topic.id, Topic.slug, Topic.title, Source.slug, func.count(Question.id))
        .join(Source, Source.id == Topic.source_id)
        .outerjoin(
            Question,
            (Question.topic_id == Topic.id)
            & (Question.origin == "bank")
            & Question.archived.is_(False),
        )
        .where(Topic.archived.is_(False), Source.archived.is_(False))
        .group_by(Topic.id, Topic.slug, Topic.title, Source.slug, Topic.position)
        .order_by(Source.slug, Topic.position)
    ).all()
    return [TopicRow(*row) for row in rows]


@lru_cache(maxsize=32)
def _evidence_statements(by_passage: bool, own_curves: int, own_days: int) -> tuple:
    """Build once the two statements of `_evidence` (by topic, or by paragraph of a source)."""
    group = Question.passage_position if by_passage else Question.topic_id
    active = [Question.origin == "bank", Question.archived.is_(False)]
    if by_passage:
        active.append(Question.source_id == bindparam("source_id"))
    users = bindparam("user_ids", expanding=True)
    cards = (
        select(
            CardState.user_id, group, func.count(), func.sum(predicted_recall(own_curves, own_days))
        )
        .join(Question, Question.id == CardState.question_id)
        .where(CardState.user_id.in_(users), CardState.phase != int(Phase.NEW), *active)
        .group_by(CardState.user_id, group)
    )
    weight = answer_weight(Attempt.finished_at)
    studied = exists().where(
        CardState.user_id == Attempt.user_id,
        CardState.question_id == Answer.question_id,
        CardState.phase != int(Phase.NEW),
    )
    answers = (
        select(
            Attempt.user_id,
            group,
            func.count(),
            func.sum(weight),
            func.sum(weight * clamped(Answer.points)),
            func.count(distinct(case((~studied, Answer.question_id)))),
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Attempt.user_id.in_(users), Attempt.state == "finished", *active)
        .group_by(Attempt.user_id, group)
    )
    return cards, answers


def _evidence(users: list[User], now: datetime, source_id: int | None = None) -> dict:
    """Sum each (user id, group)'s recalls, quiz answers and seen questions in two statements.

    The database adds up each studied card's predicted recall and each finished quiz
    answer's weight and points, so only one row per user and group comes back.

    Args:
        source_id: group by paragraph of this source; by topic when None.

    Returns:
        {(user id, group value): [cards, recall sum, answers, answer weight, earned, seen]}
    """
    # Recall counts the study days in each user's own time zone; only users with fitted
    # parameters have a curve of their own.
    settings = {u.id: settings_for(u) for u in users}
    own_curves, values = curve_values(
        {u.id: forgetting_curve(settings[u.id]) for u in users if u.fsrs_parameters}
    )
    own_days, days = day_values(settings, now)
    values.update(days, **now_values(now), user_ids=[u.id for u in users], source_id=source_id)
    cards, answers = _evidence_statements(source_id is not None, own_curves, own_days)
    totals: dict = defaultdict(lambda: [0, 0.0, 0, 0.0, 0.0, 0])
    for user_id, key, count, recall_sum in db.session.execute(cards, values):
        row = totals[(user_id, key)]
        row[0], row[1], row[5] = count, float(recall_sum), count
    for user_id, key, count, weights, earned, unstudied in db.session.execute(answers, values):
        row = totals[(user_id, key)]
        row[2], row[3], row[4] = count, float(weights), float(earned)
        row[5] += unstudied
    return totals


def _mastery(totals: dict, key: tuple, label: str, items: int) -> Mastery:
    cards, recall_sum, answers, weights, earned, seen = totals.get(key) or (0, 0.0, 0, 0.0, 0.0, 0)
    return mastery_of(
        TopicTotals(label, items, cards, recall_sum, answers, weights, earned, min(seen, items))
    )


def masteries(users: list[User], topic_rows: list[TopicRow], now: datetime) -> dict:
    """Return {user id: {topic id: Mastery}} for these users (two statements in all)."""
    evidence = _evidence(users, now)
    return {
        u.id: {t.id: _mastery(evidence, (u.id, t.id), t.slug, t.items) for t in topic_rows}
        for u in users
    }


def student_topics(user: User, now: datetime | None = None) -> list[tuple[TopicRow, Mastery]]:
    """Return the student's topics with their mastery, weakest first."""
    now = now or utcnow()
    rows = topics()
    mine = masteries([user], rows, now)[user.id]
    by_slug = {t.slug: t for t in rows}
    ranked = rank_weakest(mine.values())
    return [(by_slug[m.topic], m) for m in ranked]


@dataclass(frozen=True)
class ClassTopics:
    topics: list  # TopicRow, weakest class average first
    students: list
    cells: dict  # (student id, topic id) -> Mastery
    average: dict  # topic id -> mean score of students with a score (None if nobody)
    weak: dict  # topic id -> number of students for whom the topic is weak


def class_topics(user: User, class_id: int, now: datetime | None = None) -> ClassTopics:
    """Return mastery by topic across a class, and by student, for the instructor.

    Raises:
        QuizError: not the instructor's class (404).
    """
    now = now or utcnow()
    classroom = owned_class(user, class_id)
    students = roster(classroom)
    rows = topics()
    grid = masteries(students, rows, now)
    cells = {(s.id, t.id): grid[s.id][t.id] for s in students for t in rows}
    average, weak = {}, {}
    for t in rows:
        scores = [cells[(s.id, t.id)].score for s in students]
        scores = [x for x in scores if x is not None]
        average[t.id] = sum(scores) / len(scores) if scores else None
        weak[t.id] = sum(1 for s in students if cells[(s.id, t.id)].weak)
    ordered = sorted(
        rows, key=lambda t: (-weak[t.id], average[t.id] if average[t.id] is not None else -1)
    )
    return ClassTopics(ordered, students, cells, average, weak)


def weakest_topics(user: User, now: datetime | None = None, limit: int = 3) -> list[TopicRow]:
    """Return up to `limit` topics of one source to review: the weak ones, weakest first, then
    topics not started ([] when every topic is started and none is weak)."""
    ranked = [(t, m) for t, m in student_topics(user, now) if m.weak or not m.started]
    if not ranked:
        return []
    source = ranked[0][0].source_slug
    return [t for t, _ in ranked if t.source_slug == source][:limit]


def passage_masteries(
    user: User, source_id: int, by_passage: dict[int, list[int]], now: datetime | None = None
) -> dict[int, Mastery]:
    """Return the student's mastery of the questions quoting each paragraph (two statements)."""
    now = now or utcnow()
    evidence = _evidence([user], now, source_id)
    return {
        pos: _mastery(evidence, (user.id, pos), f"p{pos}", len(ids))
        for pos, ids in by_passage.items()
    }
