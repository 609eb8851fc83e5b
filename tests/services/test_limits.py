from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.db import db, write_transaction
from quiz.models import RateCounter
from quiz.services import limits
from tests.conftest import NOW

BUCKET = limits.Bucket("test", "k", 2, 600, "Wait {wait}.")


def take(app, bucket=BUCKET, now=NOW):
    with app.app_context(), write_transaction() as session:
        return limits.take(session, [bucket], now)


def counters(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(RateCounter)).scalars()
        return {(r.scope, r.key): (r.count, r.expires_at) for r in rows}


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (40, "40 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_the_wait_is_said_in_words_rounded_up(seconds, words):
    assert limits.wait_phrase(seconds) == words


def test_a_full_bucket_refuses_with_the_time_left_in_its_window(app):
    take(app)
    take(app, now=NOW + timedelta(seconds=100))
    with pytest.raises(limits.RateLimited) as refused:
        take(app, now=NOW + timedelta(seconds=170))
    assert (str(refused.value), refused.value.retry_after) == ("Wait 8 minutes.", 430)
    assert refused.value.scope == "test"
    assert counters(app) == {("test", "k"): (2, NOW + timedelta(seconds=600))}


def test_a_new_window_starts_at_the_first_attempt_after_the_last_one_ended(app):
    take(app)
    take(app)
    later = NOW + timedelta(seconds=600)
    take(app, now=later)
    assert counters(app) == {("test", "k"): (1, later + timedelta(seconds=600))}


def test_a_refusal_by_one_bucket_counts_in_none(app):
    other = limits.Bucket("other", "k", 10, 600, "")
    take(app)
    take(app)
    with app.app_context(), pytest.raises(limits.RateLimited), write_transaction() as session:
        limits.take(session, [other, BUCKET], NOW)
    assert counters(app) == {("test", "k"): (2, NOW + timedelta(seconds=600))}


def test_giving_back_uncounts_only_in_the_window_it_was_counted_in(app):
    slots = take(app)
    take(app)
    with app.app_context(), write_transaction() as session:
        limits.give_back(session, slots)
    assert counters(app)[("test", "k")][0] == 1
    later = NOW + timedelta(seconds=700)
    take(app, now=later)  # a new window: the old slot is no longer in it
    with app.app_context(), write_transaction() as session:
        limits.give_back(session, slots)
    assert counters(app) == {("test", "k"): (1, later + timedelta(seconds=600))}


def test_pruning_deletes_only_the_ended_windows(app):
    take(app, limits.Bucket("a", "old", 5, 60, ""))
    take(app, limits.Bucket("a", "new", 5, 600, ""))
    with app.app_context(), write_transaction() as session:
        limits.prune(session, NOW + timedelta(seconds=60))
    assert list(counters(app)) == [("a", "new")]
