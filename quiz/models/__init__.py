"""Typed SQLAlchemy models, one module per area."""

from quiz.models.account import LoginFailure, Role, User
from quiz.models.bank import Passage, Question, Source, Topic

__all__ = ["LoginFailure", "Passage", "Question", "Role", "Source", "Topic", "User"]
