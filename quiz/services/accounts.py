"""Accounts: registration, authentication with rate limits, password changes.

Logins are limited as OWASP's authentication cheat sheet describes: failures are counted
per account and IP pair (LOGIN_FAILURES_PER_ACCOUNT_IP, 5), so that someone elsewhere cannot
lock the owner out, under a higher ceiling per account from anywhere
(LOGIN_FAILURES_PER_ACCOUNT, 20) against guessing from many addresses, and per IP
(LOGIN_FAILURES_PER_IP, 20) against one address trying many accounts. A login takes its
slot in every bucket before its password is checked and gives it back when the password
was right, so parallel attempts are never checked more often than the limit allows
(quiz/services/limits.py). Registrations are counted per IP, since the form says when an
e-mail address already has an account.
"""

import logging
import re
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from quiz import metrics
from quiz.db import db, utcnow, write_transaction
from quiz.models import Role, User
from quiz.passwords import passwords
from quiz.services import limits
from quiz.services.limits import RateLimited

__all__ = ["AccountError", "RateLimited"]

# Security events, never with a password or a hash in them.
log = logging.getLogger("quiz.security")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN, PASSWORD_MAX = 10, 128
PAIR_MESSAGE = (
    "Too many failed logins for this e-mail address from your network. Try again in {wait}."
)
ACCOUNT_MESSAGE = (
    "Too many failed logins for this e-mail address from several places, so logins to it are "
    "paused for a while. Try again in {wait}."
)
IP_MESSAGE = "Too many failed logins from your network. Try again in {wait}."
DEACTIVATED_MESSAGE = (
    "This account is deactivated, so it cannot log in. Ask your school's administrator."
)
REGISTER_MESSAGE = "Too many sign-ups from your network. Try again in {wait}."


class AccountError(ValueError):
    """Raised with a message for the user when account data is not acceptable."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    """Return the e-mail address as it is stored: trimmed and lower-case."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """Return the normalized address, or raise AccountError if it is not one."""
    email = normalize_email(email)
    # .invalid is reserved (RFC 2606) and names deleted accounts (quiz/services/deletion.py).
    if len(email) > 254 or not EMAIL_RE.match(email) or email.endswith(".invalid"):
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


def _checked(email: str, name: str, password: str) -> tuple[str, str]:
    """Return the normalized e-mail and name, or raise AccountError naming the field."""
    email = check_email(email)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise AccountError("Enter a name of 1 to 100 characters.", "name")
    check_password(password)
    return email, name


def create_user(
    email: str, name: str, password: str, role: Role = Role.STUDENT, confirmed: bool = True
) -> User:
    """Create an account and return it; `confirmed`: its e-mail address counts as confirmed.

    Raises:
        AccountError: the e-mail, name or password is not acceptable, or the e-mail is taken.
    """
    email, name = _checked(email, name, password)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=Role(role),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    try:
        with write_transaction() as session:
            session.add(user)
    except IntegrityError:
        raise AccountError("An account with this e-mail address already exists.", "email") from None
    return user


def register(email: str, name: str, password: str, ip: str, now: datetime | None = None) -> User:
    """Create a student account from the sign-up form, at most REGISTRATIONS_PER_IP an hour.

    Every sign-up that gets as far as the e-mail check counts, created or not: the answer
    tells whether the address has an account, and each one costs a password hash.

    Raises:
        AccountError: as create_user.
        RateLimited: too many sign-ups from this IP in the window.
    """
    cfg = current_app.config
    _checked(email, name, password)
    ip = ip[:64]
    bucket = limits.Bucket(
        "register-ip",
        ip,
        cfg["REGISTRATIONS_PER_IP"],
        cfg["REGISTRATION_WINDOW_SECONDS"],
        REGISTER_MESSAGE,
    )
    try:
        with write_transaction() as session:
            limits.take(session, [bucket], now or utcnow())
    except RateLimited as refused:
        log.warning("registration refused: ip=%s retry_after=%s", ip, refused.retry_after)
        raise
    try:
        user = create_user(email, name, password, confirmed=False)
    except AccountError as error:
        if error.field == "email":
            log.warning("registration of a taken e-mail: ip=%s", ip)
        raise
    log.info("registration: user=%s ip=%s", user.id, ip)
    return user


def login_buckets(email: str, ip: str) -> list[limits.Bucket]:
    """Return the buckets a login is counted in: account and IP, account, IP."""
    cfg = current_app.config
    window = cfg["LOGIN_WINDOW_SECONDS"]
    return [
        limits.Bucket(
            "login-pair",
            f"{email}|{ip}",
            cfg["LOGIN_FAILURES_PER_ACCOUNT_IP"],
            window,
            PAIR_MESSAGE,
        ),
        limits.Bucket(
            "login-account", email, cfg["LOGIN_FAILURES_PER_ACCOUNT"], window, ACCOUNT_MESSAGE
        ),
        limits.Bucket("login-ip", ip, cfg["LOGIN_FAILURES_PER_IP"], window, IP_MESSAGE),
    ]


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> User | None:
    """Return the user for these credentials, or None; the same for unknown e-mail and bad password.

    The attempt is counted before the password is checked, in the transaction that reads the
    hash; a right password gives its slot back and clears its account and IP pair.

    Raises:
        RateLimited: a bucket of this login is full; the password was not checked.
        AccountError: the password is right but the account is deactivated.
    """
    now = now or utcnow()
    email, ip = normalize_email(email)[:254], ip[:64]
    buckets = login_buckets(email, ip)
    try:
        # Ends before hashing: neither SQLite's write lock nor a pooled connection is held
        # while a login waits its turn to hash.
        with write_transaction() as session:
            slots = limits.take(session, buckets, now)
            user = session.execute(
                select(User).options(undefer(User.password_hash)).where(User.email == email)
            ).scalar_one_or_none()
            limits.prune(session, now)
    except RateLimited as refused:
        log.warning(
            "login refused: limit=%s email=%s ip=%s retry_after=%s",
            refused.scope,
            email,
            ip,
            refused.retry_after,
        )
        raise
    stored = user.password_hash if user else None
    hasher = passwords()
    if stored is None:
        hasher.verify_nobody(password)  # an unknown e-mail costs what a wrong password costs
    elif hasher.verify(stored, password):
        # Hash outside the write transaction: SQLite's write lock is not held while hashing.
        upgrade = hash_password(password) if hasher.needs_rehash(stored) else None
        with write_transaction() as session:
            limits.give_back(session, slots)
            limits.clear(session, buckets[0])
            if upgrade:
                # Only over the hash just checked: a password changed meanwhile stays changed.
                session.execute(
                    update(User)
                    .where(User.id == user.id, User.password_hash == stored)
                    .values(password_hash=upgrade)
                )
        if upgrade:
            log.info("password hash upgraded: user=%s", user.id)
        if not user.active:  # told only to whoever knows the password
            log.warning("login to a deactivated account: user=%s ip=%s", user.id, ip)
            raise AccountError(DEACTIVATED_MESSAGE)
        log.info("login: user=%s ip=%s", user.id, ip)
        return user
    log.warning("login failed: email=%s ip=%s known=%s", email, ip, user is not None)
    metrics.LOGIN_FAILURES.inc()
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
