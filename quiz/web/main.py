"""The home page, and the health checks a load balancer or an orchestrator asks."""

import logging

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from quiz.db import db, utcnow
from quiz.services import study
from quiz.services.reading import active_sources

bp = Blueprint("main", __name__)
log = logging.getLogger("quiz.health")


@bp.get("/")
def home():
    """Explain the app to a newcomer, or greet a returning user; list the sources."""
    sources = active_sources()
    due = study.due_count(current_user, utcnow()) if current_user.is_authenticated else None
    return render_template("home.html", sources=sources, due=due)


@bp.get("/healthz")
def healthz():
    """Answer a load balancer's health check without touching the database."""
    return {"ok": True}


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database answers, 503 with the reason when it cannot be reached."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        # The driver's message (host, port) goes to the log, not to whoever asks.
        cause = getattr(error, "orig", None) or error
        first_line = (str(cause).strip().splitlines() or [""])[0]
        log.warning(
            "not ready: the database cannot be reached: %s: %s", type(cause).__name__, first_line
        )
        return {"ok": False, "reason": "The database cannot be reached."}, 503
    return {"ok": True}
