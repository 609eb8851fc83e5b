"""One log line per request, and the shape of every `quiz.*` log line: text or JSON.

Each request gets an id, sent back as X-Request-Id and carried by every line logged while it
runs (the security log's too), so that one student's complaint leads to its lines. Behind a
trusted proxy (TRUSTED_PROXIES > 0) an X-Request-Id the proxy set is kept, so its log and
ours share the id; otherwise, or when the header is not a plain token, a new id is drawn.
Lines go to stderr (gunicorn passes it on to journald or the terminal); LOG_FORMAT = "json"
writes one JSON object per line for a log collector.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import inspect

log = logging.getLogger("quiz.request")
HANDLER_NAME = "quiz-stderr"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class _RequestId(logging.Filter):
    """Stamp each line with the id of the request it was logged in ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message and any fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class _Stderr(logging.StreamHandler):
    """Write to the sys.stderr of the moment (as logging's last resort does), not the one
    there was when the app was built."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def _begin() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get("X-Request-Id", "")
    trusted = current_app.config["TRUSTED_PROXIES"] > 0 and REQUEST_ID.fullmatch(offered)
    g.request_id = offered if trusted else uuid.uuid4().hex


def _user_id() -> int | None:
    # Only a user this request already loaded: asking Flask-Login here would cost a query
    # on requests that never needed one (/healthz, static files).
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    identity = inspect(user).identity  # no query, even for an expired row
    return identity[0] if identity else None


def _end(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "user_id": _user_id(),
        "remote_addr": request.remote_addr,
    }
    log.info(
        "%s %s %s %s ms user=%s ip=%s",
        fields["method"],
        fields["path"],
        fields["status"],
        duration_ms,
        fields["user_id"] if fields["user_id"] is not None else "-",
        fields["remote_addr"],
        extra={"fields": fields},
    )
    return response


def _handler() -> logging.Handler:
    """Return the one stderr handler of the `quiz` logger, adding it the first time."""
    logger = logging.getLogger("quiz")
    for handler in logger.handlers:
        if handler.name == HANDLER_NAME:
            return handler
    handler = _Stderr()
    handler.name = HANDLER_NAME
    handler.addFilter(_RequestId())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return handler


def init_app(app: Flask) -> None:
    """Log every request and set the format of the `quiz` logs (LOG_FORMAT: text or json).

    Registered before the other hooks: its before_request runs first (so a request refused
    by CSRF still has an id) and its after_request last (so it logs the final status).
    """
    json_lines = app.config["LOG_FORMAT"] == "json"
    _handler().setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    app.before_request(_begin)
    app.after_request(_end)
