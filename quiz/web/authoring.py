"""Instructors write their own questions: a form per question, checked, previewed, saved."""

import random

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from quiz.bank.schema import KINDS, TYPES, answer_text
from quiz.core.quizbuild import layout
from quiz.db import db
from quiz.models import Question, Source, Topic
from quiz.services import authoring
from quiz.web import interchange
from quiz.web.forms import QuestionForm, SelectChoice
from quiz.web.quizzes import TYPE_LABELS
from quiz.web.teach import instructor_required

bp = Blueprint("authoring", __name__, url_prefix="/teach/questions")


def _mine(question_id: int) -> Question:
    question = db.session.scalars(
        select(Question).where(
            Question.id == question_id,
            Question.owner_id == current_user.id,
            Question.origin == "author",
            Question.archived.is_(False),
        )
    ).one_or_none()
    if question is None:
        abort(404, description="There is no such question.")
    return question


@bp.get("/")
@instructor_required
def questions():
    """List the instructor's own questions."""
    rows = db.session.scalars(
        select(Question)
        .where(
            Question.owner_id == current_user.id,
            Question.origin == "author",
            Question.archived.is_(False),
        )
        .order_by(Question.updated_at.desc())
    ).all()
    return render_template(
        "teach/questions.html",
        questions=rows,
        type_labels=TYPE_LABELS,
        export_formats=interchange.FORMAT_LABELS,
    )


def _form(obj=None) -> QuestionForm:
    form = QuestionForm(obj=obj)
    topics = db.session.execute(
        select(Topic, Source.title)
        .join(Source, Source.id == Topic.source_id)
        .where(Topic.archived.is_(False), Source.archived.is_(False))
        .order_by(Source.title, Topic.position)
    ).all()
    form.topic.choices = [SelectChoice(t.id, t.title) for t, _ in topics]
    form.kind.choices = [SelectChoice(k, k.capitalize()) for k in KINDS]
    form.type.choices = [SelectChoice(t, TYPE_LABELS[t]) for t in TYPES]
    return form


def _draft(form: QuestionForm) -> authoring.Draft:
    return authoring.Draft(
        topic_id=form.topic.data,
        kind=form.kind.data,
        type=form.type.data,
        difficulty=form.difficulty.data,
        prompt=form.prompt.data or "",
        explanation=form.explanation.data or "",
        quote=form.quote.data or "",
        options=form.options.data or "",
        answer_bool=form.answer_bool.data or "",
        accepted=form.accepted.data or "",
        is_name=bool(form.is_name.data),
        number=form.number.data or "",
        tolerance=form.tolerance.data or "",
        unit=form.unit.data or "",
        pairs=form.pairs.data or "",
        items=form.items.data or "",
        cloze_text=form.cloze_text.data or "",
    )


def _edit(question: Question | None):
    """Check the form; show the preview, or save and go back to the list."""
    form = _form(authoring.draft_of(question) if question and request.method == "GET" else None)
    preview = None
    if form.validate_on_submit():
        draft = _draft(form)
        topic = db.session.get(Topic, draft.topic_id)
        payload, errors, _ = authoring.check(draft, topic.source_id)
        for name, messages in errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + messages
        if not errors and request.form.get("action") == "save":
            saved = authoring.save(
                current_user._get_current_object(), draft, question and question.id
            )
            flash(
                "Question saved."
                if saved.id == (question and question.id) or not question
                else "Question saved as a new version: answers already given keep their grading.",
                "success",
            )
            return redirect(url_for("authoring.questions"), 303)
        if not errors:
            preview = {
                "q": Question(type=draft.type, prompt=draft.prompt, payload=payload),
                "view": layout(draft.type, payload, random.Random(0)),
                "answer": answer_text(draft.type, payload),
                "explanation": draft.explanation,
                "quote": draft.quote,
            }
    return render_template(
        "teach/question_form.html",
        form=form,
        question=question,
        preview=preview,
        type_labels=TYPE_LABELS,
    ), (422 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@instructor_required
def new():
    """Write a new question."""
    return _edit(None)


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@instructor_required
def edit(question_id: int):
    """Edit one of the instructor's questions."""
    return _edit(_mine(question_id))
