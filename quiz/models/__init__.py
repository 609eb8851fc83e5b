"""Typed SQLAlchemy models, one module per area."""

from quiz.models.account import LoginFailure, Role, User
from quiz.models.bank import Passage, Question, Source, Topic
from quiz.models.study import CardState, ReviewLog

__all__ = [
    "CardState",
    "LoginFailure",
    "Passage",
    "Question",
    "ReviewLog",
    "Role",
    "Source",
    "Topic",
    "User",
]
