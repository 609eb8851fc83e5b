"""The home page."""

from flask import Blueprint, render_template
from sqlalchemy import select

from quiz.db import db
from quiz.models import Source

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Explain the app to a newcomer, or greet a returning user; list the sources."""
    sources = db.session.scalars(
        select(Source).where(Source.archived.is_(False)).order_by(Source.title)
    ).all()
    return render_template("home.html", sources=sources)


@bp.get("/healthz")
def healthz():
    """Answer a load balancer's health check without touching the database."""
    return {"ok": True}
