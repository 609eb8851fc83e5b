"""The JSON API under /api/v1: dicts in, dicts out, one error shape (quiz.errors)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from quiz.api import account, openapi, quizzes, study  # noqa: E402,F401  (routes register on bp)
