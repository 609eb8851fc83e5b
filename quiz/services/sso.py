"""Accounts signed in through a school's identity provider (OpenID Connect).

An identity is found by the provider and its subject ("sub"), which the provider promises
never to reuse. E-mail addresses never link accounts: a provider's address may be
unverified, or reassigned. The first sign-in creates an account (a student unless the
provider maps a role); a user already logged in here who signs in with a provider links
that identity to their own account, which proves both at once. The account made by a
provider has no usable password: it logs in through the provider (or sets one through a
reset link).
"""

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from quiz.db import db, utcnow, write_transaction
from quiz.models import Role, SsoIdentity, User
from quiz.services.accounts import DEACTIVATED_MESSAGE, AccountError, check_email
from quiz.sso import Provider

log = logging.getLogger("quiz.security")
NO_PASSWORD = "!sso"  # no hash method: never verifies (quiz/passwords.py)
RANK = {Role.STUDENT: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2}


class SsoRefused(AccountError):
    """Raised with the message for the user when a sign-in through a provider is refused."""


def mapped_role(provider: Provider, claims: dict) -> Role | None:
    """Return the highest role the provider's role claim maps to, or None."""
    if not provider.role_claim:
        return None
    value = claims.get(provider.role_claim)
    values = value if isinstance(value, list) else [value]
    roles = [Role(provider.roles[v]) for v in values if isinstance(v, str) and v in provider.roles]
    return max(roles, key=RANK.__getitem__) if roles else None


def _identity(provider: Provider, subject: str) -> SsoIdentity | None:
    return db.session.execute(
        select(SsoIdentity).where(
            SsoIdentity.provider == provider.slug, SsoIdentity.subject == subject
        )
    ).scalar_one_or_none()


def sign_in(provider: Provider, claims: dict, current: User | None = None) -> User:
    """Return the account for this provider identity: found, linked to `current`, or created.

    Raises:
        SsoRefused: no subject; the account is deactivated; a new account's address is
            missing or already used by an account here; the identity belongs to someone else.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SsoRefused(f"{provider.name} did not say who you are. Try again.")
    role = mapped_role(provider, claims)
    identity = _identity(provider, subject)
    if identity is not None:
        if current is not None and identity.user_id != current.id:
            raise SsoRefused(
                f"This {provider.name} account is already linked to another account here."
            )
        user = db.session.get(User, identity.user_id)
    elif current is not None:
        user = current
        _link(provider, subject, user)
    else:
        user = _create(provider, subject, claims, role)
    if not user.active:
        raise SsoRefused(DEACTIVATED_MESSAGE)
    if role is not None and role != user.role:
        with write_transaction() as session:
            session.execute(update(User).where(User.id == user.id).values(role=role))
        log.info(
            "sso role: provider=%s user=%s old=%s new=%s", provider.slug, user.id, user.role, role
        )
        db.session.refresh(user)
    log.info("sso login: provider=%s user=%s", provider.slug, user.id)
    return user


def _link(provider: Provider, subject: str, user: User) -> None:
    try:
        with write_transaction() as session:
            session.add(SsoIdentity(provider=provider.slug, subject=subject, user_id=user.id))
    except IntegrityError:  # linked by a parallel sign-in meanwhile
        raise SsoRefused(f"This {provider.name} account is already linked.") from None
    log.info("sso linked: provider=%s user=%s", provider.slug, user.id)


def _create(provider: Provider, subject: str, claims: dict, role: Role | None) -> User:
    raw_email = claims.get("email")
    try:
        email = check_email(raw_email if isinstance(raw_email, str) else "")
    except AccountError:
        raise SsoRefused(
            f"{provider.name} did not give an e-mail address for your account, so no account "
            "can be made here. Ask your school's administrator."
        ) from None
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    name = name.strip()[:100] or email.split("@")[0]
    verified = claims.get("email_verified") is True
    user = User(
        email=email,
        name=name,
        password_hash=NO_PASSWORD,
        role=role or Role.STUDENT,
        email_confirmed_at=utcnow() if verified else None,
    )
    try:
        with write_transaction() as session:
            session.add(user)
            session.flush()
            session.add(SsoIdentity(provider=provider.slug, subject=subject, user_id=user.id))
    except IntegrityError:
        raise SsoRefused(
            f"An account here already uses {email}. Log in with its password, then choose "
            f"“Sign in with {provider.name}” to link the two."
        ) from None
    log.info("sso account created: provider=%s user=%s", provider.slug, user.id)
    return user
