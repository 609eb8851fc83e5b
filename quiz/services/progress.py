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


def masteries(users: list[User], topic_rows: list[TopicRow], now: datetime) -> dict:
    """Return {user id: {topic id: Mastery}} for these users (two statements in all)."""
    ids = [u.id for u in users]
    settings = {u.id: settings_for(u) for u in users}
    recalls: dict = defaultdict(list)
    seen: dict = defaultdict(set)
    for state, topic_id in db.session.execute(
        select(CardState, Question.topic_id)
        .join(Question, Question.id == CardState.question_id)
        .where(
            CardState.user_id.in_(ids),
            CardState.phase != int(Phase.NEW),
            Question.origin == "bank",
            Question.archived.is_(False),
        )
    ):
        key = (state.user_id, topic_id)
        recalls[key].append(retrievability(memory_of(state), now, settings[state.user_id]))
        seen[key].add(state.question_id)
    answers: dict = defaultdict(list)
    for user_id, topic_id, question_id, points, finished_at in db.session.execute(
        select(
            Attempt.user_id, Answer.topic_id, Answer.question_id, Answer.points, Attempt.finished_at
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Attempt.user_id.in_(ids),
            Attempt.state == "finished",
            Question.origin == "bank",
            Question.archived.is_(False),
        )
    ):
        key = (user_id, topic_id)
        answers[key].append(QuizAnswer(question_id, min(max(points or 0.0, 0.0), 1.0), finished_at))
        seen[key].add(question_id)
    result = {}
    for user_id in ids:
        result[user_id] = {
            t.id: topic_mastery(
                TopicEvidence(
                    topic=t.slug,
                    items=t.items,
                    recalls=tuple(min(max(r, 0.0), 1.0) for r in recalls[(user_id, t.id)]),
                    answers=tuple(answers[(user_id, t.id)]),
                    seen=min(len(seen[(user_id, t.id)]), t.items),
                ),
                now,
            )
            for t in topic_rows
        }
    return result


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
    settings = settings_for(user)
    recalls: dict = defaultdict(list)
    answers: dict = defaultdict(list)
    seen: dict = defaultdict(set)
    where_passage = {qid: pos for pos, ids in by_passage.items() for qid in ids}
    for state in db.session.scalars(
        select(CardState)
        .join(Question, Question.id == CardState.question_id)
        .where(
            CardState.user_id == user.id,
            CardState.phase != int(Phase.NEW),
            Question.source_id == source_id,
        )
    ):
        pos = where_passage.get(state.question_id)
        if pos is not None:
            recalls[pos].append(min(max(retrievability(memory_of(state), now, settings), 0.0), 1.0))
            seen[pos].add(state.question_id)
    for question_id, points, finished_at in db.session.execute(
        select(Answer.question_id, Answer.points, Attempt.finished_at)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Attempt.user_id == user.id,
            Attempt.state == "finished",
            Question.source_id == source_id,
        )
    ):
        pos = where_passage.get(question_id)
        if pos is not None:
            answers[pos].append(
                QuizAnswer(question_id, min(max(points or 0.0, 0.0), 1.0), finished_at)
            )
            seen[pos].add(question_id)
    return {
        pos: topic_mastery(
            TopicEvidence(
                topic=f"p{pos}",
                items=len(ids),
                recalls=tuple(recalls[pos]),
                answers=tuple(answers[pos]),
                seen=len(seen[pos]),
            ),
            now,
        )
        for pos, ids in by_passage.items()
    }
