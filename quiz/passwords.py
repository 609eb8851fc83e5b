"""Password hashes: argon2id with OWASP's parameters; older werkzeug hashes still verify.

Argon2id at m=19 MiB, t=2, p=1 costs tens of milliseconds of one core, where the scrypt
N=2^17 used before cost 1-1.5 s. Hashes of another method (werkzeug's `scrypt:...`) or of
other argon2 parameters verify as before and report `needs_rehash`, so the login that
proves the password can store a new hash.

Hashing runs under a semaphore, `concurrency` hashes at a time per process
(PASSWORD_HASH_CONCURRENCY, default 1). argon2-cffi releases the GIL while it hashes, so
without a bound every thread of a worker could be hashing at once during a login burst:
every core and 19 MiB per login go to hashing while the worker's other requests wait for
CPU. With the bound, a process spends at most `concurrency` cores on hashing, its other
threads keep running beside the one that hashes (that one does not hold the GIL), and the
other logins wait their turn without using CPU or memory. A login waiting for its turn
still holds its thread, so the bound only helps when a worker has more threads than
logins in flight: with gunicorn.conf.py's one thread per worker, a request queues behind
every login that worker has accepted (bench/login_burst.py measures it).
"""

import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash

ARGON2ID = "$argon2id$"


class Passwords:
    """Hash and verify passwords with argon2id, `concurrency` hashes at a time."""

    def __init__(
        self, time_cost: int, memory_cost: int, parallelism: int, concurrency: int = 1
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._slots = threading.BoundedSemaphore(concurrency)
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """Return the argon2id hash of the password, in its encoded form."""
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        """Return whether the password matches the stored hash (argon2 or werkzeug's)."""
        with self._slots:
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
