"""The account page: download my data, delete my account."""

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from quiz.db import utcnow
from quiz.services import accounts, deletion, mydata
from quiz.web.forms import DeleteAccountForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@login_required
def page():
    """Show the account: password, study settings, download, delete."""
    return render_template("account/page.html", form=DeleteAccountForm())


@bp.get("/data.zip")
@login_required
def download():
    """Send the user's own data as a zip."""
    now = utcnow()
    data = mydata.export(current_user._get_current_object(), now)
    name = f"quiz-my-data-{now:%Y-%m-%d}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/delete")
@login_required
def delete():
    """Delete the account once the password confirms it; every session ends."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account(
                current_user._get_current_object(),
                form.password.data,
                request.remote_addr or "unknown",
            )
        except accounts.AccountError as error:
            if error.field:
                form.password.errors.append(str(error))
            else:
                form.form_errors.append(str(error))
        else:
            logout_user()
            session.clear()
            flash("Your account and your own data are deleted.", "info")
            return redirect(url_for("main.home"), 303)
    return render_template("account/page.html", form=form), 422
