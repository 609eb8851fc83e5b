"""Rate limits counted in the database: each slot is counted and decided in one statement.

A bucket is a scope ("login-ip") and a key ("203.0.113.7") with a limit per window. Taking a
slot is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING count` on the bucket's row: it
opens a new window when the last one has ended, otherwise adds one, and returns the count
with the window's end. The statement holds the row (PostgreSQL's row lock; SQLite's write
lock, taken at BEGIN IMMEDIATE) until the transaction ends, so two requests never both see
the last free slot, whichever process they run in. Over the limit, the caller's
transaction rolls back: a refused attempt is not counted, so hammering a closed bucket
neither extends its window nor fills another bucket taken with it.

Windows are fixed: they start at the first attempt counted after the last one ended, and
`Retry-After` is the time left in the window that refused. Buckets are taken in sorted
order, and expired rows are pruned last with SKIP LOCKED, so no two transactions wait for
each other in a cycle.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from quiz import metrics
from quiz.db import UTCDateTime
from quiz.models import RateCounter

PRUNE_BATCH = 500  # expired rows deleted per pruning: bounded work for the request that does it


@dataclass(frozen=True)
class Bucket:
    """What is counted, how many per window, and what to tell a refused user ({wait})."""

    scope: str
    key: str
    limit: int
    window_seconds: int
    message: str

    @property
    def row(self) -> tuple[str, str]:
        return (self.scope, self.key)


@dataclass(frozen=True)
class Slot:
    """One counted attempt: its bucket and the end of the window it was counted in."""

    bucket: Bucket
    expires_at: datetime


class RateLimited(Exception):
    """Raised when a bucket is full; carries the scope and the seconds to wait."""

    def __init__(self, message: str, retry_after: int, scope: str):
        super().__init__(message)
        self.retry_after = retry_after
        self.scope = scope


def wait_phrase(seconds: int) -> str:
    """Return how long to wait in words: "40 seconds", "1 minute", "15 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def take(session: Session, buckets: list[Bucket], now: datetime) -> list[Slot]:
    """Count one attempt in every bucket, inside the caller's write transaction.

    Raises:
        RateLimited: a bucket was already full; the caller lets its transaction roll back,
            so nothing is counted. When several are full, the longest wait is reported.
    """
    slots, full = [], []
    for bucket in sorted(buckets, key=lambda b: b.row):
        count, expires_at = session.execute(_count_one(session, bucket, now)).one()
        slots.append(Slot(bucket, expires_at))
        if count > bucket.limit:
            full.append((math.ceil((expires_at - now).total_seconds()), bucket))
    if full:
        seconds, bucket = max(full, key=lambda f: f[0])
        seconds = max(seconds, 1)
        metrics.RATE_LIMITED.labels(bucket.scope).inc()
        raise RateLimited(bucket.message.format(wait=wait_phrase(seconds)), seconds, bucket.scope)
    return slots


def give_back(session: Session, slots: list[Slot]) -> None:
    """Uncount these attempts (they turned out fine), if their window is still the same."""
    for slot in sorted(slots, key=lambda s: s.bucket.row):
        scope, key = slot.bucket.row
        session.execute(
            update(RateCounter)
            .where(
                RateCounter.scope == scope,
                RateCounter.key == key,
                RateCounter.expires_at == slot.expires_at,
                RateCounter.count > 0,
            )
            .values(count=RateCounter.count - 1)
        )


def clear(session: Session, bucket: Bucket) -> None:
    """Forget every attempt counted in this bucket."""
    session.execute(
        delete(RateCounter).where(RateCounter.scope == bucket.scope, RateCounter.key == bucket.key)
    )


def prune(session: Session, now: datetime) -> None:
    """Delete up to PRUNE_BATCH rows whose window has ended; skip rows others hold."""
    expired = (
        select(RateCounter.scope, RateCounter.key)
        .where(RateCounter.expires_at <= now)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(RateCounter).where(tuple_(RateCounter.scope, RateCounter.key).in_(expired))
    )


def _count_one(session: Session, bucket: Bucket, now: datetime):
    """Return the upsert that counts one attempt and returns (count, expires_at)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RateCounter.__table__
    new_end = literal(now + timedelta(seconds=bucket.window_seconds), UTCDateTime())
    ended = table.c.expires_at <= literal(now, UTCDateTime())
    return (
        insert(table)
        .values(scope=bucket.scope, key=bucket.key, count=1, expires_at=new_end)
        .on_conflict_do_update(
            index_elements=[table.c.scope, table.c.key],
            set_={
                "count": case((ended, 1), else_=table.c.count + 1),
                "expires_at": case((ended, new_end), else_=table.c.expires_at),
            },
        )
        .returning(table.c.count, table.c.expires_at)
    )
