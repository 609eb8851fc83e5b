"""The review loop's next card, read in one statement and ordered by the core's own queue.

The deck page shows the whole queue (`day.load_day`); the review loop needs only the next
card and today's counts, and needs them on every rating. So one prebuilt statement reads,
for one student, everything that can change between two ratings, and nothing more:

- S: the state of the card being rated (the write path's input);
- L: today's review log, (question, phase before) only: the daily limits, sibling
  burying and "done today";
- D: the studied cards due before the day ends (reviews and learning steps), with their
  state: the deck's reviews and learning cards are among them;
- N: the deck's first new cards in bank order, enough of them to fill what is left of
  today's new-card limit with one card per fact even after this rating buries a fact;
- A: the questions of the student's open assignment attempts (never shown);
- G: the bank's generation (`bank_cache`), so a process with an old copy reloads it.

Everything else (a question's deck, fact, order and faces) comes from the bank cache, and
the queue itself from `quiz.core.queue.build_queue`, fed exactly what `load_day` feeds it:
a property test checks that both pick the same card with the same counts.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from quiz.core.queue import Candidate, Limits, Today, build_queue
from quiz.core.scheduling import (
    Memory,
    Phase,
    Settings,
    day_start,
    next_day_start,
    next_states,
    study_day,
)
from quiz.db import UTCDateTime
from quiz.models import Answer, Attempt, CardState, Question, Quiz, ReviewLog, Topic
from quiz.services.bank_cache import BankSnapshot, generation_column
from quiz.services.study.cards import ShownCard

STATE_COLUMNS = (
    "question_id",
    "phase",
    "due",
    "step",
    "stability",
    "difficulty",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
    "version",
)

_state = CardState.__table__
_log = ReviewLog.__table__
_question = Question.__table__
_topic = Topic.__table__
_answer, _attempt, _quiz = Answer.__table__, Attempt.__table__, Quiz.__table__

_user = bindparam("user_id", type_=Integer)
_card = bindparam("question_id", type_=Integer)
_now = bindparam("now", type_=UTCDateTime)
_start = bindparam("start", type_=UTCDateTime)
_end = bindparam("end", type_=UTCDateTime)


def _row(kind: str, **columns):
    """Return the select list of one kind of row: the state columns, NULL where absent."""
    return [literal_column(f"'{kind}'").label("kind")] + [
        columns.get(name, null()).label(name) for name in STATE_COLUMNS
    ]


def _open_assignment_answers():
    return and_(
        _answer.c.attempt_id == _attempt.c.id,
        _attempt.c.user_id == _user,
        _attempt.c.state == "in_progress",
        _attempt.c.quiz_id == _quiz.c.id,
        _quiz.c.kind == "assignment",
    )


def _statement(with_next: bool, with_topic: bool):
    state = select(*_row("S", **{n: _state.c[n] for n in STATE_COLUMNS})).where(
        _state.c.user_id == _user, _state.c.question_id == _card
    )
    generation = select(*_row("G", version=generation_column().scalar_subquery()))
    if not with_next:
        return union_all(state, generation)
    logs = select(*_row("L", question_id=_log.c.question_id, phase=_log.c.phase_before)).where(
        _log.c.user_id == _user, _log.c.reviewed_at >= _start
    )
    due = select(*_row("D", **{n: _state.c[n] for n in STATE_COLUMNS})).where(
        _state.c.user_id == _user,
        _state.c.phase != int(Phase.NEW),
        _state.c.suspended == false(),
        or_(_state.c.buried_until.is_(None), _state.c.buried_until <= _now),
        _state.c.due < _end,
    )
    blocked = select(*_row("A", question_id=_answer.c.question_id)).where(
        _open_assignment_answers()
    )
    # New cards: unseen (no state, or a new state neither suspended nor buried), not of an
    # open assignment, not a sibling of a card answered today, in bank order.
    seen = _state.alias("seen")
    other = _question.alias("other")
    answered_facts = (
        select(other.c.fact)
        .join(_log, _log.c.question_id == other.c.id)
        .where(
            _log.c.user_id == _user,
            _log.c.reviewed_at >= _start,
            other.c.source_id == _question.c.source_id,
        )
    )
    new_done = (
        select(func.count())
        .select_from(_log)
        .where(
            _log.c.user_id == _user,
            _log.c.reviewed_at >= _start,
            _log.c.phase_before == int(Phase.NEW),
        )
        .scalar_subquery()
    )
    new_left = bindparam("new_per_day", type_=Integer) - new_done
    # One card per fact a day: (left + 1) facts fill the limit even after this rating
    # buries one, and no fact has more than `siblings` cards.
    limit = case((new_left > 0, (new_left + 1) * bindparam("siblings", type_=Integer)), else_=0)
    deck = _question.c.source_id == bindparam("source_id", type_=Integer)
    if with_topic:
        deck = and_(deck, _question.c.topic_id == bindparam("topic_id", type_=Integer))
    new = (
        select(
            *_row(
                "N",
                **{n: seen.c[n] for n in STATE_COLUMNS if n != "question_id"},
                question_id=_question.c.id,
            )
        )  # fmt: skip
        .select_from(
            _question.join(_topic, _topic.c.id == _question.c.topic_id).outerjoin(
                seen, and_(seen.c.question_id == _question.c.id, seen.c.user_id == _user)
            )
        )
        .where(
            deck,
            _question.c.archived == false(),
            _question.c.origin == "bank",
            or_(
                seen.c.id.is_(None),
                and_(
                    seen.c.phase == int(Phase.NEW),
                    seen.c.suspended == false(),
                    or_(seen.c.buried_until.is_(None), seen.c.buried_until <= _now),
                ),
            ),
            ~exists().where(_answer.c.question_id == _question.c.id, _open_assignment_answers()),
            _question.c.fact.not_in(answered_facts),
        )
        .order_by(_topic.c.position, _question.c.id)
        .limit(limit)
        .subquery()
    )
    return union_all(state, generation, logs, due, blocked, select(*new.c))


STATEMENTS = {
    (False, False): _statement(False, False),
    (True, False): _statement(True, False),
    (True, True): _statement(True, True),
}


@dataclass
class DayRead:
    """What the one statement read (see the module's docstring)."""

    state: dict | None
    generation: int
    logs: list
    due: dict
    new: dict
    blocked: frozenset


def read_day(
    connection,
    user_id: int,
    question_id: int,
    deck: tuple[int, int | None] | None,
    snap: BankSnapshot,
    now: datetime,
    settings: Settings,
    limits: Limits,
) -> DayRead:
    """Run the one statement; `deck` (source id, topic id) None reads only the card's state."""
    params = {"user_id": user_id, "question_id": question_id}
    if deck is not None:
        params.update(
            now=now,
            start=day_start(study_day(now, settings), settings),
            end=next_day_start(now, settings),
            source_id=deck[0],
            new_per_day=limits.new_per_day,
            siblings=max(1, snap.siblings.get(deck[0], 1)),
        )
        if deck[1] is not None:
            params["topic_id"] = deck[1]
    statement = STATEMENTS[(deck is not None, deck is not None and deck[1] is not None)]
    read = DayRead(None, 0, [], {}, {}, frozenset())
    blocked = set()
    for row in connection.execute(statement, params).mappings():
        kind = row["kind"]
        if kind == "L":
            read.logs.append((row["question_id"], row["phase"]))
        elif kind == "D":
            read.due[row["question_id"]] = dict(row)
        elif kind == "N":
            read.new[row["question_id"]] = dict(row) if row["phase"] is not None else None
        elif kind == "S":
            read.state = dict(row)
        elif kind == "A":
            blocked.add(row["question_id"])
        else:
            read.generation = row["version"] or 0
    read.blocked = frozenset(blocked)
    return read


def memory_of_row(row: dict | None) -> Memory:
    """Return the scheduler's view of a state row (a new card if there is none)."""
    if row is None:
        return Memory()
    return Memory(
        phase=Phase(row["phase"]),
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=row["due"],
        last_review=row["last_review"],
        reps=row["reps"],
        lapses=row["lapses"],
    )


@dataclass(frozen=True)
class NextCard:
    """The deck's next card (None when nothing is left today) and today's counts."""

    card: ShownCard | None
    review: int
    learning: int
    new: int
    done: int
    next_learning: datetime | None


def next_card(
    read: DayRead,
    snap: BankSnapshot,
    deck: tuple[int, int | None],
    now: datetime,
    settings: Settings,
    limits: Limits,
    reviewed: tuple[int, int, dict] | None = None,
) -> NextCard:
    """Order the deck's day from what `read_day` read, after the rating `reviewed`
    ((question id, phase before, new state row)) if one was just written."""
    source_id, topic_id = deck
    logs, due, new = read.logs, read.due, read.new
    if reviewed is not None:
        question_id, phase_before, after = reviewed
        logs = [*logs, (question_id, phase_before)]
        due = {k: v for k, v in due.items() if k != question_id}
        new = {k: v for k, v in new.items() if k != question_id}
        buried = after["buried_until"] is not None and after["buried_until"] > now
        if (
            after["phase"] != Phase.NEW
            and not after["suspended"]
            and not buried
            and after["due"] < next_day_start(now, settings)
        ):
            due[question_id] = after
    questions = snap.questions

    def in_deck(question_id: int) -> bool:
        q = questions.get(question_id)
        return (
            q is not None
            and not q.archived
            and q.source_id == source_id
            and (topic_id is None or q.topic_id == topic_id)
        )

    answered = [(questions[q], phase) for q, phase in logs if q in questions]
    today = Today(
        new_done=sum(1 for _, phase in logs if phase == Phase.NEW),
        reviews_done=sum(1 for _, phase in logs if phase == Phase.REVIEW),
        answered=frozenset(q for q, _ in logs),
        answered_facts=frozenset(q.fact_key for q, _ in answered),
    )
    # As load_day: the reviews quota is taken by due order before anything is hidden.
    in_deck_due = [row for q, row in due.items() if in_deck(q)]
    reviews = sorted(
        (row for row in in_deck_due if row["phase"] == Phase.REVIEW),
        key=lambda row: (row["due"], row["question_id"]),
    )[: max(0, limits.reviews_per_day - today.reviews_done)]
    learning = [row for row in in_deck_due if row["phase"] != Phase.REVIEW]
    studied = [
        Candidate(
            row["question_id"],
            questions[row["question_id"]].fact_key,
            Phase(row["phase"]),
            row["due"],
            row["question_id"],
        )
        for row in reviews + learning
        if row["question_id"] not in read.blocked
    ]
    fresh = [
        Candidate(q.id, q.fact_key, Phase.NEW, None, n)
        for n, q in enumerate(
            sorted((questions[q] for q in new if q in questions), key=lambda q: q.order)
        )  # fmt: skip
    ]
    queue = build_queue(studied, fresh, today, now, settings, limits)
    card = None
    if queue.first is not None:
        question_id = queue.first.question_id
        row = due.get(question_id) or new.get(question_id)
        memory = memory_of_row(row)
        card = ShownCard(
            question=questions[question_id],
            memory=memory,
            version=row["version"] if row else 0,
            outcomes=next_states(memory, now, settings, question_id),
            suspended=bool(row and row["suspended"]),
            leech=bool(row and row["leech"]),
        )
    return NextCard(
        card=card,
        review=queue.review,
        learning=queue.learning,
        new=queue.new,
        done=sum(1 for q, _ in logs if in_deck(q)),
        next_learning=queue.next_learning,
    )
