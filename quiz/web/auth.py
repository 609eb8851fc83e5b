"""Register, log in, log out and change the password."""

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from quiz import mail
from quiz.services import accounts, confirmation
from quiz.services.limits import RateLimited
from quiz.web.forms import ChangePasswordForm, LoginForm, RegisterForm

bp = Blueprint("auth", __name__, url_prefix="/auth")
log = logging.getLogger("quiz.mail")


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """Return target if it is a path on this site, else the fallback (the home page)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return fallback or url_for("main.home")


def client_ip() -> str:
    return request.remote_addr or "unknown"


PASSWORDS_OFF = "This site signs you in through your school: use the button on the login page."


def local_passwords_required() -> None:
    """Refuse a password form (403) where the deployment turned local passwords off."""
    if not current_app.config["LOCAL_PASSWORDS"]:
        abort(403, description=PASSWORDS_OFF)


def start_session(user) -> None:
    session.clear()  # a fresh session (and CSRF token) on every login
    login_user(user)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a student account and log it in."""
    local_passwords_required()
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                form.email.data, form.name.data, form.password.data, client_ip()
            )
        except RateLimited as error:
            raise TooManyRequests(str(error), retry_after=error.retry_after) from None
        except accounts.AccountError as error:
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            start_session(user)
            flash(f"Welcome, {user.name}! Your account is ready.", "success")
            if confirmation.required():
                _send_confirmation(user)
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


def _send_confirmation(user) -> None:
    try:
        confirmation.send_link(user)
    except mail.MailError as error:
        log.error("confirmation mail not sent: %s", error)
        flash(
            "We could not send the confirmation message; send it again from Assignments.", "warning"
        )
    else:
        flash(
            f"Confirm your address with the link we sent to {user.email} before joining a class.",
            "info",
        )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password."""
    form = LoginForm()
    if form.is_submitted():
        local_passwords_required()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, client_ip())
        except RateLimited as error:
            raise TooManyRequests(str(error), retry_after=error.retry_after) from None
        except accounts.AccountError as error:  # a deactivated account
            form.form_errors.append(str(error))
        else:
            if user is not None:
                start_session(user)
                flash(f"Logged in as {user.name}.", "success")
                return redirect(safe_next(request.args.get("next")))
            form.form_errors.append("That e-mail and password do not match an account.")
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Log out here and end every other session of this account."""
    accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions are logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.password.data)
        except accounts.AccountError as error:
            getattr(form, error.field or "password").errors.append(str(error))
        else:
            start_session(user)
            flash("Password changed. Your other sessions were logged out.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
