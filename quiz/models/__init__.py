"""Typed SQLAlchemy models, one module per area."""

from quiz.models.account import LoginFailure, Role, User

__all__ = ["LoginFailure", "Role", "User"]
