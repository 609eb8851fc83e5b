from datetime import UTC, datetime, timedelta

import pytest

from quiz.core.queue import Candidate, Limits, Today, build_queue
from quiz.core.scheduling import Phase, Settings

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # study day 2 March; it ends 3 March 04:00
SETTINGS = Settings(fuzz=False)


def card(qid, phase, due, fact=None, order=0):
    return Candidate(qid, fact or f"f{qid}", phase, due, order)


def new(qid, order, fact=None):
    return Candidate(qid, fact or f"f{qid}", Phase.NEW, None, order)


def ids(queue):
    return [c.question_id for c in queue.cards]


def test_due_reviews_then_due_learning_then_new_cards():
    studied = [
        card(1, Phase.LEARNING, NOW - timedelta(minutes=1)),
        card(2, Phase.REVIEW, NOW - timedelta(days=2)),
        card(3, Phase.REVIEW, NOW + timedelta(hours=12)),  # due before the rollover: today
        card(4, Phase.REVIEW, NOW + timedelta(hours=14)),  # after 04:00 tomorrow: not today
        card(5, Phase.RELEARNING, NOW - timedelta(minutes=5)),
        card(6, Phase.LEARNING, NOW + timedelta(hours=1)),  # step not due yet
    ]
    queue = build_queue(studied, [new(7, 1), new(8, 0)], Today(), NOW, SETTINGS, Limits())
    assert ids(queue) == [2, 3, 5, 1, 8, 7]
    assert (queue.review, queue.learning, queue.new) == (2, 2, 2)
    assert queue.next_learning == NOW + timedelta(hours=1)


def test_new_cards_stop_at_the_daily_limit_counting_those_done_today():
    fresh = [new(n, n) for n in range(10)]
    queue = build_queue([], fresh, Today(new_done=17), NOW, SETTINGS, Limits(new_per_day=20))
    assert ids(queue) == [0, 1, 2]


def test_reviews_stop_at_the_daily_limit():
    due = [card(n, Phase.REVIEW, NOW - timedelta(hours=n)) for n in range(1, 6)]
    queue = build_queue(due, [], Today(reviews_done=198), NOW, SETTINGS, Limits())
    assert ids(queue) == [5, 4]  # the most overdue first


def test_siblings_of_a_card_answered_today_wait_until_tomorrow():
    studied = [
        card(1, Phase.LEARNING, NOW - timedelta(minutes=1), fact="belgrade"),  # answered today
        card(2, Phase.REVIEW, NOW - timedelta(days=1), fact="belgrade"),  # sibling: buried
        card(3, Phase.REVIEW, NOW - timedelta(days=1), fact="munich"),
    ]
    fresh = [new(4, 0, fact="belgrade"), new(5, 1, fact="berlin"), new(6, 2, fact="berlin")]
    today = Today(answered=frozenset({1}), answered_facts=frozenset({"belgrade"}))
    queue = build_queue(studied, fresh, today, NOW, SETTINGS, Limits())
    # 1 stays (it is the card being learnt); 2 and 4 are buried; only one new berlin card a day
    assert ids(queue) == [3, 1, 5]


def test_learning_cards_come_a_little_early_when_nothing_else_is_left():
    soon = card(1, Phase.LEARNING, NOW + timedelta(minutes=8))
    later = card(2, Phase.LEARNING, NOW + timedelta(minutes=45))
    queue = build_queue([soon, later], [], Today(), NOW, SETTINGS, Limits())
    assert ids(queue) == [1]
    assert queue.next_learning == NOW + timedelta(minutes=45)
    assert ids(build_queue([later], [], Today(), NOW, SETTINGS, Limits())) == []


def test_the_day_ends_at_the_users_rollover():
    shanghai = Settings(timezone="Asia/Shanghai", fuzz=False)  # day ends 2 March 20:00 UTC
    due = card(1, Phase.REVIEW, datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    assert ids(build_queue([due], [], Today(), NOW, shanghai, Limits())) == []
    assert ids(build_queue([due], [], Today(), NOW, SETTINGS, Limits())) == [1]


@pytest.mark.parametrize("values", [(-1, 200), (20, 10_000)])
def test_limits_are_validated(values):
    with pytest.raises(ValueError, match="must be between 0 and 9999"):
        Limits(*values)


def test_a_focus_session_takes_due_cards_then_the_weakest_then_unseen_ones():
    from quiz.core.queue import build_focus_queue

    studied = [
        Candidate(1, "a", Phase.REVIEW, NOW + timedelta(days=5), 0, recall=0.95),
        Candidate(2, "b", Phase.REVIEW, NOW - timedelta(days=1), 1, recall=0.70),  # due
        Candidate(3, "c", Phase.REVIEW, NOW + timedelta(days=9), 2, recall=0.40),
        Candidate(4, "d", Phase.LEARNING, NOW - timedelta(minutes=2), 3, recall=0.30),  # due
        Candidate(5, "e", Phase.REVIEW, NOW + timedelta(days=2), 4, recall=0.60),
    ]
    fresh = [new(6, 0, fact="f"), new(7, 1, fact="a"), new(8, 2, fact="g")]
    queue = build_focus_queue(studied, fresh, Today(), NOW, SETTINGS, Limits())
    # due (by due time), then weakest recall first, then unseen (not a sibling of a picked card)
    assert ids(queue) == [2, 4, 3, 5, 1, 6, 8]
    assert (queue.review, queue.learning, queue.new) == (4, 1, 2)


def test_a_focus_session_is_short_and_respects_the_new_card_limit():
    from quiz.core.queue import build_focus_queue

    studied = [
        Candidate(n, f"f{n}", Phase.REVIEW, NOW + timedelta(days=3), n, recall=n / 100)
        for n in range(30)
    ]
    queue = build_focus_queue(studied, [new(99, 0)], Today(), NOW, SETTINGS, Limits())
    assert ids(queue) == list(range(20))
    only_new = build_focus_queue(
        [],
        [new(n, n) for n in range(30)],
        Today(new_done=15),
        NOW,
        SETTINGS,
        Limits(new_per_day=20),
    )
    assert ids(only_new) == [0, 1, 2, 3, 4]
