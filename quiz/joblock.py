"""One run at a time of a scheduled job, on every host that shares the database.

`quiz attempts close-overdue` and `quiz fsrs optimize --all` run from a timer on each host;
started together, the second would redo the first one's work (closing an attempt is gated
to once, but every attempt would be locked and read twice; every user's parameters fitted
twice). So a run first takes the job's lock and, if another run holds it, does nothing.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection kept for
  the run. The server frees it when that connection ends, so a run killed half-way leaves
  no stale lock; nothing is held in a transaction while the job works.
- SQLite: the database is one file on one host, so an exclusive `flock` on a file beside
  it serves the same end, and the kernel frees it when the process dies. Not a lock row
  (it would outlive a killed run) nor BEGIN IMMEDIATE (it would stop every student's
  write for as long as the job runs).
"""

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from quiz.db import db


def _key(job: str) -> int:
    """Return the job's advisory lock key: a stable signed 64-bit number from its name."""
    return zlib.crc32(f"quiz job {job}".encode()) - 2**31


@contextmanager
def _advisory(job: str) -> Iterator[bool]:
    key = _key(job)
    with db.engine.connect() as connection:
        held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        held = bool(held.scalar_one())
        connection.commit()  # the lock is the session's: no transaction stays open meanwhile
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


@contextmanager
def _flock(database: str, job: str) -> Iterator[bool]:
    path = Path(f"{database}.{job}.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def job_lock(job: str) -> Iterator[bool]:
    """Hold the job's lock for the block; yield False (and hold nothing) if a run has it.

    Args:
        job: the job's name, such as "close-overdue".
    """
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        with _advisory(job) as held:
            yield held
    elif url.database and url.database != ":memory:":
        with _flock(url.database, job) as held:
            yield held
    else:  # an in-memory database lives in this process only
        yield True
