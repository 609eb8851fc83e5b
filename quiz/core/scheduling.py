"""FSRS scheduling: a card's memory, the four outcomes of a review, and the study day.

Pure: no Flask, no database. The model is FSRS-6: py-fsrs moves a card through
its learning steps and phases, and this module computes the memory update with
the FSRS-6 formulas, as Anki does, so that one rule holds everywhere:

**Elapsed time is counted in study days.** A study day starts at the rollover
hour (4 am) in the student's time zone; the time between two moments is the
number of study days between them, so a review at 11 pm and one at 5 am the next
morning are a day apart, and two reviews at 5 am and 3 am the next night are on
the same day. The memory update (a same-day review uses FSRS's short-term
formula, a later one the long-term formula with the recall predicted after that
many days), the predicted recall (`retrievability`), the optimiser and the
progress figures all count it this way. It is Anki's rule: `compute_memory_state`
of Anki's own backend agrees with `next_states` to 1e-4 on random histories (see
tests/core/test_anki_oracle.py). py-fsrs alone counts whole 24-hour periods instead.

Also here, as an Anki user expects: all four outcomes computed up front (so each
button shows its interval), review intervals in whole study days due at the
rollover, one seeded fuzz per review that keeps Hard < Good < Easy in days (so
the interval shown on a button is the one applied), lapse and leech counting.
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
STABILITY_RANGE = (0.001, 36500.0)  # fsrs-rs's (and so Anki's) bounds, in days
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
    days: int = 0  # the interval in study days when the card goes to review, else 0


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


def elapsed_days(since: datetime, now: datetime, settings: Settings) -> int:
    """Return the study days from `since` to `now`: the one measure of elapsed time.

    0 for two moments of the same study day, however far apart; 1 from 11 pm to
    5 am the next morning (the 4 am rollover lies between). Never below 0.
    """
    return max(0, (study_day(now, settings) - study_day(since, settings)).days)


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


def remember(
    stability: float | None,
    difficulty: float | None,
    days: int,
    rating: Rating,
    parameters: tuple[float, ...],
) -> tuple[float, float]:
    """Return (stability, difficulty) after a review, by the FSRS-6 formulas as Anki computes them.

    Args:
        stability: before the review; None for a card's first review.
        difficulty: before the review; None for a card's first review.
        days: study days since the previous review (see `elapsed_days`): 0 uses the
            short-term formula, more the long-term one with the recall predicted
            after that many days.
        rating: the rating given.
        parameters: the 21 FSRS-6 parameters.

    Returns:
        The new stability (0.001–36500 days) and difficulty (1–10).
    """
    w, r = parameters, int(rating)

    def initial_difficulty(grade: int) -> float:
        return w[4] - math.exp(w[5] * (grade - 1)) + 1

    if stability is None or difficulty is None:
        new_s, new_d = w[r - 1], initial_difficulty(r)
    else:
        if days == 0:
            increase = math.exp(w[17] * (r - 3 + w[18])) * stability ** -w[19]
            new_s = stability * (max(increase, 1.0) if r > 1 else increase)
        else:
            decay = -w[20]
            recall = (1 + (0.9 ** (1 / decay) - 1) * days / stability) ** decay
            if r == 1:
                new_s = min(
                    w[11]
                    * difficulty ** -w[12]
                    * ((stability + 1) ** w[13] - 1)
                    * math.exp((1 - recall) * w[14]),
                    stability / math.exp(w[17] * w[18]),
                )
            else:
                bonus = w[15] if r == 2 else w[16] if r == 4 else 1.0
                new_s = stability * (
                    1
                    + math.exp(w[8])
                    * (11 - difficulty)
                    * stability ** -w[9]
                    * (math.exp((1 - recall) * w[10]) - 1)
                    * bonus
                )
        damped = difficulty - w[6] * (r - 3) * (10 - difficulty) / 9
        new_d = w[7] * initial_difficulty(4) + (1 - w[7]) * damped
    return min(max(new_s, STABILITY_RANGE[0]), STABILITY_RANGE[1]), min(max(new_d, 1.0), 10.0)


def _fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """Anki's fuzz range around an interval, within minimum–maximum (see `_review_days`)."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = 0.0
    if interval >= 2.5:
        delta = 1.0
        for band in FUZZ_RANGES:
            delta += band["factor"] * max(min(interval, band["end"]) - band["start"], 0.0)
    lower = min(max(_round(interval - delta), minimum), maximum)
    upper = min(max(_round(interval + delta), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def _round(value: float) -> int:
    """Round half away from zero, as Rust's `f32::round` (Python's round() goes to even)."""
    return math.floor(value + 0.5)


def _review_days(interval: float, minimum: int, fuzz: float | None, maximum: int) -> int:
    """Return a review interval in whole days, at least `minimum` (and 1), at most `maximum`.

    Anki's rule: without fuzz the interval rounded; with it, a day drawn from the
    fuzz range (about ±5 % of a long interval) by `fuzz`, a number in [0, 1)
    drawn once per review and shared by the buttons, so the fuzz never reorders them.
    """
    minimum = min(max(minimum, 1), maximum)
    if fuzz is None:
        return min(max(_round(interval), minimum), maximum)
    lower, upper = _fuzz_bounds(interval, minimum, maximum)
    return math.floor(lower + fuzz * (1 + upper - lower))


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

    The memory update counts study days since the last review (`remember`).
    Review intervals are whole study days, due at the rollover hour; as in Anki
    each passing button is at least a day longer than the one before it (Hard <
    Good < Easy), and the fuzz (when on) is one number seeded by the card and its
    review count, so the four are always in order and the interval shown on a
    button is the one applied. Within one study day the outcomes do not depend on
    the time of day: a preview shown at 9 am is what a press at 9 pm applies.

    Args:
        memory: the card's memory now.
        now: the review time, aware.
        settings: the student's settings.
        card_id: the card's id (seeds the fuzz).
        ratings: the ratings to return (a review applies one; the buttons show four).
            All four are always computed: each button's minimum depends on the others.

    Returns:
        A dict Rating → Outcome for each of `ratings`.

    Raises:
        ValueError: `now` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    card = _to_card(memory, card_id, now)
    days = elapsed_days(memory.last_review, now, settings) if memory.last_review else 0
    fuzz = random.Random(f"{card_id}:{memory.reps}").random() if settings.fuzz else None
    today = study_day(now, settings)
    decay, factor = forgetting_curve(settings)
    previous = 0  # the days of the last passing button in review, 0 if none
    outcomes = {}
    for rating in Rating:
        new, _log = settings.scheduler.review_card(card, rating, now)
        stability, difficulty = remember(
            memory.stability, memory.difficulty, days, rating, settings.parameters
        )
        due, label, review_days = new.due, interval_label(new.due - now), 0
        if new.state == State.Review:
            ideal = stability / factor * (settings.desired_retention ** (1 / decay) - 1)
            minimum = previous + 1 if rating != Rating.Again else 1
            review_days = _review_days(ideal, minimum, fuzz, settings.maximum_interval)
            if rating != Rating.Again:
                previous = review_days
            due = day_start(today + timedelta(days=review_days), settings)
            label = interval_label(timedelta(days=review_days))
        lapsed = memory.phase == Phase.REVIEW and rating == Rating.Again
        lapses = memory.lapses + (1 if lapsed else 0)
        result = Memory(
            phase=Phase(int(new.state)),
            step=new.step,
            stability=stability,
            difficulty=difficulty,
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
            days=review_days,
        )
    return {rating: outcomes[rating] for rating in ratings}


def forgetting_curve(settings: Settings) -> tuple[float, float]:
    """Return (decay, factor) of the FSRS-6 forgetting curve.

    The predicted recall t study days after the last review (see `elapsed_days`)
    is (1 + factor * t / stability) ** decay, with decay = -w[20] and
    factor = 0.9 ** (1 / decay) - 1 (so recall is 90 % when t equals the stability).
    """
    decay = -settings.parameters[20]
    return decay, 0.9 ** (1 / decay) - 1


def retrievability(memory: Memory, now: datetime, settings: Settings) -> float:
    """Return the predicted probability of recall now (0 for a card never reviewed).

    Elapsed time is counted in study days, as everywhere (see `elapsed_days`).
    """
    if memory.phase == Phase.NEW or memory.stability is None or memory.last_review is None:
        return 0.0
    decay, factor = forgetting_curve(settings)
    days = elapsed_days(memory.last_review, now, settings)
    return (1 + factor * days / memory.stability) ** decay


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
