"""The review loop's next card, read in one statement: the heads of today's piles.

The deck page shows the whole queue (`day.load_day`); the review loop needs only the next
card and today's counts, on every rating. So one prebuilt statement reads, for one student
and one deck, a handful of rows whatever the size of the deck or of the history:

- S: the state of the card being rated (the write path's input), and B if that card is
  in an open assignment attempt;
- T: today's totals: reviews of new cards, of review cards, and in this deck;
- R, L, LL: the heads of the studied piles, from one scan ranked with window functions:
  reviews due before the day ends, learning cards due now, learning cards due later
  today (the first two: learning ahead and "next learning"), each with its pile's size;
- N: the first new card in bank order, with the number of facts the new cards cover;
- G: the bank's generation (`bank_cache`), so a process with an old copy reloads it.

Every pile already leaves out what the queue never shows: other decks, archived and
authored questions, suspended and buried cards, questions of open assignment attempts,
and siblings of the cards answered today, counting the card being rated as answered (it
is, once the write commits). That card itself is left out of every pile and put back by
`next_card` from its new state. `quiz.core.queue.next_from_heads` then orders the heads
as `build_queue` orders the whole day: a property test checks both pick the same card
with the same counts.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)

from quiz.core.queue import Candidate, Heads, Limits, Today, next_from_heads
from quiz.core.scheduling import (
    Memory,
    Phase,
    Settings,
    day_start,
    next_day_start,
    next_states,
    study_day,
)
from quiz.db import MAX_ID, UTCDateTime
from quiz.models import CardState, Question, ReviewLog, Topic
from quiz.services.bank_cache import BankSnapshot, generation_column
from quiz.services.study.cards import STATE_FIELDS, ShownCard
from quiz.services.study.decks import open_assignment_questions

STATE_COLUMNS = ("question_id", *STATE_FIELDS)  # a card_state row as the statement reads it
LEARNING = (int(Phase.LEARNING), int(Phase.RELEARNING))
BANK_ORDER = MAX_ID + 1  # above every question id: position * BANK_ORDER + id orders as the bank

_state = CardState.__table__
_log = ReviewLog.__table__
_question = Question.__table__
_topic = Topic.__table__

_user = bindparam("user_id", type_=Integer)
_card = bindparam("question_id", type_=Integer)
_card_fact = bindparam("card_fact", type_=String)
_source = bindparam("source_id", type_=Integer)
_now = bindparam("now", type_=UTCDateTime)
_start = bindparam("start", type_=UTCDateTime)
_end = bindparam("end", type_=UTCDateTime)


_NULLS = {name: cast(null(), _state.c[name].type) for name in STATE_COLUMNS}


def _row(kind, n=None, **columns):
    """Return the select list of one kind of row: the state columns (NULL where absent) and
    `n`, the size of the pile the row heads."""
    kind = literal_column(f"'{kind}'") if isinstance(kind, str) else kind
    return [  # NULLs typed: PostgreSQL matches the types of a UNION's columns
        kind.label("kind"),
        *(columns.get(name, _NULLS[name]).label(name) for name in STATE_COLUMNS),
        (cast(null(), BigInteger) if n is None else n).label("n"),
    ]


def _statement(with_next: bool, with_topic: bool, lateral: bool = False):
    state = select(*_row("S", **{n: _state.c[n] for n in STATE_COLUMNS})).where(
        _state.c.user_id == _user, _state.c.question_id == _card
    )
    generation = select(*_row("G", version=generation_column().scalar_subquery()))
    blocked = select(*_row("B")).where(_card.in_(open_assignment_questions(_user)))
    if not with_next:
        return union_all(state, generation, blocked)
    deck = _question.c.source_id == _source
    if with_topic:
        deck = and_(deck, _question.c.topic_id == bindparam("topic_id", type_=Integer))
    today = (
        select(
            _log.c.question_id,
            _log.c.phase_before,
            _question.c.fact,
            _question.c.topic_id,
            _question.c.source_id,
        )  # fmt: skip
        .join(_question, _question.c.id == _log.c.question_id)
        .where(_log.c.user_id == _user, _log.c.reviewed_at >= _start)
        .cte("today")
    )
    in_deck = today.c.source_id == _source
    if with_topic:
        in_deck = and_(in_deck, today.c.topic_id == bindparam("topic_id", type_=Integer))

    def today_count(condition):
        return func.sum(case((condition, 1), else_=0))

    # Reviews today of a new card (in `reps`), of a review card (`lapses`), in this deck (`n`).
    totals = select(
        *_row(
            "T",
            reps=today_count(today.c.phase_before == int(Phase.NEW)),
            lapses=today_count(today.c.phase_before == int(Phase.REVIEW)),
            n=today_count(in_deck),
        )
    ).select_from(today)
    # A sibling of a card answered today waits for tomorrow; the card being rated counts
    # as answered.
    sibling = and_(
        or_(
            _question.c.fact.in_(select(today.c.fact).where(today.c.source_id == _source)),
            and_(_question.c.source_id == bindparam("card_source", type_=Integer),
                 _question.c.fact == _card_fact),
        ),
        _question.c.id.not_in(select(today.c.question_id)),
    )  # fmt: skip
    shown = and_(
        deck,
        _question.c.archived == false(),
        _question.c.origin == "bank",
        _question.c.id != _card,
        _question.c.id.not_in(open_assignment_questions(_user)),
        ~sibling,
    )
    # Studied cards due today, in one scan: each pile (R reviews, L learning due now, LL
    # learning due later today) ranked by due time and counted.
    if lateral:
        # PostgreSQL: from the deck's questions, each card by the (user, question) index.
        # Its estimate for one student's cards due today can be 1 row where there are a
        # hundred, and it then scanned the deck's questions once per card (13 ms at 1.5 M
        # card states, bench/scale.py); LATERAL fixes the order: the deck once, then one
        # index probe per question, whatever the size of card_state.
        card = (
            select(*_state.c)
            .where(_state.c.user_id == _user, _state.c.question_id == _question.c.id)
            .limit(1)  # one row at most (a unique key); and it keeps PostgreSQL from
            .lateral("card")  # flattening the subquery back into the join it replaces
        )
        cards = _question.join(card, true())
    else:  # SQLite plans it well: the student's cards by (user, due), each question by id
        card = _state
        cards = _state.join(_question, _question.c.id == _state.c.question_id)
    pile = case(
        (card.c.phase == int(Phase.REVIEW), literal_column("'R'")),
        (card.c.due <= _now, literal_column("'L'")),
        else_=literal_column("'LL'"),
    )
    order = (card.c.due, card.c.question_id)
    ranked = (
        select(
            *_row(
                pile,
                n=func.count().over(partition_by=pile),
                **{n: card.c[n] for n in STATE_COLUMNS},
            ),
            func.row_number().over(partition_by=pile, order_by=order).label("rank"),
        )  # fmt: skip
        .select_from(cards)
        .where(
            card.c.user_id == _user,
            card.c.phase != int(Phase.NEW),
            card.c.suspended == false(),
            or_(card.c.buried_until.is_(None), card.c.buried_until <= _now),
            card.c.due < _end,
            shown,
        )
        .subquery("ranked")
    )
    studied = select(*(ranked.c[c] for c in ("kind", *STATE_COLUMNS, "n"))).where(
        ranked.c.rank <= 2
    )
    # New cards, in one aggregate scan: the first in bank order (topic position, then id,
    # folded into one number so that min() finds it), and how many facts they cover; then
    # that card's state row, if it has one (a new card suspended once, say).
    seen = _state.alias("seen")
    in_bank_order = cast(_topic.c.position, BigInteger) * BANK_ORDER + _question.c.id
    unseen = (
        select(
            func.min(in_bank_order).label("first"),
            func.count(distinct(_question.c.fact)).label("facts"),
        )
        .select_from(
            _question.join(_topic, _topic.c.id == _question.c.topic_id).outerjoin(
                seen, and_(seen.c.question_id == _question.c.id, seen.c.user_id == _user)
            )
        )
        .where(
            shown,
            or_(
                seen.c.id.is_(None),
                and_(
                    seen.c.phase == int(Phase.NEW),
                    seen.c.suspended == false(),
                    or_(seen.c.buried_until.is_(None), seen.c.buried_until <= _now),
                ),
            ),
        )
        .subquery("unseen")
    )
    first = cast(unseen.c.first % BANK_ORDER, Integer)
    head = _state.alias("head")
    new = (
        select(
            *_row(
                "N",
                unseen.c.facts,
                question_id=first,
                **{n: head.c[n] for n in STATE_COLUMNS if n != "question_id"},
            )
        )
        .select_from(
            unseen.outerjoin(head, and_(head.c.user_id == _user, head.c.question_id == first))
        )
        .where(unseen.c.first.is_not(None))
    )
    return union_all(state, generation, blocked, totals, studied, new)


STATEMENTS = {  # (PostgreSQL, with the next card, of a topic)
    (pg, with_next, with_topic): _statement(with_next, with_topic, lateral=pg)
    for pg in (False, True)
    for with_next, with_topic in ((False, False), (True, False), (True, True))
}


@dataclass
class DayRead:
    """What the one statement read (see the module's docstring); rows are dicts of
    STATE_COLUMNS."""

    state: dict | None = None
    generation: int = 0
    blocked: bool = False
    new_done: int = 0
    reviews_done: int = 0
    done: int = 0
    review: dict | None = None
    reviews: int = 0
    learning: dict | None = None
    learning_count: int = 0
    later: tuple = ()
    new: dict | None = None
    new_is_state: bool = False
    new_facts: int = 0


def read_day(
    connection,
    user_id: int,
    question_id: int,
    deck: tuple[int, int | None] | None,
    snap: BankSnapshot,
    now: datetime,
    settings: Settings,
) -> DayRead:
    """Run the one statement; `deck` (source id, topic id) None reads only the card's state."""
    params = {"user_id": user_id, "question_id": question_id}
    if deck is not None:
        card = snap.questions.get(question_id)
        params.update(
            now=now,
            start=day_start(study_day(now, settings), settings),
            end=next_day_start(now, settings),
            source_id=deck[0],
            card_source=card.source_id if card else 0,
            card_fact=card.fact if card else "",
        )
        if deck[1] is not None:
            params["topic_id"] = deck[1]
    statement = STATEMENTS[
        (
            connection.dialect.name == "postgresql",
            deck is not None,
            deck is not None and deck[1] is not None,
        )
    ]
    read = DayRead()
    later, piles = [], {}
    for row in connection.execute(statement, params).mappings():
        kind = row["kind"]
        if kind == "S":
            read.state = dict(row)
        elif kind == "G":
            read.generation = row["version"] or 0
        elif kind == "B":
            read.blocked = True
        elif kind == "T":
            read.new_done, read.reviews_done = row["reps"] or 0, row["lapses"] or 0
            read.done = row["n"] or 0
        elif kind == "N":
            read.new, read.new_is_state = dict(row), row["phase"] is not None
            read.new_facts = row["n"]
        else:
            piles.setdefault(kind, []).append(dict(row))
    for kind, rows in piles.items():
        rows.sort(key=lambda row: (row["due"], row["question_id"]))
        if kind == "R":
            read.review, read.reviews = rows[0], rows[0]["n"]
        elif kind == "L":
            read.learning, read.learning_count = rows[0], rows[0]["n"]
        else:
            later = rows[:2]
    read.later = tuple(later)
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


def _candidate(row: dict, snap: BankSnapshot, order: int | None = None) -> Candidate:
    question_id = row["question_id"]
    phase = Phase.NEW if row["phase"] is None else Phase(row["phase"])
    order = question_id if order is None else order
    return Candidate(question_id, snap.questions[question_id].fact_key, phase, row["due"], order)


def _earlier(head: Candidate | None, card: Candidate) -> Candidate:
    return card if head is None or (card.due, card.order) < (head.due, head.order) else head


def next_card(
    read: DayRead,
    snap: BankSnapshot,
    deck: tuple[int, int | None],
    now: datetime,
    settings: Settings,
    limits: Limits,
    reviewed: tuple[int, int, dict] | None = None,
) -> NextCard:
    """Return the deck's next card and today's counts from what `read_day` read, after the
    rating `reviewed` ((question id, phase before, new state row)) if one was just written.
    """
    rows = {}  # question id -> state row, for the card picked
    for row in (read.review, read.learning, *read.later):
        if row is not None:
            rows[row["question_id"]] = row
    review = _candidate(read.review, snap) if read.review else None
    learning = _candidate(read.learning, snap) if read.learning else None
    later = [_candidate(row, snap) for row in read.later]
    reviews, learning_count = read.reviews, read.learning_count
    new_done, reviews_done, done = read.new_done, read.reviews_done, read.done
    if reviewed is not None:
        question_id, phase_before, after = reviewed
        new_done += phase_before == Phase.NEW
        reviews_done += phase_before == Phase.REVIEW
        q = snap.questions.get(question_id)
        in_deck = q is not None and q.source_id == deck[0] and deck[1] in (None, q.topic_id)
        done += in_deck  # archived questions count as done too
        buried = after["buried_until"] is not None and after["buried_until"] > now
        if (
            in_deck
            and not q.archived
            and not read.blocked
            and after["phase"] != Phase.NEW
            and not (after["suspended"] or buried)
            and after["due"] < next_day_start(now, settings)
        ):
            rows[question_id] = after
            card = _candidate(after, snap)
            if card.phase == Phase.REVIEW:
                review, reviews = _earlier(review, card), reviews + 1
            elif card.due <= now:
                learning, learning_count = _earlier(learning, card), learning_count + 1
            else:
                later = sorted([*later, card], key=lambda c: (c.due, c.order))[:2]
    new = None
    if read.new is not None:
        new = _candidate(read.new, snap, order=0)
        rows[new.question_id] = read.new if read.new_is_state else None
    heads = Heads(review, reviews, learning, learning_count, tuple(later), new, read.new_facts)
    today = Today(new_done=new_done, reviews_done=reviews_done)
    queue = next_from_heads(heads, today, now, limits)
    card = None
    if queue.first is not None:
        question_id = queue.first.question_id
        row = rows.get(question_id)
        memory = memory_of_row(row)
        card = ShownCard(
            question=snap.questions[question_id],
            memory=memory,
            version=row["version"] if row else 0,
            outcomes=next_states(memory, now, settings, question_id),
            suspended=bool(row and row["suspended"]),
            leech=bool(row and row["leech"]),
        )
    return NextCard(card, queue.review, queue.learning, queue.new, done, queue.next_learning)
