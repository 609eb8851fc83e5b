"""Anki's own backend as the oracle of the memory update (PyPI `anki`, AGPL: tests only).

Random histories go through `next_states` and, as review-log rows, through Anki's
`compute_memory_state`; stability and difficulty must agree after every review.
The gaps between reviews are drawn to cross the 4 am rollover: under a day but
across it, over a day but not across a second one, and anything from a minute
to two months. Install the oracle with `make .venv/.anki-oracle` (`make test` does).
"""

import random
from datetime import UTC, datetime, timedelta

import pytest

from quiz.core.scheduling import Memory, Phase, Rating, Settings, next_states, study_day

anki_collection = pytest.importorskip("anki.collection", reason="make .venv/.anki-oracle")

HISTORIES = 200
REVIEWS = 15  # per history: 3,000 in all
TOLERANCE = 1e-4  # relative; Anki computes in 32-bit floats
REVLOG_TYPE = {Phase.NEW: 0, Phase.LEARNING: 0, Phase.REVIEW: 1, Phase.RELEARNING: 2}


def _gap(rng: random.Random, now: datetime, settings: Settings) -> timedelta:
    """A time to the next review: often across 4 am within a day, or a day apart not across a
    second 4 am, else anything from a minute to 60 days."""
    kind = rng.random()
    rollover = datetime.combine(
        study_day(now, settings) + timedelta(days=1), datetime.min.time(), UTC
    ) + timedelta(hours=settings.rollover_hour)
    if kind < 0.35:  # just across the next 4 am, under 24 hours after now
        return rollover - now + timedelta(minutes=rng.uniform(1, 300))
    if kind < 0.55:  # 20 to 28 hours: the 24-hour floor and the study days differ
        return timedelta(hours=rng.uniform(20, 28))
    if kind < 0.7:  # the same study day
        return timedelta(minutes=rng.uniform(1, max(1.0, (rollover - now).total_seconds() / 60)))
    return timedelta(minutes=60 * 24 * 60 ** rng.random() / 60 ** (1 - rng.random()) / 24)


def test_memory_matches_ankis_compute_memory_state(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # Anki counts study days in the machine's zone
    settings = Settings(timezone="UTC", fuzz=True)
    col = anki_collection.Collection(str(tmp_path / "oracle.anki2"))
    try:
        col.set_config("fsrs", True)
        config = col.decks.config_dict_for_deck_id(1)
        config["fsrsParams6"] = list(settings.parameters)
        config["desiredRetention"] = settings.desired_retention
        col.decks.update_config(config)
        basic = col.models.by_name("Basic")
        rng = random.Random(15)
        checked, outside, stamps = 0, [], set()
        for history in range(HISTORIES):
            note = col.new_note(basic)
            note["Front"] = f"card {history}"
            col.add_note(note, 1)
            cid = note.cards()[0].id
            memory = Memory()
            now = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.uniform(0, 1e6))
            for n in range(REVIEWS):
                rating = Rating(rng.choices((1, 2, 3, 4), weights=(2, 1, 5, 1))[0])
                outcome = next_states(memory, now, settings, cid)[rating]
                stamp = int(now.timestamp() * 1000)
                assert stamp not in stamps
                stamps.add(stamp)
                col.db.execute(
                    "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                    " values (?, ?, -1, ?, 0, 0, 0, 1000, ?)",
                    stamp,
                    cid,
                    int(rating),
                    REVLOG_TYPE[memory.phase],
                )
                anki = col.compute_memory_state(cid)
                got = outcome.memory
                for name, ours, theirs in (
                    ("stability", got.stability, anki.stability),
                    ("difficulty", got.difficulty, anki.difficulty),
                ):
                    if abs(ours - theirs) > TOLERANCE * abs(theirs):
                        outside.append((history, n, name, ours, theirs))
                checked += 1
                memory = got
                now += _gap(rng, now, settings)
    finally:
        col.close()
    assert checked >= 2800
    assert outside == [], f"{len(outside)} of {checked} reviews differ; first: {outside[:5]}"
