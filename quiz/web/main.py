"""The home page."""

from flask import Blueprint, render_template
from flask_login import current_user

from quiz.db import utcnow
from quiz.services import study
from quiz.services.reading import active_sources

bp = Blueprint("main", __name__)


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
