"""Students' side of classes: join a class, see assignments, start one."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from quiz.db import utcnow
from quiz.services import classes, confirmation, gradebook
from quiz.services.limits import RateLimited
from quiz.services.quizzes import QuizError
from quiz.web.forms import JoinForm

bp = Blueprint("assignments", __name__, url_prefix="/assignments")


def _user():
    return current_user._get_current_object()


@bp.route("/", methods=["GET", "POST"])
@login_required
def mine():
    """List the student's assignments with status and due dates; join a class by code."""
    form = JoinForm()
    if form.validate_on_submit():
        try:
            classroom = classes.join(_user(), form.code.data)
        except RateLimited as error:
            raise TooManyRequests(str(error), retry_after=error.retry_after) from None
        except QuizError as error:
            form.code.errors.append(str(error))
        else:
            flash(f"You joined {classroom.name}.", "success")
            return redirect(url_for("assignments.mine"), 303)
    rows = gradebook.my_assignments(_user())
    unconfirmed = confirmation.needs_confirming(_user())
    page = render_template(
        "assignments/mine.html", rows=rows, form=form, now=utcnow(), unconfirmed=unconfirmed
    )
    return page, (422 if form.errors else 200)


@bp.post("/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    """Start (or resume) an attempt at an assignment."""
    try:
        attempt = classes.start_assignment(_user(), quiz_id)
    except QuizError as error:
        if error.status == 404:
            abort(404, description=str(error))
        flash(str(error), "warning")
        return redirect(url_for("assignments.mine"), 303)
    return redirect(url_for("quizzes.resume", attempt_id=attempt.id), 303)
