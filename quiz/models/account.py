"""Accounts: users, their roles and study settings."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import UTCDateTime, db, utcnow


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Deferred: only a login reads it, not the loader that runs on every request.
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.STUDENT,
    )
    # Bumped on logout, password change and deactivation: older cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # A deactivated account cannot log in; its grades stay in gradebooks.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # None until the owner follows the link sent to the address (QUIZ_REQUIRE_EMAIL_CONFIRMATION).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Study settings (see quiz.core.scheduling.Settings and quiz.core.queue.Limits).
    new_per_day: Mapped[int] = mapped_column(default=20, server_default="20")
    reviews_per_day: Mapped[int] = mapped_column(default=200, server_default="200")
    desired_retention: Mapped[float] = mapped_column(default=0.9, server_default="0.9")
    leech_action: Mapped[str] = mapped_column(String(10), default="tag", server_default="tag")
    fsrs_parameters: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the account was deleted: the row stays, anonymised, for the gradebook.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def get_id(self) -> str:
        """Return the login id stored in the session: the user id and session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_instructor(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class SsoIdentity(db.Model):
    """An account at a school's identity provider (OpenID Connect) linked to a user here.

    Found by the provider's subject, never by e-mail: an address is not proof of identity.
    """

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))  # the provider's slug in OIDC_PROVIDERS
    subject: Mapped[str] = mapped_column(String(255))  # the ID token's "sub"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
