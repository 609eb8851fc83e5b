"""The home page."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from quiz.core.scheduling import next_day_start
from quiz.db import db, utcnow
from quiz.models import CardState, Source
from quiz.services.study import settings_for

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Explain the app to a newcomer, or greet a returning user; list the sources."""
    sources = db.session.scalars(
        select(Source).where(Source.archived.is_(False)).order_by(Source.title)
    ).all()
    due = None
    if current_user.is_authenticated:
        end = next_day_start(utcnow(), settings_for(current_user))
        due = db.session.scalar(
            select(func.count()).where(
                CardState.user_id == current_user.id,
                CardState.phase != 0,
                CardState.suspended.is_(False),
                CardState.due < end,
            )
        )
    return render_template("home.html", sources=sources, due=due)


@bp.get("/healthz")
def healthz():
    """Answer a load balancer's health check without touching the database."""
    return {"ok": True}
