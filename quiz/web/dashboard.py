"""The student dashboard: due today, streak, activity, forecast, retention, weak topics."""

from datetime import datetime

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from quiz.services import dashboard as service
from quiz.web import charts

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def home():
    """Show the student's progress, and the one-click way to work on weak topics."""
    board = service.dashboard(current_user._get_current_object())
    active = sum(1 for _, count in board.heatmap if count)
    return render_template(
        "dashboard.html",
        d=board,
        heatmap=charts.calendar_heatmap(
            board.heatmap, f"Reviews per day over the last year: {active} days with reviews"
        ),
        forecast=charts.bar_chart(
            [
                (f"{day:%d}", count, f"{count} due on {day:%a %d %b}")
                for day, count in board.forecast
            ],
            "Cards due in each of the next 30 days",
        ),
        retention=charts.bar_chart(
            [
                (
                    datetime.strptime(m.label, "%Y-%m").strftime("%b"),
                    100 * m.retention,
                    f"{m.label}: {m.passed} of {m.total} remembered",
                )
                for m in board.retention
            ],
            "True retention by month",
            maximum=100,
        ),
        weak=[(t, m) for t, m in board.topics if m.weak],
        not_started=[t for t, m in board.topics if not m.started],
        started=[(t, m) for t, m in board.topics if m.started],
    )
