"""Login sessions checked against the user's session version, and security headers."""

from flask import Flask, flash, redirect, request, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam, select

from quiz.db import db
from quiz.errors import error_response, wants_json
from quiz.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to see this page."
login_manager.login_message_category = "info"
csrf = CSRFProtect()

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# Built once: the loader runs on every request. The password hash is deferred on the model.
USER_BY_ID = select(User).where(User.id == bindparam("id"))


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """Return the user for a session, or None if the session predates a logout."""
    user_id, _, version = login_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.execute(USER_BY_ID, {"id": int(user_id)}).scalar_one_or_none()
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return error_response(401)
    flash(login_manager.login_message, login_manager.login_message_category)
    if request.method != "GET":  # coming back to a form post would be a 405
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _headers(response):
    response.headers.update(HEADERS)
    if request.endpoint and request.endpoint != "static":
        # Pages carry personal data: keep them out of shared caches and history.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Bind login, CSRF protection and the header hook to the app."""
    login_manager.init_app(app)
    csrf.init_app(app)
    app.after_request(_headers)
