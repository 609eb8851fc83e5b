"""Instructor pages: classes, assignments, overrides, gradebook, item analysis."""

import re
import unicodedata
from datetime import UTC, datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from quiz.bank.schema import KINDS, TYPES
from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.models import Override, Question, Quiz, Source, Topic
from quiz.services import analysis, classes, gradebook, progress
from quiz.services.quizzes import QuizError
from quiz.web.forms import AssignmentForm, ClassForm, OverrideForm, SelectChoice
from quiz.web.quizzes import TYPE_LABELS

bp = Blueprint("teach", __name__, url_prefix="/teach")


def instructor_required(view):
    """Let only instructors (and admins) in; students get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_instructor:
            abort(403, description="This page is for instructors.")
        return view(*args, **kwargs)

    return wrapped


def _user():
    return current_user._get_current_object()


def _or_404(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except QuizError as error:
        abort(error.status, description=str(error))


def to_utc(moment: datetime | None) -> datetime | None:
    """Read a date typed in the instructor's time zone as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=ZoneInfo(current_user.timezone)).astimezone(UTC)


@bp.route("/", methods=["GET", "POST"])
@instructor_required
def classes_page():
    """List the instructor's classes and create a new one."""
    form = ClassForm()
    if form.validate_on_submit():
        classroom = _or_404(classes.create_class, _user(), form.name.data)
        flash(f"Class “{classroom.name}” created. Give students the join code.", "success")
        return redirect(url_for("teach.class_page", class_id=classroom.id), 303)
    mine = db.session.scalars(
        select(classes.Classroom)
        .where(classes.Classroom.instructor_id == current_user.id)
        .order_by(classes.Classroom.archived, classes.Classroom.name)
    ).all()
    return render_template("teach/classes.html", form=form, classes=mine), (
        422 if form.errors else 200
    )


@bp.get("/classes/<int:class_id>")
@instructor_required
def class_page(class_id: int):
    """Show a class: join code, roster, assignments."""
    classroom = _or_404(classes.owned_class, _user(), class_id)
    assignments = db.session.scalars(
        select(Quiz).where(Quiz.classroom_id == classroom.id).order_by(Quiz.due_at, Quiz.id)
    ).all()
    return render_template(
        "teach/class.html",
        classroom=classroom,
        students=classes.roster(classroom),
        assignments=assignments,
        form=ClassForm(obj=classroom),
    )


@bp.post("/classes/<int:class_id>")
@instructor_required
def class_update(class_id: int):
    """Rename, archive, unarchive or rotate the join code of a class."""
    action = request.form.get("action")
    changes = {
        "rename": {"name": request.form.get("name", "")},
        "archive": {"archived": True},
        "unarchive": {"archived": False},
        "rotate": {"rotate": True},
    }.get(action)
    if changes is None:
        abort(400, description="Unknown action.")
    form = ClassForm()
    if not form.validate_on_submit() and action == "rename":
        flash("Give the class a name of 1 to 120 characters.", "error")
        return redirect(url_for("teach.class_page", class_id=class_id), 303)
    _or_404(classes.update_class, _user(), class_id, **changes)
    flash(
        {
            "rename": "Class renamed.",
            "archive": "Class archived: students no longer see it.",
            "unarchive": "Class restored.",
            "rotate": "New join code made; the old one no longer works.",
        }[action],
        "success",
    )
    return redirect(url_for("teach.class_page", class_id=class_id), 303)


@bp.post("/classes/<int:class_id>/students/<int:student_id>/remove")
@instructor_required
def remove_student(class_id: int, student_id: int):
    """Take a student out of the class."""
    _or_404(classes.remove_student, _user(), class_id, student_id)
    flash("Student removed from the class. Their past attempts are kept.", "info")
    return redirect(url_for("teach.class_page", class_id=class_id), 303)


def _assignment_form(source: Source, user) -> AssignmentForm:
    form = AssignmentForm()
    form.topics.choices = [SelectChoice(t.slug, t.title) for t in source.topics if not t.archived]
    form.kinds.choices = [SelectChoice(k, k.capitalize()) for k in KINDS]
    form.types.choices = [SelectChoice(t, TYPE_LABELS[t]) for t in TYPES]
    pickable = db.session.scalars(
        select(Question)
        .join(Topic, Topic.id == Question.topic_id)
        .where(
            Question.source_id == source.id,
            Question.archived.is_(False),
            (Question.origin == "bank") | (Question.owner_id == user.id),
        )
        .order_by(Topic.position, Question.id)
    ).all()
    form.question_ids.choices = [SelectChoice(q.id, q.prompt) for q in pickable]
    form.pickable = pickable
    return form


@bp.route("/classes/<int:class_id>/assignments/new", methods=["GET", "POST"])
@instructor_required
def new_assignment(class_id: int):
    """Create an assignment for a class."""
    user = _user()
    classroom = _or_404(classes.owned_class, user, class_id)
    sources = db.session.scalars(select(Source).where(Source.archived.is_(False))).all()
    if not sources:
        abort(409, description="Load the question bank first (quiz bank load).")
    source = next((s for s in sources if s.slug == request.values.get("source")), sources[0])
    form = _assignment_form(source, user)
    if form.validate_on_submit():
        try:
            settings = classes.AssignmentSettings(
                title=form.title.data,
                open_at=to_utc(form.open_at.data),
                due_at=to_utc(form.due_at.data),
                time_limit_min=form.time_limit_min.data,
                attempts_allowed=form.attempts_allowed.data,
                grading_method=form.grading_method.data,
                review=form.review.data,
                late_policy=form.late_policy.data,
                shuffle=form.shuffle.data,
            )
            rules = ids = None
            if form.mode.data == "rules":
                rules = Rules(
                    topics=tuple(form.topics.data or ()),
                    kinds=tuple(form.kinds.data or ()),
                    types=tuple(form.types.data or ()),
                    difficulties=tuple(form.difficulties.data or ()),
                    count=form.count.data or 10,
                )
            else:
                ids = list(form.question_ids.data or [])
                if not ids:
                    raise QuizError("Pick at least one question.", 422, "question_ids")
            quiz = classes.create_assignment(user, classroom.id, source.slug, settings, rules, ids)
        except (QuizError, ValueError) as error:
            field = getattr(error, "field", None) or "count"
            target = getattr(form, field, None) or form.count
            target.errors = list(target.errors) + [str(error)]
        else:
            flash(f"Assignment “{quiz.title}” created.", "success")
            return redirect(url_for("teach.assignment_page", quiz_id=quiz.id), 303)
    return render_template(
        "teach/assignment_new.html",
        form=form,
        classroom=classroom,
        source=source,
        type_labels=TYPE_LABELS,
    ), (422 if form.errors else 200)


@bp.route("/assignments/<int:quiz_id>", methods=["GET", "POST"])
@instructor_required
def assignment_page(quiz_id: int):
    """Show an assignment's settings and overrides; add or change an override."""
    user = _user()
    quiz = _or_404(classes.owned_assignment, user, quiz_id)
    classroom = db.session.get(classes.Classroom, quiz.classroom_id)
    students = classes.roster(classroom)
    form = OverrideForm()
    form.student.choices = [SelectChoice(s.id, f"{s.name} ({s.email})") for s in students]
    if form.validate_on_submit():
        try:
            classes.set_override(
                user,
                quiz.id,
                form.student.data,
                extra_minutes=form.extra_minutes.data or 0,
                time_factor=float(form.time_factor.data or 1),
                due_at=to_utc(form.due_at.data),
                extra_attempts=form.extra_attempts.data or 0,
            )
        except QuizError as error:
            target = getattr(form, error.field or "", None) or form.extra_minutes
            target.errors = [str(error)]
        else:
            flash("Override saved.", "success")
            return redirect(url_for("teach.assignment_page", quiz_id=quiz.id), 303)
    overrides = db.session.scalars(
        select(Override).options(db.joinedload(Override.user)).where(Override.quiz_id == quiz.id)
    ).all()
    return render_template(
        "teach/assignment.html",
        quiz=quiz,
        classroom=classroom,
        form=form,
        overrides=overrides,
    ), (422 if form.errors else 200)


@bp.get("/classes/<int:class_id>/gradebook")
@instructor_required
def gradebook_page(class_id: int):
    """Show students × assignments with grades, statuses and averages."""
    book = _or_404(gradebook.gradebook, _user(), class_id)
    return render_template("teach/gradebook.html", book=book)


@bp.get("/classes/<int:class_id>/gradebook.csv")
@instructor_required
def gradebook_csv(class_id: int):
    """Download the gradebook as CSV (UTF-8)."""
    book = _or_404(gradebook.gradebook, _user(), class_id)
    ascii_name = unicodedata.normalize("NFKD", book.classroom.name).encode("ascii", "ignore")
    name = re.sub(r"[^a-z0-9]+", "-", ascii_name.decode().lower()).strip("-")
    return Response(
        "\ufeff" + gradebook.gradebook_csv(book),  # the BOM makes spreadsheet apps read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="gradebook-{name or "class"}.csv"'},
    )


@bp.get("/classes/<int:class_id>/students/<int:student_id>")
@instructor_required
def student_page(class_id: int, student_id: int):
    """Show one student's attempts and answers in the class."""
    classroom = _or_404(classes.owned_class, _user(), class_id)
    student, work = _or_404(gradebook.student_work, _user(), class_id, student_id)
    return render_template(
        "teach/student.html",
        classroom=classroom,
        student=student,
        work=work,
        type_labels=TYPE_LABELS,
    )


@bp.get("/assignments/<int:quiz_id>/analysis")
@instructor_required
def analysis_page(quiz_id: int):
    """Show the item analysis of an assignment (first attempts unless ?all=1)."""
    result = _or_404(analysis.item_analysis, _user(), quiz_id, request.args.get("all") != "1")
    return render_template("teach/analysis.html", a=result, type_labels=TYPE_LABELS)


@bp.get("/classes/<int:class_id>/topics")
@instructor_required
def class_topics_page(class_id: int):
    """Show mastery by topic across the class, and by student: what to reteach."""
    classroom = _or_404(classes.owned_class, _user(), class_id)
    result = _or_404(progress.class_topics, _user(), class_id)
    return render_template("teach/topics.html", classroom=classroom, r=result)
