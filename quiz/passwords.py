"""Password hashes: argon2id with OWASP's parameters; older werkzeug hashes still verify.

Argon2id at m=19 MiB, t=2, p=1 costs tens of milliseconds of one core, where the scrypt
N=2^17 used before cost 1-1.5 s. Hashes of another method (werkzeug's `scrypt:...`) or of
other argon2 parameters verify as before and report `needs_rehash`, so the login that
proves the password can store a new hash.

Hashes run on `concurrency` threads of their own per process (PASSWORD_HASH_CONCURRENCY,
default 1), at a lower CPU priority (nice +10, on Linux). argon2-cffi releases the GIL
while it hashes, so without a bound every thread of a worker could be hashing at once
during a login burst: every core and 19 MiB per login go to hashing while the worker's
other requests wait for CPU. With the bound, a process spends at most `concurrency` cores
on hashing and the other logins wait their turn without using CPU or memory; with the
lower priority, a core that hashes still runs any other request first. A login waiting
for its hash holds its request thread, so a worker needs more threads than logins in
flight (gunicorn.conf.py: 32); and the wait gives the process's request slot
(`quiz.slots`) to other requests, so they run meanwhile (bench/login_burst.py measures it).
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash

from quiz.slots import waiting

ARGON2ID = "$argon2id$"
HASHING_NICE = 10  # added to the niceness of the hashing threads


def _lower_priority() -> None:
    """Lower this thread's CPU priority (Linux schedules threads by their own niceness)."""
    # Not Linux, or not allowed: hash at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICE)


class Passwords:
    """Hash and verify passwords with argon2id, `concurrency` hashes at a time."""

    def __init__(
        self, time_cost: int, memory_cost: int, parallelism: int, concurrency: int = 1
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._threads = ThreadPoolExecutor(
            concurrency, thread_name_prefix="password-hash", initializer=_lower_priority
        )
        self._dummy: str | None = None

    def _run(self, work, *args):
        """Run `work` on a hashing thread; the caller's request slot is free meanwhile."""
        with waiting():
            return self._threads.submit(work, *args).result()

    def hash(self, password: str) -> str:
        """Return the argon2id hash of the password, in its encoded form."""
        return self._run(self._hasher.hash, password)

    def verify(self, stored: str, password: str) -> bool:
        """Return whether the password matches the stored hash (argon2 or werkzeug's)."""
        return self._run(self._verify, stored, password)

    def _verify(self, stored: str, password: str) -> bool:
        if stored.startswith("$argon2"):
            try:
                return self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False
        try:
            return check_password_hash(stored, password)
        except ValueError:  # a method werkzeug does not know
            return False

    def verify_nobody(self, password: str) -> None:
        """Check the password against a hash of nothing: an unknown account costs the same."""
        if self._dummy is None:
            self._dummy = self.hash("not anybody's password")
        self.verify(self._dummy, password)

    def needs_rehash(self, stored: str) -> bool:
        """Return whether the hash is of another method or other parameters than ours."""
        return not stored.startswith(ARGON2ID) or self._hasher.check_needs_rehash(stored)


def init_app(app: Flask) -> None:
    """Give the app its hasher, from PASSWORD_HASH and PASSWORD_HASH_CONCURRENCY."""
    app.extensions["quiz.passwords"] = Passwords(
        **app.config["PASSWORD_HASH"], concurrency=app.config["PASSWORD_HASH_CONCURRENCY"]
    )


def passwords() -> Passwords:
    """Return the current app's hasher."""
    return current_app.extensions["quiz.passwords"]
