import math
import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import fsrs
import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from quiz.core.optimizer import (
    HELD_OUT,
    MIN_CARDS,
    MIN_HELD_OUT,
    MIN_REVIEWS,
    ReviewEvent,
    log_loss,
    optimize,
)

EPOCH = datetime(2024, 1, 1, 12, tzinfo=UTC)  # the very object py-fsrs requires: timezone.utc

# A student who forgets much faster than FSRS's default student: lower initial
# stabilities (w0-w3), slower stability growth (w8) and a steeper forgetting
# curve (w20).
FAST_FORGETTER = (
    0.05, 0.2, 0.5, 2.0, 7.0, 0.6, 2.0, 0.01, 0.9, 0.25, 1.2,
    2.0, 0.1, 0.3, 1.0, 0.3, 2.5, 0.5, 0.1, 0.05, 0.4,
)  # fmt: skip


def simulate_history(
    parameters: tuple[float, ...], cards: int, days: int, seed: int
) -> list[ReviewEvent]:
    """Review each card whenever it is due, recalling it with FSRS's own probability."""
    scheduler = fsrs.Scheduler(parameters=parameters, enable_fuzzing=False)
    rng = random.Random(seed)
    events = []
    for card_id in range(1, cards + 1):
        # New cards are introduced over the first half of the period.
        start = EPOCH + timedelta(days=(card_id - 1) * days // (2 * cards))
        card = fsrs.Card(card_id=card_id, due=start)
        when = start
        while (when - EPOCH).days < days:
            if when == start:
                rating = rng.choices([1, 2, 3, 4], weights=[3, 1, 5, 1])[0]
            elif rng.random() < scheduler.get_card_retrievability(card, when):
                draw = rng.random()
                rating = 2 if draw < 0.1 else 4 if draw > 0.95 else 3
            else:
                rating = 1
            events.append(ReviewEvent(card=card_id, rating=rating, day=(when - EPOCH).days))
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), when)
            when = card.due
    return events


@pytest.fixture(scope="module")
def year():
    """A year of a fast forgetter's reviews on 200 cards, in the order they were made."""
    events = simulate_history(FAST_FORGETTER, cards=200, days=365, seed=7)
    return sorted(events, key=lambda event: event.day)


@pytest.fixture(scope="module")
def fitted(year):
    return optimize(year)


def test_a_year_of_history_changes_the_default_schedule(fitted):
    assert fitted.changed
    assert fitted.parameters != DEFAULT_PARAMETERS
    assert fitted.new_log_loss < fitted.current_log_loss
    current, new = f"{fitted.current_log_loss:.3f}", f"{fitted.new_log_loss:.3f}"
    assert fitted.message == (
        "Your schedule now follows your memory more closely: it predicted better on your"
        f" latest {fitted.held_out} reviews, which it was not fitted to (log loss, lower is"
        f" better: {current} with your current schedule, {new} with the new one)."
    )


def held_out_since(events: list[ReviewEvent]) -> int:
    """The first day of the latest 20 % of the predictable reviews (those on a later day
    than their card's previous review)."""
    last: dict[int, int] = {}
    days = []
    for event in sorted(events, key=lambda e: e.day):
        if event.card in last and event.day > last[event.card]:
            days.append(event.day)
        last[event.card] = event.day
    return sorted(days)[int(len(days) * (1 - HELD_OUT))]


def test_reported_log_losses_are_those_of_the_held_out_reviews(fitted, year):
    since = held_out_since(year)
    assert fitted.current_log_loss == log_loss(year, DEFAULT_PARAMETERS, since=since)
    assert fitted.new_log_loss == log_loss(year, fitted.parameters, since=since)
    assert fitted.held_out == sum(
        1
        for before, event in pairwise(sorted(year, key=lambda e: (e.card, e.day)))
        if before.card == event.card and event.day > before.day and event.day >= since
    )
    assert 0.15 * fitted.reviews < fitted.held_out < 0.25 * fitted.reviews


def test_fitted_parameters_are_accepted_by_the_scheduler(fitted):
    scheduler = fsrs.Scheduler(parameters=fitted.parameters)
    assert len(scheduler.parameters) == 21
    assert all(value == round(value, 4) for value in fitted.parameters)


def test_counts_the_reviews_made_on_a_later_day_than_the_previous_one(fitted, year):
    last_day: dict[int, int] = {}
    predictable = 0
    for event in year:
        predictable += event.card in last_day and event.day > last_day[event.card]
        last_day[event.card] = event.day
    assert (fitted.reviews, fitted.cards) == (predictable, 200)
    assert fitted.reviews < len(year)  # first and same-day reviews are left out


def test_optimising_ignores_the_order_of_cards_in_the_history(fitted, year):
    by_card = sorted(year, key=lambda event: event.card)  # stable: same-day order kept
    assert optimize(by_card) == fitted


def test_the_true_parameters_fit_better_than_the_defaults(year):
    assert log_loss(year, FAST_FORGETTER) < log_loss(year, DEFAULT_PARAMETERS)


def test_too_little_history_keeps_the_defaults():
    days = {1: [0, 0, 1, 3, 3, 8], 2: [0, 2], 3: [5, 5]}  # 10 reviews, 4 predictable
    events = [ReviewEvent(card, 3, day) for card, card_days in days.items() for day in card_days]
    result = optimize(events)
    assert result.parameters == DEFAULT_PARAMETERS
    assert not result.changed
    assert (result.reviews, result.cards) == (4, 2)
    assert result.current_log_loss == log_loss(events, DEFAULT_PARAMETERS)
    assert result.new_log_loss is None
    assert result.message == (
        "Not enough history yet: 4 reviews of 2 cards came a day or more after the card's"
        " previous review; optimising needs at least 625 such reviews of"
        f" {MIN_CARDS} cards (the latest 20% are kept aside to test the result on)."
    )


def test_no_history_has_no_log_loss():
    result = optimize([], current=FAST_FORGETTER)
    assert result.parameters == FAST_FORGETTER
    assert (result.current_log_loss, result.reviews, result.cards) == (None, 0, 0)


def test_current_parameters_are_kept_when_the_fit_is_not_better():
    # On this smaller history the fit is worse than the student's true parameters
    # (as for 18 of the first 20 seeds), so a student already on them keeps them.
    events = simulate_history(FAST_FORGETTER, cards=MIN_CARDS, days=365, seed=0)
    result = optimize(events, current=FAST_FORGETTER)
    assert result.reviews >= MIN_REVIEWS
    assert not result.changed
    assert result.parameters == FAST_FORGETTER
    since = held_out_since(events)
    assert result.current_log_loss == log_loss(events, FAST_FORGETTER, since=since)
    assert result.new_log_loss > result.current_log_loss
    assert result.message.startswith("Kept your current schedule: the new one did not predict")


def test_a_history_the_optimiser_declines_keeps_the_schedule():
    # Above our thresholds, fsrs_rs_python 0.9.3 still returns its defaults
    # unfitted for some histories, as for this one.
    events = simulate_history(FAST_FORGETTER, cards=MIN_CARDS, days=365, seed=3)
    result = optimize(events, current=FAST_FORGETTER)
    assert result.reviews >= MIN_REVIEWS
    assert (result.parameters, result.changed, result.new_log_loss) == (FAST_FORGETTER, False, None)
    assert result.message.startswith("Not enough usable history yet: the optimiser could not")


def test_log_loss_scores_the_recall_fsrs_predicted_after_the_interval():
    # Good twice on day 0, then forgotten on day 3: only the day-3 review is scored,
    # from the memory state the two day-0 reviews left.
    events = [ReviewEvent(1, 3, 0), ReviewEvent(1, 3, 0), ReviewEvent(1, 1, 3)]
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1)
    card, _ = scheduler.review_card(card, fsrs.Rating.Good, EPOCH)
    card, _ = scheduler.review_card(card, fsrs.Rating.Good, EPOCH + timedelta(minutes=10))
    recall = scheduler.get_card_retrievability(card, EPOCH + timedelta(days=3, hours=1))
    assert log_loss(events, DEFAULT_PARAMETERS) == pytest.approx(-math.log(1 - recall), rel=1e-4)


def test_log_loss_needs_a_review_on_a_later_day():
    with pytest.raises(ValueError, match="previous review"):
        log_loss([ReviewEvent(1, 3, 0), ReviewEvent(1, 1, 0)], DEFAULT_PARAMETERS)


def test_parameters_the_scheduler_refuses_are_refused():
    with pytest.raises(ValueError, match="21 parameters"):
        optimize([], current=DEFAULT_PARAMETERS[:19])


def test_a_rating_outside_1_to_4_is_refused():
    with pytest.raises(ValueError, match="rating"):
        ReviewEvent(card=1, rating=5, day=0)


@pytest.mark.parametrize(
    ("truth", "switches"), [(DEFAULT_PARAMETERS, False), (FAST_FORGETTER, True)]
)
def test_new_parameters_are_judged_on_reviews_the_fit_has_not_seen(truth, switches):
    # Two simulated students from the defaults: one whose memory the defaults describe,
    # one who forgets much faster. Fitted on the earlier 80 % of a year, the fit beats the
    # defaults on the latest 20 % only for the second; a fresh year of the same student
    # confirms the choice. (Judged on the history it was fitted to, a fit nearly always
    # won, and the first student switched to parameters that predicted worse.)
    history = sorted(simulate_history(truth, cards=200, days=365, seed=0), key=lambda e: e.day)
    result = optimize(history)
    assert result.changed is switches
    assert result.held_out >= MIN_HELD_OUT
    assert (result.new_log_loss < result.current_log_loss) is switches
    fresh = simulate_history(truth, cards=300, days=365, seed=1000)
    if switches:
        assert log_loss(fresh, result.parameters) < log_loss(fresh, DEFAULT_PARAMETERS)
    else:
        assert result.parameters == DEFAULT_PARAMETERS
