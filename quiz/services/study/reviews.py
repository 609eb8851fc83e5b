"""The one write path of a review, undo, suspend and bury: one write transaction each.

A review is four prebuilt statements: the login check, the statement of `nextcard` that
reads the card's state with the deck's day, the log inserted unless its client_review_id
was seen (insert-or-ignore), and the state upserted only if its version is still the one
read. On PostgreSQL all four are one transaction; on SQLite the reads come before the
write lock (see `quiz.db.writes`). The next card comes from what was read.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from quiz import metrics
from quiz.core.scheduling import Phase, Rating, day_start, next_day_start, next_states, study_day
from quiz.db import db, utcnow, write_transaction
from quiz.models import CardState, Question, ReviewLog, User
from quiz.services import bank_cache
from quiz.services.study.cards import _apply_dict, memory_of
from quiz.services.study.errors import DayChanged, StudyError
from quiz.services.study.nextcard import (
    STATE_COLUMNS,
    NextCard,
    memory_of_row,
    next_card,
    read_day,
)
from quiz.services.study.settings import limits_for, settings_for

DeckName = tuple[str, str | None]  # (source slug, topic slug or None)
LOG_FIELDS = (
    "user_id",
    "question_id",
    "rating",
    "reviewed_at",
    "duration_ms",
    "client_review_id",
    "phase_before",
    "before",
    "after",
)
_TIMES = ("due", "last_review", "buried_until")


class _Raced(Exception):
    """A concurrent replay of the same review, or a change of the card, committed first."""


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: the card's new memory (or the first result, for a replay), and
    the deck's next card when one was asked for."""

    question_id: int
    rating: int
    memory: object
    version: int
    replayed: bool
    leech: bool
    next: NextCard | None = None


def _log_insert(insert):
    table = ReviewLog.__table__
    return (
        insert(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in LOG_FIELDS})
        .on_conflict_do_nothing(index_elements=["user_id", "client_review_id"])
        .returning(table.c.id)
    )


def _state_upsert(insert):
    table = CardState.__table__
    names = ("user_id", *STATE_COLUMNS)
    statement = insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in names}
    )
    return statement.on_conflict_do_update(
        index_elements=["user_id", "question_id"],
        set_={name: statement.excluded[name] for name in STATE_COLUMNS if name != "question_id"},
        where=table.c.version == bindparam("expected_version", type_=Integer),
    ).returning(table.c.version)


LOG_INSERT = {"sqlite": _log_insert(sqlite.insert), "postgresql": _log_insert(postgresql.insert)}
STATE_UPSERT = {
    "sqlite": _state_upsert(sqlite.insert),
    "postgresql": _state_upsert(postgresql.insert),
}


def _as_logged(row: dict) -> dict:
    """Return a state row as the review log keeps it (see `cards.state_to_dict`)."""
    data = {name: row[name] for name in STATE_COLUMNS if name != "question_id"}
    for name in _TIMES:
        data[name] = data[name].isoformat() if data[name] else None
    data["suspended"], data["leech"] = bool(data["suspended"]), bool(data["leech"])
    return data


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


def _deck_ids(snap, question_id: int, deck: DeckName | None):
    """Return the snapshot and (source id, topic id) of the deck whose next card is asked
    for ((None, None): the card's own source), or None; a slug not known is looked up once
    more in a fresh copy of the bank (it may have just been loaded)."""
    if deck is None:
        return snap, None
    source_slug, topic_slug = deck
    if source_slug is None:
        q = snap.questions.get(question_id)
        return snap, (q.source_id, None) if q else None
    ids = snap.deck_ids(source_slug, topic_slug)
    if ids is None:
        snap = bank_cache.reload()
        ids = snap.deck_ids(source_slug, topic_slug)
    return snap, ids


EMPTY = NextCard(None, 0, 0, 0, 0, None)


def next_in(user: User, deck: DeckName, now: datetime | None = None) -> NextCard | None:
    """Return the next card of a deck named by slugs and today's counts (None: no deck).

    One statement (two after a bank load), whatever the size of the student's history.
    """
    now = now or utcnow()
    settings, limits = settings_for(user), limits_for(user)
    snap, ids = _deck_ids(bank_cache.snapshot(), 0, deck)
    if ids is None:
        return None
    read = read_day(db.session.connection(), user.id, 0, ids, snap, now, settings)
    if read.generation != snap.generation:
        snap = bank_cache.snapshot(read.generation)
    return next_card(read, snap, ids, now, settings, limits)


def review(
    user: User,
    question_id: int,
    rating: int,
    client_review_id: str,
    version: int | None,
    duration_ms: int = 0,
    now: datetime | None = None,
    deck: DeckName | None = None,
    shown_at: datetime | None = None,
) -> ReviewResult:
    """Apply one rating in one write transaction; with `deck`, also return the deck's next card.

    A replayed client_review_id returns the first result and writes nothing; a
    card whose version is not the one shown is refused with a 409 (a None
    version applies the rating to the card as it is now). With `shown_at`, when
    the card's buttons were computed, a rating pressed on a later study day (past
    4 am) is refused with a 409: its outcome is no longer the one shown.

    Raises:
        StudyError: bad rating or id (422), unknown card (404), card changed (409).
        DayChanged: the study day changed since `shown_at` (409).
    """
    now = now or utcnow()
    if rating not in (1, 2, 3, 4):
        raise StudyError("rating: use 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).")
    if not client_review_id or len(client_review_id) > 64:
        raise StudyError("client_review_id: send the id given with the card (1–64 characters).")
    duration_ms = max(0, min(int(duration_ms or 0), 3_600_000))
    settings, limits = settings_for(user), limits_for(user)
    snap, ids = _deck_ids(bank_cache.snapshot(), question_id, deck)
    try:
        # The read: on PostgreSQL inside the request's one transaction (`db.writes`); on
        # SQLite before the write lock is taken, the write re-checking the version read.
        connection = db.session.connection()
        read = read_day(connection, user.id, question_id, ids, snap, now, settings)
        if read.generation != snap.generation:
            snap = bank_cache.snapshot(read.generation)
        state = read.state
        current = state["version"] if state else 0
        if version is not None and current != version:
            raise _Raced  # a replay of a review already applied, or a 409
        if shown_at is not None and study_day(shown_at, settings) != study_day(now, settings):
            raise DayChanged  # the buttons showed the outcomes of another day
        if (state is None and question_id not in snap.questions) or read.blocked:
            # A question of an open assignment attempt is no flashcard until it ends.
            raise StudyError("There is no such card.", 404)
        chosen = Rating(rating)
        outcome = next_states(memory_of_row(state), now, settings, question_id, (chosen,))[chosen]
        after = _after(state, outcome, user, question_id)
        phase_before = state["phase"] if state else int(Phase.NEW)
        with write_transaction() as session:
            connection = session.connection()
            dialect = connection.dialect.name
            log_id = connection.execute(
                LOG_INSERT[dialect],
                {
                    "user_id": user.id,
                    "question_id": question_id,
                    "rating": rating,
                    "reviewed_at": now,
                    "duration_ms": duration_ms,
                    "client_review_id": client_review_id,
                    "phase_before": phase_before,
                    "before": _as_logged(state) if state else None,
                    "after": _as_logged(after),
                },
            ).scalar_one_or_none()
            if log_id is None:
                raise _Raced
            stored = connection.execute(
                STATE_UPSERT[dialect], {**after, "user_id": user.id, "expected_version": current}
            ).scalar_one_or_none()
            if stored is None:
                raise _Raced
            _forget_states(session)
        metrics.REVIEWS.labels(str(rating)).inc()
        nxt = None
        if ids is not None:
            reviewed = (question_id, phase_before, after)
            nxt = next_card(read, snap, ids, now, settings, limits, reviewed)
        elif deck is not None:
            nxt = EMPTY
        return ReviewResult(
            question_id, rating, outcome.memory, after["version"], False, after["leech"], nxt
        )
    except (IntegrityError, _Raced):
        # A replay, a card changed since it was shown, or two first reviews of one new
        # card that raced: this one wrote nothing. A replay answers as the first time did.
        db.session.rollback()
        replay = _replay(user, client_review_id)
        if replay is None or replay.question_id != question_id:
            raise StudyError("This card changed since it was shown. Reload it.", 409) from None
        if deck is None:
            return replay
        q = snap.questions.get(question_id)
        named = deck if deck[0] else (q.source_slug, None) if q else None
        nxt = next_in(user, named, now) if named else None
        return _replace_next(replay, nxt or EMPTY)


def _forget_states(session) -> None:
    """Expire the card states this session holds: the Core write went around them."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, CardState | ReviewLog):
            session.expire(obj)


def _replace_next(result: ReviewResult, nxt: NextCard | None) -> ReviewResult:
    return ReviewResult(
        result.question_id,
        result.rating,
        result.memory,
        result.version,
        result.replayed,
        result.leech,
        nxt,
    )


def _after(state: dict | None, outcome, user: User, question_id: int) -> dict:
    """Return the card's state row after the rating (the leech rule of the user applied)."""
    memory = outcome.memory
    leech = bool(state and state["leech"]) or outcome.leech
    suspended = bool(state and state["suspended"]) or (
        outcome.leech and user.leech_action == "suspend"
    )
    return {
        "question_id": question_id,
        "phase": int(memory.phase),
        "due": memory.due,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "last_review": memory.last_review,
        "reps": memory.reps,
        "lapses": memory.lapses,
        "suspended": suspended,
        "buried_until": None,
        "leech": leech,
        "version": (state["version"] if state else 0) + 1,
    }


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
