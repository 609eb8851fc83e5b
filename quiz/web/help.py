"""Help pages."""

from flask import Blueprint, render_template

from quiz.core import mastery

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.get("/mastery")
def mastery_page():
    """Explain how topic mastery and weak topics are worked out."""
    return render_template(
        "help/mastery.html", half_life_days=mastery.HALF_LIFE_DAYS, weak_below=mastery.WEAK_BELOW
    )
