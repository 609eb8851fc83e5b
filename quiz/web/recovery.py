"""Links sent by e-mail: reset a forgotten password; confirm the account's address."""

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from quiz import mail
from quiz.services import accounts, confirmation, resets
from quiz.services.limits import RateLimited
from quiz.web.auth import client_ip, local_passwords_required, start_session
from quiz.web.forms import ForgotPasswordForm, ResetPasswordForm

bp = Blueprint("recovery", __name__, url_prefix="/auth")
log = logging.getLogger("quiz.mail")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Send a reset link to the address given; say the same whether it has an account."""
    local_passwords_required()
    if not mail.enabled():
        status = 200 if not ForgotPasswordForm().is_submitted() else 503
        return render_template("auth/forgot.html", form=None), status
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            resets.request_reset(form.email.data, client_ip())
        except RateLimited as error:
            raise TooManyRequests(str(error), retry_after=error.retry_after) from None
        except mail.MailError as error:  # told no differently: the answer must not vary
            log.error("reset mail not sent: %s", error)
        return render_template(
            "auth/forgot_sent.html", email=accounts.normalize_email(form.email.data)
        )
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


def _refused(error: resets.ResetRefused):
    return render_template("auth/reset_refused.html", message=str(error)), 410


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a reset link; log in and end every other session."""
    local_passwords_required()
    try:
        user, _hash, _version = resets.check_link(token)
    except resets.ResetRefused as error:
        return _refused(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = resets.reset_password(token, form.password.data)
        except resets.ResetRefused as error:
            return _refused(error)
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            start_session(user)
            flash("Your password is changed. Any other sessions were logged out.", "success")
            return redirect(url_for("main.home"))
    status = 422 if form.errors else 200
    return render_template("auth/reset.html", form=form, user=user, token=token), status


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    """Confirm the account's e-mail address through the link sent to it."""
    try:
        confirmation.confirm(token)
    except confirmation.ConfirmationRefused as error:
        page = render_template("auth/confirm_refused.html", message=str(error))
        return page, 410
    flash("Your e-mail address is confirmed. You can join your class now.", "success")
    if current_user.is_authenticated:
        return redirect(url_for("assignments.mine"))
    return redirect(url_for("auth.login", next=url_for("assignments.mine")))


@bp.post("/confirm")
@login_required
def resend_confirmation():
    """Send the confirmation link again to the logged-in account's address."""
    user = current_user._get_current_object()
    if user.email_confirmed_at is not None:
        flash("Your e-mail address is already confirmed.", "info")
        return redirect(url_for("assignments.mine"), 303)
    try:
        confirmation.resend(user)
    except RateLimited as error:
        raise TooManyRequests(str(error), retry_after=error.retry_after) from None
    except mail.MailError as error:
        log.error("confirmation mail not sent: %s", error)
        flash("The message could not be sent just now. Try again in a few minutes.", "warning")
    else:
        flash(f"We sent a new confirmation link to {user.email}.", "success")
    return redirect(url_for("assignments.mine"), 303)
