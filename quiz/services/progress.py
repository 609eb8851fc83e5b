"""Topic mastery for a student or a whole class, read in a fixed number of statements.

The scoring is the pure `quiz.core.mastery`; this module gathers its evidence:
each studied card's predicted recall now, each finished quiz answer, and which
questions were seen.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from quiz.core.mastery import Mastery, QuizAnswer, TopicEvidence, rank_weakest, topic_mastery
from quiz.core.scheduling import Phase, retrievability
from quiz.db import db, utcnow
from quiz.models import Answer, Attempt, CardState, Question, Source, Topic, User
from quiz.services.classes import owned_class, roster
from quiz.services.study import memory_of, settings_for


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


def _evidence(user_ids: list[int], settings: dict, now: datetime, group, *where) -> tuple:
    """Gather recalls, quiz answers and seen questions per (user id, group) in two statements.

    Args:
        group: the Question column to group by (its topic, or its paragraph).
        where: more conditions on Question (e.g. its source).

    Returns:
        (recalls, answers, seen): dicts keyed by (user id, group value).
    """
    active = (Question.origin == "bank", Question.archived.is_(False), *where)
    recalls: dict = defaultdict(list)
    answers: dict = defaultdict(list)
    seen: dict = defaultdict(set)
    for state, key in db.session.execute(
        select(CardState, group)
        .join(Question, Question.id == CardState.question_id)
        .where(CardState.user_id.in_(user_ids), CardState.phase != int(Phase.NEW), *active)
    ):
        recall = retrievability(memory_of(state), now, settings[state.user_id])
        recalls[(state.user_id, key)].append(min(max(recall, 0.0), 1.0))
        seen[(state.user_id, key)].add(state.question_id)
    for user_id, key, question_id, points, finished_at in db.session.execute(
        select(Attempt.user_id, group, Answer.question_id, Answer.points, Attempt.finished_at)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Attempt.user_id.in_(user_ids), Attempt.state == "finished", *active)
    ):
        points = min(max(points or 0.0, 0.0), 1.0)
        answers[(user_id, key)].append(QuizAnswer(question_id, points, finished_at))
        seen[(user_id, key)].add(question_id)
    return recalls, answers, seen


def _mastery(evidence: tuple, key: tuple, label: str, items: int, now: datetime) -> Mastery:
    recalls, answers, seen = evidence
    return topic_mastery(
        TopicEvidence(
            topic=label,
            items=items,
            recalls=tuple(recalls[key]),
            answers=tuple(answers[key]),
            seen=min(len(seen[key]), items),
        ),
        now,
    )


def masteries(users: list[User], topic_rows: list[TopicRow], now: datetime) -> dict:
    """Return {user id: {topic id: Mastery}} for these users (two statements in all)."""
    settings = {u.id: settings_for(u) for u in users}
    evidence = _evidence([u.id for u in users], settings, now, Question.topic_id)
    return {
        u.id: {t.id: _mastery(evidence, (u.id, t.id), t.slug, t.items, now) for t in topic_rows}
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
    """Return up to `limit` weak topics of one source, weakest first ([] when none is weak)."""
    ranked = [(t, m) for t, m in student_topics(user, now) if m.weak]
    if not ranked:
        return []
    source = ranked[0][0].source_slug
    return [t for t, _ in ranked if t.source_slug == source][:limit]


def passage_masteries(
    user: User, source_id: int, by_passage: dict[int, list[int]], now: datetime | None = None
) -> dict[int, Mastery]:
    """Return the student's mastery of the questions quoting each paragraph (two statements)."""
    now = now or utcnow()
    evidence = _evidence(
        [user.id],
        {user.id: settings_for(user)},
        now,
        Question.passage_position,
        Question.source_id == source_id,
    )
    return {
        pos: _mastery(evidence, (user.id, pos), f"p{pos}", len(ids), now)
        for pos, ids in by_passage.items()
    }
