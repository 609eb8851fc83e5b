"""A card's stored state as the scheduler sees it, what a card shows, a student's settings."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from quiz.core.scheduling import (
    Memory,
    Phase,
    next_states,
    retrievability,
)
from quiz.db import db
from quiz.models import CardState, Question, ReviewLog, User
from quiz.services.study.decks import in_open_assignment
from quiz.services.study.errors import StudyError
from quiz.services.study.settings import settings_for


def memory_of(state: CardState | None) -> Memory:
    """Return the scheduler's view of a stored card state (a new card if there is none)."""
    if state is None:
        return Memory()
    return Memory(
        phase=Phase(state.phase),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
        reps=state.reps,
        lapses=state.lapses,
    )


STATE_FIELDS = (
    "phase",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
    "version",
)


def state_to_dict(state: CardState) -> dict:
    """Serialize every field of a card state (for the review log, undo, and comparisons)."""
    data = {name: getattr(state, name) for name in STATE_FIELDS}
    for name in ("due", "last_review", "buried_until"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def _apply_dict(state: CardState, data: dict) -> None:
    for name in STATE_FIELDS:
        value = data[name]
        if name in ("due", "last_review", "buried_until") and value:
            value = datetime.fromisoformat(value)
        setattr(state, name, value)


@dataclass(frozen=True)
class ShownCard:
    """A card as the study page shows it: question, memory, version and the four outcomes."""

    question: Question
    memory: Memory
    version: int
    outcomes: dict
    suspended: bool = False
    leech: bool = False


def show(user: User, question: Question, state: CardState | None, now: datetime) -> ShownCard:
    """Return a card ready to show, with its four outcomes computed up front."""
    memory = memory_of(state)
    return ShownCard(
        question=question,
        memory=memory,
        version=state.version if state else 0,
        outcomes=next_states(memory, now, settings_for(user), question.id),
        suspended=bool(state and state.suspended),
        leech=bool(state and state.leech),
    )


@dataclass(frozen=True)
class CardInfo:
    """A card's scheduling state now and its review history, newest first."""

    question: Question
    state: CardState | None
    memory: Memory
    recall: float
    logs: list


def card_info(user: User, question_id: int, now: datetime) -> CardInfo:
    """Return what the card info page shows.

    Raises:
        StudyError: no such bank card, or one of an open assignment (404).
    """
    row = db.session.execute(
        select(Question, CardState)
        .outerjoin(
            CardState,
            and_(CardState.question_id == Question.id, CardState.user_id == user.id),
        )
        .where(
            Question.id == question_id,
            Question.origin == "bank",
            ~in_open_assignment(user.id),
        )
    ).one_or_none()
    if row is None:
        raise StudyError("There is no such card.", 404)
    question, state = row
    logs = db.session.scalars(
        select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.question_id == question_id)
        .order_by(ReviewLog.reviewed_at.desc())
    ).all()
    memory = memory_of(state)
    return CardInfo(question, state, memory, retrievability(memory, now, settings_for(user)), logs)


def leeches(user: User) -> list:
    """Return the user's leech cards with their questions, most lapses first."""
    return db.session.execute(
        select(CardState, Question)
        .join(Question, Question.id == CardState.question_id)
        .where(CardState.user_id == user.id, CardState.leech.is_(True))
        .order_by(CardState.lapses.desc())
    ).all()
