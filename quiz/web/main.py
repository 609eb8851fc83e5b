"""The home page."""

from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Explain the app to a newcomer, or greet a returning user."""
    return render_template("home.html")
