"""The one write path of a review, undo, suspend and bury: one transaction each."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from quiz.core.scheduling import (
    Memory,
    Outcome,
    Phase,
    Rating,
    day_start,
    next_day_start,
    next_states,
    study_day,
)
from quiz.db import db, utcnow, write_transaction
from quiz.models import CardState, Question, ReviewLog, User
from quiz.services.study.cards import (
    StudyError,
    _apply_dict,
    memory_of,
    settings_for,
    state_to_dict,
)


class _Raced(Exception):
    """A concurrent replay of the same review committed first."""


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: the card's new memory (or the first result, for a replay)."""

    question_id: int
    rating: int
    memory: Memory
    version: int
    replayed: bool
    leech: bool


def _insert_log(values: dict) -> int | None:
    """Insert a review log unless its client_review_id was used; return its id or None."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ReviewLog)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", "client_review_id"])
        .returning(ReviewLog.id)
    )
    return db.session.execute(statement).scalar_one_or_none()


def _replay(user: User, client_review_id: str) -> ReviewResult | None:
    log = db.session.scalars(
        select(ReviewLog).where(
            ReviewLog.user_id == user.id, ReviewLog.client_review_id == client_review_id
        )
    ).one_or_none()
    if log is None:
        return None
    after = log.after
    return ReviewResult(
        log.question_id,
        log.rating,
        memory_of(_detached(after)),
        after["version"],
        True,
        after["leech"],
    )


def _detached(data: dict) -> CardState:
    state = CardState()
    _apply_dict(state, data)
    return state


def review(
    user: User,
    question_id: int,
    rating: int,
    client_review_id: str,
    version: int | None,
    duration_ms: int = 0,
    now: datetime | None = None,
) -> ReviewResult:
    """Apply one rating: lock the card, write its new state and the log, in one transaction.

    A replayed client_review_id returns the first result and writes nothing; a
    card whose version is not the one shown is refused with a 409 (a None
    version applies the rating to the card as it is now).

    Raises:
        StudyError: bad rating or id (422), unknown card (404), card changed (409).
    """
    now = now or utcnow()
    if rating not in (1, 2, 3, 4):
        raise StudyError("rating: use 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).")
    if not client_review_id or len(client_review_id) > 64:
        raise StudyError("client_review_id: send the id given with the card (1–64 characters).")
    duration_ms = max(0, min(int(duration_ms or 0), 3_600_000))
    settings = settings_for(user)
    try:
        with write_transaction() as session:
            state = session.scalars(
                select(CardState)
                .where(CardState.user_id == user.id, CardState.question_id == question_id)
                .with_for_update()
            ).one_or_none()
            current = state.version if state else 0
            if version is not None and current != version:
                replay = _replay(user, client_review_id)
                if replay and replay.question_id == question_id:
                    return replay
                raise StudyError("This card changed since it was shown. Reload it.", 409)
            if state is None:
                question = session.get(Question, question_id)
                if question is None or question.origin != "bank":
                    raise StudyError("There is no such card.", 404)
            outcome: Outcome = next_states(memory_of(state), now, settings, question_id)[
                Rating(rating)
            ]
            before = state_to_dict(state) if state else None
            if state is None:
                state = CardState(user_id=user.id, question_id=question_id, version=0)
                session.add(state)
            _store(state, outcome, user)
            session.flush()
            log_id = _insert_log(
                dict(
                    user_id=user.id,
                    question_id=question_id,
                    rating=rating,
                    reviewed_at=now,
                    duration_ms=duration_ms,
                    client_review_id=client_review_id,
                    phase_before=before["phase"] if before else int(Phase.NEW),
                    before=before,
                    after=state_to_dict(state),
                )
            )
            if log_id is None:
                raise _Raced
            return ReviewResult(
                question_id, rating, outcome.memory, state.version, False, state.leech
            )
    except (IntegrityError, _Raced):
        # Two first reviews of one new card raced (or one review was replayed
        # concurrently): the other one won and this one wrote nothing.
        db.session.rollback()
        replay = _replay(user, client_review_id)
        if replay and replay.question_id == question_id:
            return replay
        raise StudyError("This card changed since it was shown. Reload it.", 409) from None


def _store(state: CardState, outcome: Outcome, user: User) -> None:
    memory = outcome.memory
    state.phase, state.step = int(memory.phase), memory.step
    state.stability, state.difficulty = memory.stability, memory.difficulty
    state.due, state.last_review = memory.due, memory.last_review
    state.reps, state.lapses = memory.reps, memory.lapses
    state.buried_until = None
    state.version = (state.version or 0) + 1
    if outcome.leech:
        state.leech = True
        if user.leech_action == "suspend":
            state.suspended = True


def undo_last(user: User, now: datetime | None = None) -> int:
    """Undo the user's last review of today: restore the card's exact state and drop the log.

    Returns:
        The question id of the card whose review was undone.

    Raises:
        StudyError: nothing to undo today (409).
    """
    now = now or utcnow()
    settings = settings_for(user)
    start = day_start(study_day(now, settings), settings)
    with write_transaction() as session:
        log = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= start)
            .order_by(ReviewLog.id.desc())
            .limit(1)
            .with_for_update()
        ).one_or_none()
        if log is None:
            raise StudyError("There is no review of today to undo.", 409)
        state = session.scalars(
            select(CardState)
            .where(CardState.user_id == user.id, CardState.question_id == log.question_id)
            .with_for_update()
        ).one()
        if state.version != log.after["version"]:
            raise StudyError(
                "This card changed after that review (suspended or buried): undo it by hand.",
                409,
            )
        if log.before is None:
            session.delete(state)
        else:
            _apply_dict(state, log.before)
        session.delete(log)
        return log.question_id


def set_flags(user: User, question_id: int, now: datetime | None = None, **flags) -> None:
    """Suspend, unsuspend or bury a card; see `_set_flags`. A concurrent first insert of
    the same card state (a double click) is retried once as an update."""
    try:
        _set_flags(user, question_id, now, **flags)
    except IntegrityError:
        db.session.rollback()
        _set_flags(user, question_id, now, **flags)


def _set_flags(user: User, question_id: int, now: datetime | None = None, **flags) -> None:
    """Suspend, unsuspend or bury a card (a new card gets a state row, due now).

    Args:
        flags: `suspended=True|False` or `bury=True` (until the next day starts).

    Raises:
        StudyError: no such card (404).
    """
    now = now or utcnow()
    values = {}
    if "suspended" in flags:
        values["suspended"] = bool(flags["suspended"])
    if flags.get("bury"):
        values["buried_until"] = next_day_start(now, settings_for(user))
    with write_transaction() as session:
        question = session.get(Question, question_id)
        if question is None or question.origin != "bank":
            raise StudyError("There is no such card.", 404)
        state = session.scalars(
            select(CardState)
            .where(CardState.user_id == user.id, CardState.question_id == question_id)
            .with_for_update()
        ).one_or_none()
        if state is None:
            state = CardState(user_id=user.id, question_id=question_id, phase=0, due=now, version=0)
            session.add(state)
        for name, value in values.items():
            setattr(state, name, value)
        state.version = (state.version or 0) + 1
