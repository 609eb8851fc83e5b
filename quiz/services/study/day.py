"""The whole queue of a deck for today, for the pages that show it (the deck page, focus
sessions). The review loop picks its next card without it: see `nextcard`."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select, tuple_
from sqlalchemy.orm import aliased, contains_eager

from quiz.core.queue import Candidate, Queue, Today, build_focus_queue, build_queue
from quiz.core.scheduling import (
    Phase,
    day_start,
    next_day_start,
    retrievability,
    study_day,
)
from quiz.db import db
from quiz.models import CardState, Question, ReviewLog, Topic, User
from quiz.services.study.cards import ShownCard, memory_of, show
from quiz.services.study.decks import Deck, in_open_assignment
from quiz.services.study.errors import StudyError
from quiz.services.study.settings import limits_for, settings_for

NEW_FETCH_FACTOR = 4  # a fact has at most a few siblings; fetch enough to fill the limit


@dataclass(frozen=True)
class DeckDay:
    """The deck's queue now, and what was done in the deck today."""

    queue: Queue
    done: int
    cards: dict  # question_id -> (Question, CardState | None) for the queued cards


def _not_sibling_of_answered(logs) -> list:
    """Return the condition "not a sibling of a card answered today" (none if none was)."""
    facts = {(log.source_id, log.fact) for log in logs}
    if not facts:
        return []
    answered = {log.question_id for log in logs}
    return [
        ~and_(
            tuple_(Question.source_id, Question.fact).in_(sorted(facts)),
            CardState.question_id.not_in(answered),
        )
    ]


def load_day(user: User, deck: Deck, now: datetime) -> DeckDay:
    """Read the deck's queue for now (four statements, whatever the collection's size)."""
    settings, limits = settings_for(user), limits_for(user)
    start, end = day_start(study_day(now, settings), settings), next_day_start(now, settings)
    logs = db.session.execute(
        select(
            ReviewLog.question_id,
            ReviewLog.phase_before,
            Question.source_id,
            Question.fact,
            deck.where().label("in_deck"),
        )
        .join(Question, Question.id == ReviewLog.question_id)
        .where(ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= start)
    ).all()
    today = Today(
        new_done=sum(1 for log in logs if log.phase_before == Phase.NEW),
        reviews_done=sum(1 for log in logs if log.phase_before == Phase.REVIEW),
        answered=frozenset(log.question_id for log in logs),
        answered_facts=frozenset(f"{log.source_id}:{log.fact}" for log in logs),
    )
    studied_query = (
        select(CardState, Question)
        .join(Question, Question.id == CardState.question_id)
        .join(Topic, Topic.id == Question.topic_id)
        .options(contains_eager(Question.topic))
        .where(
            CardState.user_id == user.id,
            deck.where(),
            Question.archived.is_(False),
            Question.origin == "bank",
            ~in_open_assignment(user.id),
            CardState.phase != int(Phase.NEW),
            CardState.suspended.is_(False),
            or_(CardState.buried_until.is_(None), CardState.buried_until <= now),
        )
        .order_by(CardState.due)
    )
    if not deck.focus:  # a focus also takes cards not yet due: the weakest first
        # Learning cards are never crowded out by a pile of overdue reviews: reviews are
        # limited to what is left of today's quota, learning cards are not limited.
        reviews_left = max(0, limits.reviews_per_day - today.reviews_done)
        due_reviews = (
            select(CardState.id)
            .join(Question, Question.id == CardState.question_id)
            .where(
                CardState.user_id == user.id,
                deck.where(),
                Question.archived.is_(False),
                Question.origin == "bank",
                CardState.phase == int(Phase.REVIEW),
                CardState.suspended.is_(False),
                or_(CardState.buried_until.is_(None), CardState.buried_until <= now),
                CardState.due < end,
                # What the queue will not show does not take a place in today's quota.
                ~in_open_assignment(user.id),
                *_not_sibling_of_answered(logs),
            )
            .order_by(CardState.due, CardState.question_id)
            .limit(reviews_left)
        )
        studied_query = studied_query.where(
            or_(
                CardState.id.in_(due_reviews.scalar_subquery()),
                and_(CardState.phase != int(Phase.REVIEW), CardState.due < end),
            )
        )
    studied = db.session.execute(studied_query).all()
    new_left = max(0, limits.new_per_day - today.new_done)
    new_rows = []
    if new_left:
        # A new card with a state row (suspended or buried by hand) is still new.
        other = aliased(CardState)
        seen = exists().where(
            other.user_id == user.id,
            other.question_id == Question.id,
            or_(
                other.phase != int(Phase.NEW),
                other.suspended.is_(True),
                other.buried_until > now,
            ),
        )
        query = (
            select(Question)
            .join(Topic, Topic.id == Question.topic_id)
            .options(contains_eager(Question.topic))
            .where(
                deck.where(),
                Question.archived.is_(False),
                Question.origin == "bank",
                ~seen,
                ~in_open_assignment(user.id),
            )
            .order_by(Topic.position, Question.id)
            .limit(new_left * NEW_FETCH_FACTOR + len(today.answered_facts))
        )
        new_rows = db.session.execute(
            query.add_columns(CardState).outerjoin(
                CardState,
                and_(CardState.question_id == Question.id, CardState.user_id == user.id),
            )
        ).all()
    cards = {q.id: (q, state) for state, q in studied}
    cards.update({q.id: (q, state) for q, state in new_rows})
    candidates = [
        Candidate(
            q.id,
            f"{q.source_id}:{q.fact}",  # fact slugs are unique within a source only
            Phase(s.phase),
            s.due,
            q.id,
            retrievability(memory_of(s), now, settings) if deck.focus else 1.0,
        )
        for s, q in studied
    ]
    fresh = [
        Candidate(q.id, f"{q.source_id}:{q.fact}", Phase.NEW, None, n)
        for n, (q, _) in enumerate(new_rows)
    ]
    build = build_focus_queue if deck.focus else build_queue
    queue = build(candidates, fresh, today, now, settings, limits)
    done = sum(1 for log in logs if log.in_deck)
    return DeckDay(queue=queue, done=done, cards=cards)


def load_card(user: User, question_id: int, deck: Deck, now: datetime) -> ShownCard:
    """Return one card of the deck to show (e.g. the answer side of the card just seen).

    Raises:
        StudyError: the question is not in the deck (404).
    """
    row = db.session.execute(
        select(Question, CardState)
        .join(Topic, Topic.id == Question.topic_id)
        .options(contains_eager(Question.topic))
        .outerjoin(
            CardState,
            and_(CardState.question_id == Question.id, CardState.user_id == user.id),
        )
        .where(
            Question.id == question_id,
            deck.where(),
            Question.archived.is_(False),
            Question.origin == "bank",
            ~in_open_assignment(user.id),
        )
    ).one_or_none()
    if row is None:
        raise StudyError("That card is not in this deck.", 404)
    return show(user, row[0], row[1], now)
