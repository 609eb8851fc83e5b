"""Password reset links: signed, valid PASSWORD_RESET_MAX_AGE, usable once.

A link carries the user's id, the time it was issued, and a fingerprint of the account's
current password hash and session version, signed with the SECRET_KEY. Resetting changes
both, so a used link no longer matches; so does a link sent before the password was
changed, or before a logout or a deactivation ended the account's sessions. Nothing is
stored: the account itself says whether a link is still good. The reset is one UPDATE
conditional on the hash and version the link was checked against, so two uses at once
cannot both succeed.

Requests are counted per address and per IP (PASSWORD_RESETS_PER_ADDRESS and _PER_IP in
PASSWORD_RESET_WINDOW_SECONDS), known address or not, and answered alike either way.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from quiz import mail
from quiz.db import db, utcnow, write_transaction
from quiz.models import User
from quiz.services import limits
from quiz.services.accounts import AccountError, check_password, hash_password, normalize_email

log = logging.getLogger("quiz.security")
SALT = "password-reset"
ADDRESS_MESSAGE = "Several reset links were already asked for this address. Try again in {wait}."
IP_MESSAGE = "Too many reset links were asked for from your network. Try again in {wait}."
BROKEN = (
    "This reset link is not complete. Copy the whole link from the message, or ask for a new one."
)
EXPIRED = "This reset link has expired: links work for one hour. Ask for a new one."
SPENT = (
    "This reset link no longer works: it was already used, or the password was changed "
    "after it was sent. Ask for a new one if you still need it."
)
CLOSED = "This account is deactivated. Ask your school's administrator."


class ResetRefused(AccountError):
    """Raised with the message for the user when a reset link cannot be used."""


@dataclass(frozen=True)
class ResetLink:
    user: User
    url: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(password_hash: str, session_version: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    state = f"{password_hash}|{session_version}".encode()
    return hmac.new(key, state, hashlib.sha256).hexdigest()[:24]


def _account(user_id: int) -> User | None:
    return db.session.execute(
        select(User)
        .options(undefer(User.password_hash))
        .where(User.id == user_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def make_link(user: User, now: datetime | None = None) -> ResetLink:
    """Return the reset link for this account as it is now."""
    account = _account(user.id)
    issued = int((now or utcnow()).timestamp())
    token = _serializer().dumps(
        {
            "u": account.id,
            "t": issued,
            "f": _fingerprint(account.password_hash, account.session_version),
        }
    )
    return ResetLink(account, mail.external_url("recovery.reset_password", token=token))


def request_reset(email: str, ip: str, now: datetime | None = None) -> None:
    """Send a reset link to this address if it has an active account; the same either way.

    Raises:
        RateLimited: too many requests for this address or from this IP in the window.
        MailError: the SMTP server did not take the message (logged, not shown to the user).
    """
    cfg = current_app.config
    now = now or utcnow()
    email, ip = normalize_email(email)[:254], ip[:64]
    window = cfg["PASSWORD_RESET_WINDOW_SECONDS"]
    buckets = [
        limits.Bucket(
            "reset-address", email, cfg["PASSWORD_RESETS_PER_ADDRESS"], window, ADDRESS_MESSAGE
        ),
        limits.Bucket("reset-ip", ip, cfg["PASSWORD_RESETS_PER_IP"], window, IP_MESSAGE),
    ]
    try:
        with write_transaction() as session:
            limits.take(session, buckets, now)
            user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    except limits.RateLimited as refused:
        log.warning("reset refused: limit=%s email=%s ip=%s", refused.scope, email, ip)
        raise
    if user is None or not user.active:
        log.info("reset asked for no active account: email=%s ip=%s", email, ip)
        return
    send_link(user, now)
    log.info("reset link sent: user=%s ip=%s", user.id, ip)


def send_link(user: User, now: datetime | None = None) -> ResetLink:
    """E-mail a reset link to the account's address and return it.

    Raises:
        MailError: the SMTP server did not take the message.
    """
    link = make_link(user, now)
    message = mail.compose(
        user.email,
        "Reset your quiz password",
        "password_reset",
        name=user.name,
        url=link.url,
        hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )
    mail.send(message)
    return link


def check_link(token: str, now: datetime | None = None) -> tuple[User, str, int]:
    """Return the account a link resets, with the hash and version it was issued for.

    Raises:
        ResetRefused: the link is broken, expired, already used or outdated, or the account
            is deactivated.
    """
    try:
        data = _serializer().loads(token)
        user_id, issued, fingerprint = int(data["u"]), int(data["t"]), str(data["f"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise ResetRefused(BROKEN) from None
    age = (now or utcnow()).timestamp() - issued
    if not 0 <= age <= current_app.config["PASSWORD_RESET_MAX_AGE"]:
        raise ResetRefused(EXPIRED)
    user = _account(user_id)
    if user is None or not hmac.compare_digest(
        fingerprint, _fingerprint(user.password_hash, user.session_version)
    ):
        raise ResetRefused(SPENT)
    if not user.active:
        raise ResetRefused(CLOSED)
    return user, user.password_hash, user.session_version


def reset_password(token: str, password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset link; every session of the account ends.

    Raises:
        ResetRefused: as check_link, or the link was used meanwhile.
        AccountError: the new password is not acceptable (field "password").
    """
    user, old_hash, version = check_link(token, now)
    check_password(password)
    new_hash = hash_password(password)
    with write_transaction() as session:
        changed = session.execute(
            update(User)
            .where(
                User.id == user.id, User.password_hash == old_hash, User.session_version == version
            )
            .values(password_hash=new_hash, session_version=User.session_version + 1)
        ).rowcount
    if changed != 1:
        raise ResetRefused(SPENT)
    log.info("password reset: user=%s", user.id)
    return _account(user.id)
