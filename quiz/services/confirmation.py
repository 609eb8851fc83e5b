"""Confirming an account's e-mail address (QUIZ_REQUIRE_EMAIL_CONFIRMATION).

Sign-ups start unconfirmed; accounts an administrator creates count as confirmed. Where
the deployment requires it, an unconfirmed account cannot join a class until its owner
follows the signed link sent to the address. The link names the account and the address
it was sent to, so it confirms nothing once the address changes, and is valid
CONFIRMATION_MAX_AGE (7 days); sending it again is limited per account.
"""

import logging
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from quiz import mail
from quiz.db import db, utcnow, write_transaction
from quiz.models import User
from quiz.services import limits
from quiz.services.accounts import AccountError

log = logging.getLogger("quiz.security")
SALT = "confirm-email"
MAX_AGE_SECONDS = 7 * 24 * 3600
RESENDS_PER_ACCOUNT, RESEND_WINDOW_SECONDS = 3, 3600
RESEND_MESSAGE = "A confirmation link was sent several times already. Try again in {wait}."
BROKEN = "This confirmation link is not complete. Copy the whole link from the message."
EXPIRED = "This confirmation link has expired: links work for 7 days. Log in to get a new one."
OUTDATED = "This confirmation link is for an address this account no longer has."
NEEDED = (
    "Confirm your e-mail address before joining a class: open the link we sent to {email}, "
    "or send it again from this page."
)


class ConfirmationRefused(AccountError):
    """Raised with the message for the user when a confirmation link cannot be used."""


def required() -> bool:
    """Return whether this deployment asks new accounts to confirm their address."""
    return bool(current_app.config.get("REQUIRE_EMAIL_CONFIRMATION"))


def needs_confirming(user: User) -> bool:
    """Return whether this account must confirm its address before joining a class."""
    return required() and user.email_confirmed_at is None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def send_link(user: User, now: datetime | None = None) -> str:
    """E-mail the confirmation link to the account's address; return the link.

    Raises:
        MailError: the SMTP server did not take the message.
    """
    issued = int((now or utcnow()).timestamp())
    token = _serializer().dumps({"u": user.id, "e": user.email, "t": issued})
    url = mail.external_url("recovery.confirm_email", token=token)
    mail.send(
        mail.compose(
            user.email, "Confirm your e-mail address", "email_confirm", name=user.name, url=url
        )
    )
    log.info("confirmation link sent: user=%s", user.id)
    return url


def resend(user: User, now: datetime | None = None) -> None:
    """Send the link again, at most RESENDS_PER_ACCOUNT an hour.

    Raises:
        RateLimited: sent too often in the window.
        MailError: the SMTP server did not take the message.
    """
    bucket = limits.Bucket(
        "confirm-user", str(user.id), RESENDS_PER_ACCOUNT, RESEND_WINDOW_SECONDS, RESEND_MESSAGE
    )
    with write_transaction() as session:
        limits.take(session, [bucket], now or utcnow())
    send_link(user, now)


def confirm(token: str, now: datetime | None = None) -> User:
    """Mark the address the link was sent to as confirmed; return the account.

    Raises:
        ConfirmationRefused: the link is broken, expired, or for another address.
    """
    try:
        data = _serializer().loads(token)
        user_id, email, issued = int(data["u"]), str(data["e"]), int(data["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise ConfirmationRefused(BROKEN) from None
    if not 0 <= (now or utcnow()).timestamp() - issued <= MAX_AGE_SECONDS:
        raise ConfirmationRefused(EXPIRED)
    with write_transaction() as session:
        session.execute(
            update(User)
            .where(User.id == user_id, User.email == email, User.email_confirmed_at.is_(None))
            .values(email_confirmed_at=now or utcnow())
        )
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None or user.email != email:
        raise ConfirmationRefused(OUTDATED)
    log.info("e-mail confirmed: user=%s", user.id)
    return user
