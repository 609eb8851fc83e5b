"""Password hashes: argon2id with OWASP's parameters; older werkzeug hashes still verify.

Argon2id at m=19 MiB, t=2, p=1 costs tens of milliseconds of one core, where the scrypt
N=2^17 used before cost 1-1.5 s. Hashes of another method (werkzeug's `scrypt:...`) or of
other argon2 parameters verify as before and report `needs_rehash`, so the login that
proves the password can store a new hash.
"""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash

ARGON2ID = "$argon2id$"


class Passwords:
    """Hash and verify passwords with argon2id."""

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """Return the argon2id hash of the password, in its encoded form."""
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        """Return whether the password matches the stored hash (argon2 or werkzeug's)."""
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
    """Give the app its hasher, with the parameters in PASSWORD_HASH."""
    app.extensions["quiz.passwords"] = Passwords(**app.config["PASSWORD_HASH"])


def passwords() -> Passwords:
    """Return the current app's hasher."""
    return current_app.extensions["quiz.passwords"]
