"""The study queue: which card comes next, under the daily limits.

Pure: the service passes in the candidate cards it read and what was studied
today. Order (as the product asks): due reviews first, then learning and
relearning cards whose step is due, then new cards up to the daily limit.
Siblings (cards sharing a fact) are buried for the day once one is answered.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from quiz.core.scheduling import Phase, Settings, next_day_start

LEARN_AHEAD = timedelta(minutes=20)  # Anki's default: finish learning steps a little early


@dataclass(frozen=True)
class Limits:
    """Daily limits of new cards and of reviews.

    Raises:
        ValueError: a limit outside 0–9999.
    """

    new_per_day: int = 20
    reviews_per_day: int = 200

    def __post_init__(self) -> None:
        for name in ("new_per_day", "reviews_per_day"):
            if not 0 <= getattr(self, name) <= 9999:
                raise ValueError(f"{name} must be between 0 and 9999")


@dataclass(frozen=True)
class Candidate:
    """A card that could be shown: studied (with a due time) or new (due None)."""

    question_id: int
    fact: str
    phase: Phase
    due: datetime | None
    order: int = 0
    recall: float = 1.0  # predicted recall now (focus sessions take the weakest first)


@dataclass(frozen=True)
class Today:
    """What the student did today (since the rollover): the inputs of limits and burying."""

    new_done: int = 0
    reviews_done: int = 0
    answered: frozenset[int] = frozenset()
    answered_facts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Queue:
    """Today's queue for one deck.

    Attributes:
        cards: the cards in the order they will be shown.
        review, learning, new: how many of each kind are in `cards`.
        next_learning: when the next learning card not yet in `cards` is due.
    """

    cards: tuple[Candidate, ...]
    review: int
    learning: int
    new: int
    next_learning: datetime | None = None

    @property
    def first(self) -> Candidate | None:
        return self.cards[0] if self.cards else None


def _buried(card: Candidate, today: Today) -> bool:
    return card.fact in today.answered_facts and card.question_id not in today.answered


def _pick_new(new: Iterable[Candidate], today: Today, limit: int, facts: set[str]) -> list:
    """Take up to `limit` new cards in bank order, one per fact a day (siblings wait)."""
    fresh = []
    for card in sorted(new, key=lambda c: c.order):
        if len(fresh) >= limit:
            break
        if _buried(card, today) or card.fact in facts:
            continue
        facts.add(card.fact)
        fresh.append(card)
    return fresh


def build_queue(
    studied: Iterable[Candidate],
    new: Iterable[Candidate],
    today: Today,
    now: datetime,
    settings: Settings,
    limits: Limits,
) -> Queue:
    """Order today's cards for one deck.

    Args:
        studied: cards already studied, not suspended nor buried by hand.
        new: new cards of the deck in bank order (already studied ones excluded).
        today: what was studied today, for the limits and sibling burying.
        now: the current time, aware.
        settings: time zone and rollover hour (the day's end).
        limits: the daily limits.

    Returns:
        The queue; empty when nothing is due today.
    """
    end_of_day = next_day_start(now, settings)
    reviews, learning, later = [], [], []
    for card in studied:
        if card.due is None or _buried(card, today):
            continue
        if card.phase == Phase.REVIEW:
            if card.due < end_of_day:
                reviews.append(card)
        elif card.due <= now:
            learning.append(card)
        else:
            later.append(card)
    reviews.sort(key=lambda c: (c.due, c.order))
    reviews = reviews[: max(0, limits.reviews_per_day - today.reviews_done)]
    learning.sort(key=lambda c: (c.due, c.order))
    fresh = _pick_new(new, today, max(0, limits.new_per_day - today.new_done), set())
    later.sort(key=lambda c: (c.due, c.order))
    if not (reviews or learning or fresh) and later and later[0].due <= now + LEARN_AHEAD:
        learning, later = later[:1], later[1:]
    return Queue(
        cards=tuple(reviews + learning + fresh),
        review=len(reviews),
        learning=len(learning),
        new=len(fresh),
        next_learning=later[0].due if later else None,
    )


FOCUS_SIZE = 20  # a focus session is short: one sitting on the weak spots


def build_focus_queue(
    studied: Iterable[Candidate],
    new: Iterable[Candidate],
    today: Today,
    now: datetime,
    settings: Settings,
    limits: Limits,
    size: int = FOCUS_SIZE,
) -> Queue:
    """Order a focus session (weak topics, or one passage): what needs work first.

    Order: cards due today (by due time), then the other studied cards from the
    lowest predicted recall up (reviewing them early is what a weak spot needs),
    then unseen cards in bank order, under the daily limit of new cards.
    Siblings of cards answered today wait, as in `build_queue`.

    Args:
        studied: studied cards of the focus (not suspended nor buried by hand).
        new: unseen cards of the focus, in bank order.
        today, now, settings, limits: as for `build_queue`.
        size: the most cards the session holds.

    Returns:
        The queue; `review` counts due and weak cards together.
    """
    end_of_day = next_day_start(now, settings)
    due, weak = [], []
    for card in studied:
        if card.due is None or _buried(card, today):
            continue
        is_due = card.due < end_of_day if card.phase == Phase.REVIEW else card.due <= now
        (due if is_due else weak).append(card)
    due.sort(key=lambda c: (c.due, c.order))
    weak.sort(key=lambda c: (c.recall, c.order))
    picked = (due + weak)[:size]
    new_left = max(0, min(limits.new_per_day - today.new_done, size - len(picked)))
    fresh = _pick_new(new, today, new_left, {c.fact for c in picked})
    learning = sum(1 for c in picked if c.phase in (Phase.LEARNING, Phase.RELEARNING))
    return Queue(
        cards=tuple(picked + fresh),
        review=len(picked) - learning,
        learning=learning,
        new=len(fresh),
    )


@dataclass(frozen=True)
class Heads:
    """The heads of today's piles of one deck and their sizes: what the review loop reads
    (a few rows, whatever the size of the deck) instead of every card of the day.

    All piles already leave out what `build_queue` would skip: siblings of cards answered
    today, suspended and hand-buried cards, cards of other decks.

    Attributes:
        review: the first review due before the day ends; reviews: how many are (unlimited).
        learning: the first learning card due now; learning_count: how many are.
        later: the first two learning cards due later today, in due order.
        new: the first new card in bank order; new_facts: how many facts new cards cover.
    """

    review: Candidate | None = None
    reviews: int = 0
    learning: Candidate | None = None
    learning_count: int = 0
    later: tuple[Candidate, ...] = ()
    new: Candidate | None = None
    new_facts: int = 0


def next_from_heads(heads: Heads, today: Today, now: datetime, limits: Limits) -> Queue:
    """Return the queue `build_queue` would build, holding only its first card.

    Args:
        heads: the heads of the deck's piles and their sizes.
        today: what was studied today (only the counts are used: burying is done).
        now: the current time, aware.
        limits: the daily limits.

    Returns:
        A queue whose `cards` is the first card alone (or empty), with the full counts.
    """
    reviews = min(max(0, limits.reviews_per_day - today.reviews_done), heads.reviews)
    new = min(max(0, limits.new_per_day - today.new_done), heads.new_facts)
    learning, later = heads.learning_count, sorted(heads.later, key=lambda c: (c.due, c.order))
    first = None
    if reviews:
        first = heads.review
    elif learning:
        first = heads.learning
    elif new:
        first = heads.new
    elif later and later[0].due <= now + LEARN_AHEAD:
        first, learning, later = later[0], 1, later[1:]
    return Queue(
        cards=(first,) if first else (),
        review=reviews,
        learning=learning,
        new=new,
        next_learning=later[0].due if later else None,
    )
