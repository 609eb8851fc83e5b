"""FSRS scheduling: a card's memory, the four outcomes of a review, and the study day.

Pure: no Flask, no database. The FSRS model itself is py-fsrs's; this module
adds what an Anki user expects around it: all four outcomes computed up front
(so each button shows its interval), a study day that rolls over at 4 am in the
student's time zone, fuzz that is the same in the preview and when applied,
lapse and leech counting.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)
RETENTION_RANGE = (0.70, 0.97)
# A zone's offset at 4 am stays at least 7 days between changes (every zone of the
# tz database, 1990–2040), so looking at every 4th day misses none.
OFFSET_SAMPLE = 4


class Phase(IntEnum):
    """Where a card is in its life; the values of 1–3 are py-fsrs's `State`."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True)
class Memory:
    """What the scheduler knows of one student's card.

    Attributes:
        phase: new, learning, review or relearning.
        step: the learning or relearning step, None in review.
        stability: FSRS stability in days (None before the first review).
        difficulty: FSRS difficulty, 1–10 (None before the first review).
        due: when the card is next due (None while new).
        last_review: the time of the last review.
        reps: reviews so far.
        lapses: times the card was forgotten in review.
    """

    phase: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class Settings:
    """A student's scheduling settings, validated at construction.

    Raises:
        ValueError: retention outside 0.70–0.97, bad parameters, unknown time
            zone, or a rollover hour outside 0–23.
    """

    desired_retention: float = 0.9
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS
    timezone: str = "UTC"
    rollover_hour: int = 4
    fuzz: bool = True
    leech_threshold: int = 8
    maximum_interval: int = 36500
    scheduler: Scheduler = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        low, high = RETENTION_RANGE
        if not low <= self.desired_retention <= high:
            raise ValueError(f"desired retention must be between {low} and {high}")
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError("the rollover hour must be between 0 and 23")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        scheduler = Scheduler(
            parameters=tuple(self.parameters),
            desired_retention=self.desired_retention,
            learning_steps=LEARNING_STEPS,
            relearning_steps=RELEARNING_STEPS,
            maximum_interval=self.maximum_interval,
            enable_fuzzing=False,  # fuzz is applied here, seeded, so previews match
        )
        object.__setattr__(self, "scheduler", scheduler)


@dataclass(frozen=True)
class Outcome:
    """The result of rating a card: its new memory and how to show it on the button."""

    rating: Rating
    memory: Memory
    interval: timedelta
    label: str
    lapsed: bool
    leech: bool


def study_day(moment: datetime, settings: Settings) -> date:
    """Return the study day of a moment: the local date, with days starting at the rollover hour.

    Args:
        moment: an aware datetime.
        settings: gives the time zone and the rollover hour.

    Returns:
        The date of the study day (a review at 2 am belongs to the day before).
    """
    local = moment.astimezone(ZoneInfo(settings.timezone))
    return (local - timedelta(hours=settings.rollover_hour)).date()


def day_start(day: date, settings: Settings) -> datetime:
    """Return the UTC moment a study day begins (its rollover hour, local time)."""
    local = datetime.combine(day, time(settings.rollover_hour), tzinfo=ZoneInfo(settings.timezone))
    return local.astimezone(UTC)


def next_day_start(now: datetime, settings: Settings) -> datetime:
    """Return when the current study day ends: cards buried "until tomorrow" come back then."""
    return day_start(study_day(now, settings) + timedelta(days=1), settings)


def rollover_offsets(first: date, days: int, settings: Settings) -> tuple[tuple[int, int], ...]:
    """Return the UTC offsets at the rollover hour over `days` study days, as runs.

    With these a database can compute every `day_start` of the span without a
    time-zone database: day n (the date `first` + n) starts at its rollover hour
    as if local time were UTC, minus the offset of the last run starting at or
    before n. Every OFFSET_SAMPLE-th day is looked at, and a change between two
    of them is narrowed down to its day.

    Args:
        first: the first study day.
        days: how many days from `first` (at least 1).
        settings: gives the time zone and the rollover hour.

    Returns:
        (n, offset in seconds) for day 0 and for every later day whose offset
        differs from the day before's (one run in a zone without daylight saving).
    """
    zone = ZoneInfo(settings.timezone)
    rollover = datetime.combine(first, time(settings.rollover_hour))

    def offset(n: int) -> int:
        return int(zone.utcoffset(rollover + timedelta(days=n)).total_seconds())

    runs = [(0, offset(0))]
    before = 0
    for n in [*range(OFFSET_SAMPLE, days, OFFSET_SAMPLE), days - 1]:
        if n <= before:
            continue
        if offset(n) != runs[-1][1]:
            low, high = before, n  # the offset changes after day low, on or before day high
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == runs[-1][1] else (low, middle)
            runs.append((high, offset(high)))
        before = n
    return tuple(runs)


def _to_card(memory: Memory, card_id: int, now: datetime) -> Card:
    if memory.phase == Phase.NEW:
        return Card(card_id=card_id, state=State.Learning, step=0, due=now)
    return Card(
        card_id=card_id,
        state=State(int(memory.phase)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


def _fuzz_days(days: int, rng: random.Random, maximum: int) -> int:
    """Spread a review interval as py-fsrs does, so cards learnt together drift apart."""
    if days < 2.5:
        return days
    delta = 1.0
    for band in FUZZ_RANGES:
        delta += band["factor"] * max(min(float(days), band["end"]) - band["start"], 0.0)
    low, high = max(2, round(days - delta)), min(round(days + delta), maximum)
    low = min(low, high)
    return min(round(rng.random() * (high - low + 1) + low), maximum)


def interval_label(interval: timedelta) -> str:
    """Return an interval as a button shows it: "1m", "10m", "3h", "4d", "2.5mo", "1.2y"."""
    seconds = max(interval.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}".rstrip("0").rstrip(".") + "mo"
    return f"{days / 365:.1f}".rstrip("0").rstrip(".") + "y"


def next_states(
    memory: Memory,
    now: datetime,
    settings: Settings,
    card_id: int,
    ratings: tuple[Rating, ...] = tuple(Rating),
) -> dict:
    """Compute the outcome of each of the four ratings, as Anki's `next_states` does.

    Review intervals are whole days, counted in study days and due at the
    rollover hour; fuzz (when on) is seeded by the card and its review count,
    so the interval shown on a button is the one applied.

    Args:
        memory: the card's memory now.
        now: the review time, aware.
        settings: the student's settings.
        card_id: the card's id (seeds the fuzz).
        ratings: the ratings to compute (a review applies one; the buttons show four).

    Returns:
        A dict Rating → Outcome for each of `ratings`.

    Raises:
        ValueError: `now` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    card = _to_card(memory, card_id, now)
    outcomes = {}
    for rating in ratings:
        new, _log = settings.scheduler.review_card(card, rating, now)
        due, label = new.due, interval_label(new.due - now)
        if new.state == State.Review:
            days = max(1, math.floor((due - now).total_seconds() / 86400))
            if settings.fuzz:
                seed = f"{card_id}:{memory.reps}:{int(rating)}"
                days = _fuzz_days(days, random.Random(seed), settings.maximum_interval)
            due = day_start(study_day(now, settings) + timedelta(days=days), settings)
            label = interval_label(timedelta(days=days))
        lapsed = memory.phase == Phase.REVIEW and rating == Rating.Again
        lapses = memory.lapses + (1 if lapsed else 0)
        result = Memory(
            phase=Phase(int(new.state)),
            step=new.step,
            stability=new.stability,
            difficulty=new.difficulty,
            due=due,
            last_review=now,
            reps=memory.reps + 1,
            lapses=lapses,
        )
        outcomes[rating] = Outcome(
            rating=rating,
            memory=result,
            interval=due - now,
            label=label,
            lapsed=lapsed,
            # Anki's rule: a leech at the threshold, then again every half-threshold,
            # so a card unsuspended by the student is not suspended again at once.
            leech=lapsed
            and lapses >= settings.leech_threshold
            and (lapses - settings.leech_threshold) % max(1, settings.leech_threshold // 2) == 0,
        )
    return outcomes


def forgetting_curve(settings: Settings) -> tuple[float, float]:
    """Return (decay, factor) of the FSRS-6 forgetting curve, as py-fsrs computes them.

    The predicted recall t whole days after the last review is
    (1 + factor * t / stability) ** decay, with decay = -w[20] and
    factor = 0.9 ** (1 / decay) - 1 (so recall is 90 % when t equals the stability).
    """
    decay = -settings.parameters[20]
    return decay, 0.9 ** (1 / decay) - 1


def retrievability(memory: Memory, now: datetime, settings: Settings) -> float:
    """Return the predicted probability of recall now (0 for a card never reviewed)."""
    if memory.phase == Phase.NEW or memory.stability is None or memory.last_review is None:
        return 0.0
    card = _to_card(memory, 0, now)
    return float(settings.scheduler.get_card_retrievability(card, now.astimezone(UTC)))


def memory_to_dict(memory: Memory) -> dict:
    """Serialize a memory to JSON-able values (for the review log and undo)."""
    return {
        "phase": int(memory.phase),
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due.isoformat() if memory.due else None,
        "last_review": memory.last_review.isoformat() if memory.last_review else None,
        "reps": memory.reps,
        "lapses": memory.lapses,
    }
