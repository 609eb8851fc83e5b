"""Accounts: registration, authentication with a rate limit, password changes."""

import logging
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from quiz.db import db, utcnow, write_transaction
from quiz.models import LoginFailure, Role, User
from quiz.passwords import passwords

# Security events, never with a password or a hash in them.
log = logging.getLogger("quiz.security")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN, PASSWORD_MAX = 10, 128


class AccountError(ValueError):
    """Raised with a message for the user when account data is not acceptable."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class RateLimited(Exception):
    """Raised when too many logins failed recently; carries the seconds to wait."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed logins. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


def normalize_email(email: str) -> str:
    """Return the e-mail address as it is stored: trimmed and lower-case."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """Return the normalized address, or raise AccountError if it is not one."""
    email = normalize_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise AccountError("Enter a valid e-mail address, like name@example.org.", "email")
    return email


def check_password(password: str) -> None:
    """Raise AccountError if the password is too short or too long."""
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Use at least {PASSWORD_MIN} characters for the password.", "password")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Use at most {PASSWORD_MAX} characters for the password.", "password")


def hash_password(password: str) -> str:
    """Return the password's argon2id hash with the configured parameters (PASSWORD_HASH)."""
    return passwords().hash(password)


def create_user(email: str, name: str, password: str, role: Role = Role.STUDENT) -> User:
    """Create an account and return it.

    Raises:
        AccountError: the e-mail, name or password is not acceptable, or the e-mail is taken.
    """
    email = check_email(email)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise AccountError("Enter a name of 1 to 100 characters.", "name")
    check_password(password)
    user = User(email=email, name=name, password_hash=hash_password(password), role=Role(role))
    try:
        with write_transaction() as session:
            session.add(user)
    except IntegrityError:
        raise AccountError("An account with this e-mail address already exists.", "email") from None
    return user


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> User | None:
    """Return the user for these credentials, or None; the same for unknown e-mail and bad password.

    Raises:
        RateLimited: too many failures for this account or this IP inside the window.
    """
    cfg = current_app.config
    now = now or utcnow()
    window = timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"])
    email = normalize_email(email)
    since = now - window
    counts = db.session.execute(
        select(
            func.count().filter(LoginFailure.email == email),
            func.count().filter(LoginFailure.ip == ip),
        ).where(LoginFailure.at >= since, or_(LoginFailure.email == email, LoginFailure.ip == ip))
    ).one()
    if counts[0] >= cfg["LOGIN_FAILURES_PER_ACCOUNT"] or counts[1] >= cfg["LOGIN_FAILURES_PER_IP"]:
        log.warning("login rate-limited: email=%s ip=%s", email, ip)
        raise RateLimited(int(window.total_seconds()))
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    stored = user.password_hash if user else None
    # End the read before hashing: no pooled connection is held while a login waits its turn.
    db.session.commit()
    hasher = passwords()
    if stored is None:
        hasher.verify_nobody(password)  # an unknown e-mail costs what a wrong password costs
    elif hasher.verify(stored, password):
        # Hash outside the write transaction: SQLite's write lock is not held while hashing.
        upgrade = hash_password(password) if hasher.needs_rehash(stored) else None
        with write_transaction() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.email == email))
            if upgrade:
                # Only over the hash just checked: a password changed meanwhile stays changed.
                session.execute(
                    update(User)
                    .where(User.id == user.id, User.password_hash == stored)
                    .values(password_hash=upgrade)
                )
        if upgrade:
            log.info("password hash upgraded: user=%s", user.id)
        log.info("login: user=%s ip=%s", user.id, ip)
        return user
    log.warning("login failed: email=%s ip=%s known=%s", email, ip, user is not None)
    with write_transaction() as session:
        session.add(LoginFailure(email=email[:254], ip=ip[:64], at=now))
        session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    return None


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user so far."""
    log.info("sessions ended: user=%s", user.id)
    with write_transaction() as session:
        session.execute(
            update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
        )
    db.session.refresh(user)


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password and end every other session.

    Raises:
        AccountError: the current password is wrong or the new one is not acceptable.
    """
    if not passwords().verify(user.password_hash, current):
        raise AccountError("The current password is not right.", "current_password")
    check_password(new)
    new_hash = hash_password(new)
    log.info("password changed: user=%s", user.id)
    with write_transaction() as session:
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=new_hash, session_version=User.session_version + 1)
        )
    db.session.refresh(user)
