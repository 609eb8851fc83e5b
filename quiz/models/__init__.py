"""Typed SQLAlchemy models, one module per area."""

from quiz.models.account import Role, SsoIdentity, User
from quiz.models.bank import BankVersion, Passage, Question, Source, Topic
from quiz.models.classes import Classroom, Enrollment, Override
from quiz.models.limits import RateCounter
from quiz.models.quizzes import Answer, Attempt, Quiz
from quiz.models.study import CardState, ReviewLog

__all__ = [
    "Answer",
    "Attempt",
    "BankVersion",
    "CardState",
    "Classroom",
    "Enrollment",
    "Override",
    "Passage",
    "Question",
    "Quiz",
    "RateCounter",
    "ReviewLog",
    "Role",
    "Source",
    "SsoIdentity",
    "Topic",
    "User",
]
