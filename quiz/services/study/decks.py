"""Decks: what is studied (a source, a topic, a focus) and the deck-level figures."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from quiz.core.scheduling import (
    Phase,
    Rating,
    day_start,
    next_day_start,
    study_day,
)
from quiz.db import db
from quiz.models import Answer, Attempt, CardState, Question, Quiz, ReviewLog, Source, Topic, User
from quiz.services.study.settings import settings_for


@dataclass(frozen=True)
class Deck:
    """What is being studied: a whole source, or one topic of it.

    A deck read with `find_deck` knows its ids and title; one made with
    `Deck.named` selects its questions by slug inside the same statement, which
    saves the API a query.
    """

    source_id: int | None
    source_slug: str
    title: str
    topic_id: int | None = None
    topic_slug: str | None = None

    around: int | None = None  # a question id: the deck is that question's source
    topic_ids: tuple[int, ...] = ()  # a focus on several topics (the weakest ones)
    topic_slugs: tuple[str, ...] = ()
    passage: int | None = None  # a focus on the questions quoting one paragraph
    question_ids: tuple[int, ...] = ()

    @property
    def focus(self) -> bool:
        """True for a focus session: weakest first, not only what is due."""
        return bool(self.topic_ids or self.question_ids or self.passage is not None)

    @classmethod
    def named(cls, source_slug: str, topic_slug: str | None = None) -> "Deck":
        return cls(None, source_slug, source_slug, None, topic_slug)

    @classmethod
    def of_question(cls, question_id: int) -> "Deck":
        return cls(None, "", "", around=question_id)

    def where(self):
        """Return the SQL condition selecting the deck's questions."""
        if self.passage is not None:
            return Question.id.in_(self.question_ids)
        if self.topic_ids:
            return Question.topic_id.in_(self.topic_ids)
        if self.topic_id is not None:
            return Question.topic_id == self.topic_id
        if self.source_id is not None:
            return Question.source_id == self.source_id
        if self.around is not None:
            other = aliased(Question)
            return Question.source_id == (
                select(other.source_id).where(other.id == self.around).scalar_subquery()
            )
        source = select(Source.id).where(Source.slug == self.source_slug).scalar_subquery()
        if self.topic_slug is None:
            return Question.source_id == source
        topic = select(Topic.id).where(Topic.source_id == source, Topic.slug == self.topic_slug)
        return Question.topic_id == topic.scalar_subquery()


def find_focus(
    source_slug: str, topic_slugs: list[str] | None = None, passage: int | None = None
) -> Deck | None:
    """Return a focus deck: some topics of a source, or the questions quoting one paragraph."""
    source = db.session.execute(
        select(Source.id, Source.title).where(
            Source.slug == source_slug, Source.archived.is_(False)
        )
    ).one_or_none()
    if source is None:
        return None
    if passage is not None:
        ids = db.session.scalars(
            select(Question.id).where(
                Question.source_id == source.id,
                Question.passage_position == passage,
                Question.origin == "bank",
                Question.archived.is_(False),
            )
        ).all()
        if not ids:
            return None
        return Deck(
            source.id,
            source_slug,
            f"Paragraph {passage}: its {len(ids)} questions",
            passage=passage,
            question_ids=tuple(ids),
        )
    topics = db.session.execute(
        select(Topic.id, Topic.slug, Topic.title).where(
            Topic.source_id == source.id, Topic.slug.in_(topic_slugs or [])
        )
    ).all()
    if not topics or len(topics) != len(set(topic_slugs)):
        return None
    title = "Focus: " + "; ".join(t.title for t in topics)
    return Deck(
        source.id,
        source_slug,
        title,
        topic_ids=tuple(t.id for t in topics),
        topic_slugs=tuple(t.slug for t in topics),
    )


def find_deck(source_slug: str, topic_slug: str | None = None) -> Deck | None:
    """Return the deck for a source (and topic), or None if there is no such deck."""
    if topic_slug:
        row = db.session.execute(
            select(Source.id, Source.slug, Topic.id, Topic.slug, Topic.title)
            .join(Topic, Topic.source_id == Source.id)
            .where(Source.slug == source_slug, Topic.slug == topic_slug, Source.archived.is_(False))
        ).one_or_none()
        if row is None:
            return None
        return Deck(row[0], row[1], row[4], row[2], row[3])
    row = db.session.execute(
        select(Source.id, Source.slug, Source.title).where(
            Source.slug == source_slug, Source.archived.is_(False)
        )
    ).one_or_none()
    return Deck(row[0], row[1], row[2]) if row else None


def open_assignment_questions(user_id):
    """Return the questions of the user's open assignment attempts, as a select of ids.

    The one rule for every path that shows a question or its answer: such a question is
    kept out of flashcards, reviews, card info, the bank browser, the reader, practice and
    weak-topic quizzes and missed-question retries until the attempt ends, so its answer
    cannot be looked up in another tab. `user_id` is an id or a bound parameter.
    """
    return (
        select(Answer.question_id)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.state == "in_progress",
            Quiz.kind == "assignment",
        )
    )


def in_open_assignment(user_id: int):
    """Return the condition "this question is in one of the user's open assignment attempts"
    (`open_assignment_questions`)."""
    return Question.id.in_(open_assignment_questions(user_id))


def scheduled(user: User, now: datetime):
    """Return the conditions of the user's cards that are scheduled now: studied, bank,
    not archived, not suspended, not buried (what the study queue can show)."""
    return and_(
        CardState.user_id == user.id,
        CardState.phase != int(Phase.NEW),
        CardState.suspended.is_(False),
        or_(CardState.buried_until.is_(None), CardState.buried_until <= now),
        Question.archived.is_(False),
        Question.origin == "bank",
    )


def source_slug_of(question_id: int) -> str:
    """Return the slug of the source a question belongs to."""
    return db.session.scalar(
        select(Source.slug)
        .join(Question, Question.source_id == Source.id)
        .where(Question.id == question_id)
    )


def due_count(user: User, now: datetime) -> int:
    """Return how many cards are due before the study day ends."""
    end = next_day_start(now, settings_for(user))
    return db.session.scalar(
        select(func.count())
        .select_from(CardState)
        .join(Question, Question.id == CardState.question_id)
        .where(scheduled(user, now), CardState.due < end)
    )


def deck_overview(user: User, now: datetime) -> list[dict]:
    """Return each source with its topics and, per topic, cards due today, new and total.

    Three statements, whatever the number of cards.
    """
    end = next_day_start(now, settings_for(user))
    topics = db.session.execute(
        select(Topic, Source)
        .join(Source, Source.id == Topic.source_id)
        .where(Source.archived.is_(False), Topic.archived.is_(False))
        .order_by(Source.title, Topic.position)
    ).all()
    totals = dict(
        db.session.execute(
            select(Question.topic_id, func.count())
            .where(Question.archived.is_(False), Question.origin == "bank")
            .group_by(Question.topic_id)
        ).all()
    )
    studied = {
        topic_id: (due, seen)
        for topic_id, due, seen in db.session.execute(
            select(
                Question.topic_id,
                func.count().filter(CardState.due < end, CardState.suspended.is_(False)),
                func.count(),
            )
            .join(Question, Question.id == CardState.question_id)
            .where(
                CardState.user_id == user.id,
                CardState.phase != int(Phase.NEW),
                Question.archived.is_(False),
                Question.origin == "bank",
            )
            .group_by(Question.topic_id)
        ).all()
    }
    sources: dict = {}
    for topic, source in topics:
        due, seen = studied.get(topic.id, (0, 0))
        total = totals.get(topic.id, 0)
        entry = sources.setdefault(
            source.slug, {"source": source, "topics": [], "due": 0, "new": 0, "total": 0}
        )
        row = {"topic": topic, "due": due, "new": total - seen, "total": total}
        entry["topics"].append(row)
        for key in ("due", "new", "total"):
            entry[key] += row[key]
    return list(sources.values())


def deck_summary(user: User, deck: Deck, now: datetime) -> dict:
    """Return today's figures for a deck: reviews per rating, time spent, next due."""
    settings = settings_for(user)
    start = day_start(study_day(now, settings), settings)
    rows = db.session.execute(
        select(ReviewLog.rating, func.count(), func.coalesce(func.sum(ReviewLog.duration_ms), 0))
        .join(Question, Question.id == ReviewLog.question_id)
        .where(ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= start, deck.where())
        .group_by(ReviewLog.rating)
    ).all()
    next_due = db.session.scalar(
        select(func.min(CardState.due))
        .join(Question, Question.id == CardState.question_id)
        .where(
            CardState.user_id == user.id,
            deck.where(),
            CardState.suspended.is_(False),
            CardState.due > now,
        )
    )
    counts = {rating: 0 for rating in Rating}
    for rating, count, _ in rows:
        counts[Rating(rating)] = count
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "seconds": sum(row[2] for row in rows) // 1000,
        "next_due": next_due,
    }
