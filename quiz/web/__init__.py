"""Web blueprints, one per feature area, and the template filters."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from quiz.bank.schema import split_quotes
from quiz.core.assignments import grade_text
from quiz.db import MAX_ID


class IdConverter(IntegerConverter):
    """An <int:...> in a URL that never exceeds a database integer (larger: 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def localtime(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Format an aware datetime in the user's time zone (UTC for visitors)."""
    if moment is None:
        return ""
    zone = current_user.timezone if current_user.is_authenticated else "UTC"
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)


def duration(seconds: int | float) -> str:
    """Format a number of seconds as "45 s", "6 min 12 s" or "1 h 5 min"."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def grade(percent: float | None) -> str:
    """Format a grade as "62.5%" (the CSV's rounding), or "–" when there is none."""
    return "–" if percent is None else f"{grade_text(percent)}%"


def sign_in_options() -> dict:
    """Give every template the sign-in providers and whether local passwords are on."""
    from quiz import sso

    return {
        "sso_providers": sso.providers(),
        "local_passwords": current_app.config["LOCAL_PASSWORDS"],
    }


def init_app(app: Flask) -> None:
    """Register the blueprints and template filters."""
    from quiz import api
    from quiz.web import (
        account,
        admin,
        assignments,
        auth,
        authoring,
        bank,
        dashboard,
        help,
        interchange,
        main,
        quizzes,
        recovery,
        sso,
        study,
        teach,
    )

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.add_template_filter(localtime)
    app.add_template_filter(duration)
    app.add_template_filter(grade)
    app.context_processor(sign_in_options)
    app.add_template_filter(split_quotes, "quotes")
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(recovery.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(bank.bp)
    app.register_blueprint(study.bp)
    app.register_blueprint(quizzes.bp)
    app.register_blueprint(assignments.bp)
    app.register_blueprint(teach.bp)
    app.register_blueprint(authoring.bp)
    app.register_blueprint(interchange.bp)
    app.register_blueprint(help.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
