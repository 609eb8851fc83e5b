"""Flashcard study: the deck's queue, the one write path of a review, undo, suspend, bury.

Every write happens in one transaction here; the scheduling itself is the pure
`quiz.core.scheduling` and `quiz.core.queue`.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager

from quiz.core.optimizer import Optimization, ReviewEvent, optimize
from quiz.core.queue import Candidate, Limits, Queue, Today, build_focus_queue, build_queue
from quiz.core.scheduling import (
    Memory,
    Outcome,
    Phase,
    Rating,
    Settings,
    day_start,
    next_day_start,
    next_states,
    retrievability,
    study_day,
)
from quiz.db import db, utcnow, write_transaction
from quiz.models import Answer, Attempt, CardState, Question, Quiz, ReviewLog, Source, Topic, User

NEW_FETCH_FACTOR = 4  # a fact has at most a few siblings; fetch enough to fill the limit


class _Raced(Exception):
    """A concurrent replay of the same review committed first."""


class StudyError(Exception):
    """A review or action that cannot be applied; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


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


@dataclass(frozen=True)
class ShownCard:
    """A card as the study page shows it: question, memory, version and the four outcomes."""

    question: Question
    memory: Memory
    version: int
    outcomes: dict
    suspended: bool = False
    leech: bool = False


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: the card's new memory (or the first result, for a replay)."""

    question_id: int
    rating: int
    memory: Memory
    version: int
    replayed: bool
    leech: bool


def settings_for(user: User) -> Settings:
    """Return the scheduling settings of a user."""
    parameters = tuple(user.fsrs_parameters) if user.fsrs_parameters else Settings().parameters
    return Settings(
        desired_retention=user.desired_retention, parameters=parameters, timezone=user.timezone
    )


def limits_for(user: User) -> Limits:
    """Return the daily limits of a user."""
    return Limits(new_per_day=user.new_per_day, reviews_per_day=user.reviews_per_day)


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
class DeckDay:
    """The deck's queue now, and what was done in the deck today."""

    queue: Queue
    done: int
    cards: dict  # question_id -> (Question, CardState | None) for the queued cards


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
            )
            .order_by(CardState.due)
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


def save_settings(user: User, **values) -> None:
    """Save a user's study settings after checking them with the core's own validation.

    Raises:
        StudyError: a value outside its range (422).
    """
    try:
        Settings(desired_retention=values["desired_retention"], timezone=values["timezone"])
        Limits(values["new_per_day"], values["reviews_per_day"])
    except ValueError as error:
        raise StudyError(str(error)) from None
    if values["leech_action"] not in ("tag", "suspend"):
        raise StudyError("leech_action: use tag or suspend.")
    with write_transaction():
        for name, value in values.items():
            setattr(user, name, value)


def optimize_user(user: User) -> Optimization:
    """Fit FSRS parameters to the user's history and keep them only if they fit better."""
    settings = settings_for(user)
    epoch = date(2000, 1, 1)
    rows = db.session.execute(
        select(ReviewLog.question_id, ReviewLog.rating, ReviewLog.reviewed_at)
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.reviewed_at, ReviewLog.id)
    ).all()
    events = [
        ReviewEvent(card=q, rating=r, day=(study_day(at, settings) - epoch).days)
        for q, r, at in rows
    ]
    result = optimize(events, tuple(user.fsrs_parameters) if user.fsrs_parameters else None)
    if result.changed:
        with write_transaction():
            user.fsrs_parameters = list(result.parameters)
    return result


def in_open_assignment(user_id: int):
    """Return the condition "this question is in one of the user's open assignment attempts".

    Such a question is kept out of flashcards, card info and the bank browser until the
    attempt ends, so its answer cannot be looked up in another tab.
    """
    return (
        exists()
        .where(
            Answer.question_id == Question.id,
            Answer.attempt_id == Attempt.id,
            Attempt.user_id == user_id,
            Attempt.state == "in_progress",
            Attempt.quiz_id == Quiz.id,
            Quiz.kind == "assignment",
        )
        .correlate(Question)
    )


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
