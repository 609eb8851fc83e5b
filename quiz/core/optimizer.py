"""Fit one student's FSRS parameters to their own review history.

Pure: the caller loads the student's reviews as `ReviewEvent`s (study days
already adjusted for the 4 am rollover and time zone) and stores the returned
parameters; nothing here touches Flask or the database. Fitting uses the Rust
optimiser `fsrs_rs_python` (no torch), which is seeded and so deterministic.

What counts: a review is *predictable* when the same card was last reviewed on
an earlier day, so FSRS has a whole-day interval to predict recall over. Every
other review (a card's first, or a second one on the same day) still shapes the
card's memory state but is not scored. `Optimization.reviews` counts the
predictable reviews and `Optimization.cards` the cards with at least one, that
is the cards reviewed on at least two different days.

How new parameters are judged (srs-benchmark's time-series split): they are
fitted on the earlier part of the history only, and both the current and the new
parameters predict the later part, the latest `HELD_OUT` of the predictable
reviews, which the fit has not seen. The new ones are kept only if their log loss
there is lower. Judged on the history they were fitted to, new parameters would
nearly always win, even for a student whose memory the current ones already
describe: a fit chases noise.

Elapsed time is the study-day gap (`quiz.core.scheduling.elapsed_days`), as in
the scheduler: parameters are fitted under the rule they are applied under.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import fsrs_rs_python
from fsrs import Scheduler
from fsrs.scheduler import (
    DEFAULT_PARAMETERS,
    LOWER_BOUNDS_PARAMETERS,
    UPPER_BOUNDS_PARAMETERS,
)

# Thresholds, measured on simulated students (a year of reviews on N cards,
# fitted, then scored on a fresh year of 300 cards by the same student):
# - below about 150 predictable reviews fsrs_rs_python 0.9.3 raises
#   NotEnoughData and below about 500 it mostly returns its defaults unfitted,
#   so asking it earlier only produces a no-op;
# - from 50 cards on, a switch (a fit beating the current parameters on the
#   history) beat the defaults on the fresh year by about 0.01 log loss on
#   average for students clearly faster or slower than the defaults, broke even
#   for a mildly different one, and cost at most 0.009 for one matching the
#   defaults exactly (a fit always chases some noise); from about 500
#   predictable reviews on, every switch helped the slow and fast students.
# MIN_CARDS matters on its own: the initial stabilities (4 of the 21
# parameters) are learnt from each card's first interval, one per card, so 500
# reviews of a handful of cards say little about them.
# Both thresholds apply to the earlier part, the one fitted to.
MIN_REVIEWS = 500
MIN_CARDS = 50
# The share of the predictable reviews, the latest, held out to judge the fit on,
# and the fewest held-out reviews that judge it.
HELD_OUT = 0.2
MIN_HELD_OUT = 100

# Predicted recall is clamped so one confident miss costs at most ln(10^4) ≈ 9.2
# instead of an unbounded amount.
_CLAMP = 1e-4
# Parameters are stored with 4 decimals, like py-fsrs's defaults.
_DECIMALS = 4


@dataclass(frozen=True)
class ReviewEvent:
    """One review of one card by the student whose history is optimised.

    Attributes:
        card: the card's id (the question id).
        rating: 1 Again, 2 Hard, 3 Good, 4 Easy; above 1 counts as recalled.
        day: the study day of the review (days since a fixed epoch, already
            adjusted for the student's day rollover and time zone). Reviews of
            a card on the same day keep their order in the event sequence.

    Raises:
        ValueError: if the rating is not 1 to 4.
    """

    card: int
    rating: int
    day: int

    def __post_init__(self) -> None:
        if self.rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1 to 4, got {self.rating!r}")


@dataclass(frozen=True)
class Optimization:
    """The outcome of optimising one student's parameters.

    Attributes:
        parameters: the 21 parameters to use from now on: the fitted ones when
            `changed`, else the current ones.
        current_log_loss: log loss of the current parameters on the held-out
            reviews (on the whole history when none is held out); None when no
            review is predictable.
        new_log_loss: log loss of the fitted parameters on the held-out reviews;
            None when nothing was fitted (too little history).
        changed: True only when the fitted parameters have a strictly lower log
            loss than the current ones on the held-out reviews.
        reviews: the number of predictable reviews (see the module docstring).
        cards: the number of cards with at least one predictable review, i.e.
            reviewed on at least two different days.
        message: one sentence for the student.
        held_out: the number of predictable reviews held out of the fit and
            scored (0 when nothing was fitted).
    """

    parameters: tuple[float, ...]
    current_log_loss: float | None
    new_log_loss: float | None
    changed: bool
    reviews: int
    cards: int
    message: str
    held_out: int = 0


@dataclass(frozen=True)
class _CardHistory:
    """One card's reviews in order, with their study days and the days since the previous one."""

    ratings: tuple[int, ...]
    gaps: tuple[int, ...]
    days: tuple[int, ...] = ()

    @property
    def predictable(self) -> tuple[int, ...]:
        """Return the indexes of the reviews made on a later day than the previous one."""
        return tuple(i for i, gap in enumerate(self.gaps) if i > 0 and gap > 0)

    def item(self, end: int | None = None) -> fsrs_rs_python.FSRSItem:
        """Return the reviews up to `end` (exclusive) as an FSRS item."""
        pairs = list(zip(self.ratings, self.gaps, strict=True))[:end]
        return fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, g) for r, g in pairs])


def optimize(events: Sequence[ReviewEvent], current: Sequence[float] | None = None) -> Optimization:
    """Fit FSRS parameters to the earlier part of a history; keep them only if they
    predict the later part better than the current ones.

    The latest `HELD_OUT` of the predictable reviews (from the first day they
    reach, so a day is never split) are held out; the parameters fitted by
    fsrs_rs_python to the reviews before (rounded to 4 decimals and clamped to
    `fsrs.Scheduler`'s bounds) replace the current ones only when their log loss
    on the held-out reviews is strictly lower. Memory states for a held-out
    review come from replaying every earlier review of its card. With fewer
    than `MIN_REVIEWS` predictable reviews or `MIN_CARDS` cards before the
    held-out ones, or fewer than `MIN_HELD_OUT` held out, nothing is fitted.

    Args:
        events: one student's reviews, in any order across cards.
        current: the student's parameters now; py-fsrs's defaults when None.

    Returns:
        The parameters to use, both log losses, the counts and a message.

    Raises:
        ValueError: if `current` is not 21 values within `fsrs.Scheduler`'s bounds.
    """
    current_parameters = tuple(DEFAULT_PARAMETERS if current is None else current)
    _check(current_parameters)
    histories = _histories(events)
    reviews = sum(len(h.predictable) for h in histories)
    cards = sum(1 for h in histories if h.predictable)
    split = _split_day(histories, reviews)
    early = sum(1 for h in histories for i in h.predictable if h.days[i] < split)
    early_cards = sum(1 for h in histories if any(h.days[i] < split for i in h.predictable))
    held_out = reviews - early
    if reviews == 0:
        current_loss = None
    elif early >= MIN_REVIEWS and early_cards >= MIN_CARDS and held_out >= MIN_HELD_OUT:
        current_loss = _log_loss(histories, current_parameters, since=split)
    else:
        current_loss = _log_loss(histories, current_parameters)

    def kept(message: str) -> Optimization:
        return Optimization(current_parameters, current_loss, None, False, reviews, cards, message)

    if early < MIN_REVIEWS or early_cards < MIN_CARDS or held_out < MIN_HELD_OUT:
        return kept(
            f"Not enough history yet: {_count(reviews, 'review')} of {_count(cards, 'card')}"
            " came a day or more after the card's previous review; optimising needs at"
            f" least {math.ceil(MIN_REVIEWS / (1 - HELD_OUT))} such reviews of"
            f" {MIN_CARDS} cards (the latest {HELD_OUT:.0%} are kept aside to test the"
            " result on)."
        )
    fitted = _fit(histories, before=split)
    if fitted is None:
        return kept(
            "Not enough usable history yet: the optimiser could not fit"
            f" {_count(early, 'review')} of {_count(early_cards, 'card')},"
            " so your schedule stays as it is."
        )
    new_loss = _log_loss(histories, fitted, since=split)
    assert current_loss is not None  # reviews >= MIN_REVIEWS > 0
    new_text, current_text = _figures(new_loss, current_loss)
    tested = (
        f"on your latest {_count(held_out, 'review')}, which it was not fitted to"
        f" (log loss, lower is better: {current_text} with your current schedule,"
        f" {new_text} with the new one)"
    )
    if new_loss < current_loss:
        return Optimization(
            fitted,
            current_loss,
            new_loss,
            True,
            reviews,
            cards,
            f"Your schedule now follows your memory more closely: it predicted better {tested}.",
            held_out,
        )
    return Optimization(
        current_parameters,
        current_loss,
        new_loss,
        False,
        reviews,
        cards,
        f"Kept your current schedule: the new one did not predict better {tested}.",
        held_out,
    )


def _split_day(histories: list[_CardHistory], reviews: int) -> int:
    """Return the first day of the held-out reviews: the day of the predictable review
    that starts the latest `HELD_OUT` of them (later than any day when there is none)."""
    days = sorted(h.days[i] for h in histories for i in h.predictable)
    if not days:
        return 0
    return days[min(len(days) - 1, int(reviews * (1 - HELD_OUT)))]


def log_loss(
    events: Sequence[ReviewEvent], parameters: Sequence[float], since: int | None = None
) -> float:
    """Score parameters on a history: the mean binary cross-entropy of predicted recall.

    Every predictable review (one made on a later day than the card's previous
    review) is scored: FSRS's retrievability after the interval, from the
    memory state the card had after its previous review, against whether it
    was recalled (rating above 1). Memory states come from fsrs_rs_python and
    replay every review, same-day ones included; the retrievability
    (1 + factor·t/S)^(−decay) is computed here in double precision, clamped to
    [1e-4, 1 − 1e-4], and the terms summed exactly (`math.fsum`), so the value
    is deterministic and does not depend on the order of `events` across
    cards. fsrs_rs_python's own `evaluate` is not used: on the same items it
    returns different log losses depending on their order.

    Args:
        events: one student's reviews, in any order across cards.
        parameters: 21 FSRS parameters.
        since: score only the reviews of this day or later (earlier ones still
            shape the memory states); all when None.

    Returns:
        The mean log loss over the predictable reviews scored.

    Raises:
        ValueError: if no review scored is predictable, or `parameters` is not 21
            values within `fsrs.Scheduler`'s bounds.
    """
    parameters = tuple(parameters)
    _check(parameters)
    histories = _histories(events)
    if not any(since is None or h.days[i] >= since for h in histories for i in h.predictable):
        raise ValueError("no review came a day or more after its card's previous review")
    return _log_loss(histories, parameters, since)


def _histories(events: Sequence[ReviewEvent]) -> list[_CardHistory]:
    """Group the events by card, sort each card's reviews by day and measure the gaps."""
    by_card: dict[int, list[ReviewEvent]] = defaultdict(list)
    for event in events:
        by_card[event.card].append(event)
    histories = []
    for card in sorted(by_card):
        reviews = sorted(by_card[card], key=lambda event: event.day)  # stable: same-day order
        gaps = [0] + [after.day - before.day for before, after in pairwise(reviews)]
        histories.append(
            _CardHistory(
                tuple(r.rating for r in reviews), tuple(gaps), tuple(r.day for r in reviews)
            )
        )
    return histories


def _log_loss(
    histories: list[_CardHistory], parameters: tuple[float, ...], since: int | None = None
) -> float:
    """Return the mean log loss of the predictable reviews (of those on day `since` or
    later, when given; there must be one)."""
    model = fsrs_rs_python.FSRS(list(parameters))
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    losses = []
    for history in histories:
        predictable = [i for i in history.predictable if since is None or history.days[i] >= since]
        if not predictable:
            continue
        states = model.historical_memory_states(history.item())
        for i in predictable:
            stability = states[i - 1].stability
            recall = (1 + factor * history.gaps[i] / stability) ** -decay
            recall = min(max(recall, _CLAMP), 1 - _CLAMP)
            losses.append(-math.log(recall if history.ratings[i] > 1 else 1 - recall))
    return math.fsum(losses) / len(losses)


def _fit(histories: list[_CardHistory], before: int) -> tuple[float, ...] | None:
    """Fit parameters with fsrs_rs_python to the reviews before day `before`; None when
    it declines to fit.

    One training item per predictable review before that day, holding the card's
    reviews up to and including it. Items ending in a same-day review are left out: they
    have no interval to predict, `evaluate` rejects them, and an item without
    any review on a later day makes `compute_parameters` panic.
    """
    items = [h.item(i + 1) for h in histories for i in h.predictable if h.days[i] < before]
    model = fsrs_rs_python.FSRS(list(fsrs_rs_python.DEFAULT_PARAMETERS))
    try:
        fitted = model.compute_parameters(items)
    except ValueError as error:
        if str(error) == "NotEnoughData":
            return None
        raise
    if list(fitted) == list(fsrs_rs_python.DEFAULT_PARAMETERS):
        return None  # what it returns when the data is too thin to train on
    if len(fitted) != len(DEFAULT_PARAMETERS):  # an FSRS-4.5/5 set: 17 or 19 values
        fitted = fsrs_rs_python.check_and_fill_parameters(fitted)
    parameters = tuple(
        min(max(round(value, _DECIMALS), low), high)
        for value, low, high in zip(
            fitted, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )
    _check(parameters)
    return parameters


def _check(parameters: tuple[float, ...]) -> None:
    """Raise ValueError unless fsrs.Scheduler accepts the parameters."""
    Scheduler(parameters=parameters, enable_fuzzing=False)


def _figures(new: float, current: float) -> tuple[str, str]:
    """Format two log losses with 3 decimals, or more when 3 would show them equal."""
    decimals = 3
    while decimals < 6 and f"{new:.{decimals}f}" == f"{current:.{decimals}f}":
        decimals += 1
    return f"{new:.{decimals}f}", f"{current:.{decimals}f}"


def _count(number: int, noun: str) -> str:
    """Return e.g. "1 card" or "5 cards"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
