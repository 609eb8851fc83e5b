"""Account administration: list accounts, change a role, deactivate and reactivate.

Every change is written to the security log with who made it (an admin's id, or "cli").
Deactivating ends the account's sessions and keeps all its rows: its grades stay in
gradebooks and its history comes back if it is activated again. An admin cannot demote or
deactivate their own account from the web page, so a site is never left without the
admin who was using it; the command line can.
"""

import logging

from sqlalchemy import select, update

from quiz.db import db, write_transaction
from quiz.models import Role, User
from quiz.services.accounts import AccountError, normalize_email

log = logging.getLogger("quiz.security")
PAGE_SIZE = 200


def parse_role(value: str | None) -> Role:
    """Return the role named, or raise AccountError listing the roles."""
    try:
        return Role((value or "").strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise AccountError(f"The role must be one of {names}, not {value!r}.", "role") from None


def list_users(role: Role | None = None, limit: int | None = None) -> list[User]:
    """Return the accounts, of one role or all, by e-mail address."""
    query = select(User).order_by(User.email)
    if role is not None:
        query = query.where(User.role == role)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def find(email: str) -> User:
    """Return the account with this address, or raise AccountError."""
    address = normalize_email(email or "")
    user = db.session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"No account has the e-mail address {address or '(empty)'}.", "email")
    return user


def audit(actor: str, action: str, user: User, **details) -> None:
    """Write an administrator's action to the security log."""
    extra = "".join(f" {k}={v}" for k, v in details.items())
    log.info("admin %s: actor=%s user=%s%s", action, actor, user.id, extra)


def _guard_self(actor_user: User | None, user: User, what: str) -> None:
    if actor_user is not None and actor_user.id == user.id:
        raise AccountError(f"You cannot {what} your own account here: ask another admin.", "email")


def set_role(user: User, role: Role, actor: str, actor_user: User | None = None) -> User:
    """Give the account this role.

    Raises:
        AccountError: an admin demoting their own account from the web page.
    """
    if user.role == role:
        return user
    if user.role == Role.ADMIN:
        _guard_self(actor_user, user, "change the role of")
    old = user.role
    with write_transaction() as session:
        session.execute(update(User).where(User.id == user.id).values(role=role))
    db.session.refresh(user)
    audit(actor, "set-role", user, old=old.value, new=role.value)
    return user


def set_active(user: User, active: bool, actor: str, actor_user: User | None = None) -> User:
    """Deactivate (ending its sessions) or reactivate the account.

    Raises:
        AccountError: an admin deactivating their own account from the web page.
    """
    if user.active == active:
        return user
    if not active:
        _guard_self(actor_user, user, "deactivate")
    values = {"active": active}
    if not active:
        values["session_version"] = User.session_version + 1
    with write_transaction() as session:
        session.execute(update(User).where(User.id == user.id).values(**values))
    db.session.refresh(user)
    audit(actor, "activate" if active else "deactivate", user)
    return user
