"""A database that fails mid-request: a read is retried once, anything else answers 503.

A PostgreSQL connection can die under a request (a restart, a fail-over, a killed
backend); pool_pre_ping only catches one that died while it sat in the pool. A SQLite
write can wait longer than the busy timeout for the write lock. Either way the request
answers 503 with Retry-After (JSON under /api/, a page otherwise), never a 500.

A GET or HEAD whose connection was lost (SQLAlchemy invalidated it) is run once more on a
fresh connection, unless it had already begun a write transaction: a read changes
nothing, so running it twice is safe; a write may have committed before the connection
died, so it is never repeated.
"""

from contextlib import suppress
from functools import wraps

from flask import Flask, current_app, render_template, request
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from quiz.db import db
from quiz.errors import MESSAGES, wants_json

RETRY_AFTER = 5  # seconds: a reconnect, or the SQLite writers ahead, takes less
SAFE_METHODS = ("GET", "HEAD")


def _summary(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {first_line}"


def _retrying_read(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DBAPIError as error:
            session = db.session()
            if not (
                error.connection_invalidated
                and request.method in SAFE_METHODS
                and not session.info.get("wrote")
            ):
                raise
            current_app.logger.warning(
                "database connection lost during %s %s (%s); running it once more",
                request.method,
                request.path,
                _summary(error),
            )
            session.rollback()
        return view(*args, **kwargs)

    return wrapped


def _unavailable(error: Exception):
    current_app.logger.warning(
        "database unavailable during %s %s: %s", request.method, request.path, _summary(error)
    )
    with suppress(SQLAlchemyError):  # the connection is gone: nothing is left to roll back
        db.session.rollback()
    message = MESSAGES[503]
    headers = {"Retry-After": str(RETRY_AFTER)}
    if wants_json():
        return {"error": {"status": 503, "message": message}}, 503, headers
    # The page must not read the user again from a database that just failed.
    page = render_template(
        "error.html", status=503, message=message, current_user=AnonymousUserMixin()
    )
    return page, 503, headers


def init_app(app: Flask) -> None:
    """Answer database failures with 503 and retry reads; call after every blueprint."""
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _retrying_read(view)
    for error in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(error, _unavailable)
