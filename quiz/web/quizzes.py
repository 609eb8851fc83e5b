"""Practice quizzes: the builder, one question per page, the summary, the result, history."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from quiz.bank.schema import KINDS, TYPES
from quiz.core.quizbuild import Rules
from quiz.db import db, utcnow
from quiz.inputs import parse_whole, whole_number
from quiz.models import Answer, Attempt, Question, Quiz, Source
from quiz.services import progress, quizzes
from quiz.services.quizzes import QuizError
from quiz.web.forms import PracticeQuizForm, SelectChoice

bp = Blueprint("quizzes", __name__)

TYPE_LABELS = {
    "mcq": "Multiple choice",
    "multi": "Select all that apply",
    "true_false": "True or false",
    "short": "Short answer",
    "numeric": "Number",
    "matching": "Matching",
    "ordering": "Ordering",
    "cloze": "Fill in the blanks",
}


def _user():
    return current_user._get_current_object()


def _fail(error: QuizError):
    abort(error.status, description=str(error))


@bp.get("/quizzes/")
@login_required
def history():
    """List the user's attempts with scores, and their results per topic."""
    attempts = db.session.execute(
        select(Attempt, Quiz.title, Quiz.feedback)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == current_user.id)
        .order_by(Attempt.started_at.desc())
        .limit(100)
    ).all()
    return render_template(
        "quizzes/history.html", attempts=attempts, topics=quizzes.topic_breakdown(_user())
    )


@bp.route("/quizzes/new", methods=["GET", "POST"])
@login_required
def new():
    """Build a practice quiz and start it."""
    sources = db.session.scalars(
        select(Source).where(Source.archived.is_(False)).order_by(Source.title)
    ).all()
    if not sources:
        flash("There are no questions yet: the bank has not been loaded.", "warning")
        return redirect(url_for("main.home"))
    slug = request.values.get("source", sources[0].slug)
    source = next((s for s in sources if s.slug == slug), None)
    if source is None:
        abort(404, description="There is no such source.")
    form = PracticeQuizForm()
    form.topics.choices = [SelectChoice(t.slug, t.title) for t in source.topics if not t.archived]
    form.kinds.choices = [SelectChoice(k, k.capitalize()) for k in KINDS]
    form.types.choices = [SelectChoice(t, TYPE_LABELS[t]) for t in TYPES]
    if form.validate_on_submit():
        try:
            rules = Rules(
                topics=tuple(form.topics.data or ()),
                kinds=tuple(form.kinds.data or ()),
                types=tuple(form.types.data or ()),
                difficulties=tuple(form.difficulties.data or ()),
                count=form.count.data,
            )
            settings = quizzes.Settings(
                feedback=form.feedback.data,
                time_limit_min=form.time_limit.data,
                shuffle=form.shuffle.data,
            )
            attempt = quizzes.start_practice(_user(), source.slug, rules, settings)
        except (ValueError, QuizError) as error:
            field = getattr(error, "field", None) or "count"
            getattr(form, field if hasattr(form, field) else "count").errors.append(str(error))
        else:
            return redirect(url_for("quizzes.question", attempt_id=attempt.id, number=1), 303)
    status = 422 if form.errors else 200
    return render_template("quizzes/new.html", form=form, sources=sources, source=source), status


@bp.post("/quizzes/weak")
@login_required
def weak():
    """Start a short practice quiz on the weakest topics."""
    topics = progress.weakest_topics(_user())
    if not topics:
        flash("No weak topic right now: nothing to drill.", "info")
        return redirect(url_for("dashboard.home"), 303)
    try:
        attempt = quizzes.start_weak_quiz(_user(), topics[0].source_slug, [t.slug for t in topics])
    except QuizError as error:
        flash(str(error), "warning")
        return redirect(url_for("dashboard.home"), 303)
    return redirect(url_for("quizzes.question", attempt_id=attempt.id, number=1), 303)


def _answers(attempt: Attempt) -> dict[int, Answer]:
    rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    return {a.question_id: a for a in rows}


def _open_attempt(attempt_id: int):
    """Return the user's open attempt, or a redirect to its result if it is finished."""
    try:
        attempt = quizzes.get_attempt(_user(), attempt_id)
    except QuizError as error:
        _fail(error)
    if attempt.state == "finished":
        return None, redirect(url_for("quizzes.result", attempt_id=attempt.id))
    return attempt, None


@bp.get("/attempts/<int:attempt_id>")
@login_required
def resume(attempt_id: int):
    """Go back into an attempt at its first unanswered question (or its result)."""
    attempt, done = _open_attempt(attempt_id)
    if done:
        return done
    answers = _answers(attempt)
    number = next(
        (n for n, qid in enumerate(attempt.question_order, 1) if answers[qid].response is None),
        1,
    )
    return redirect(url_for("quizzes.question", attempt_id=attempt.id, number=number))


@bp.get("/attempts/<int:attempt_id>/q/<int:number>")
@login_required
def question(attempt_id: int, number: int):
    """Show one question of an open attempt, with the navigator."""
    attempt, done = _open_attempt(attempt_id)
    if done:
        flash("This attempt is finished: here is your result.", "info")
        return done
    if not 1 <= number <= len(attempt.question_order):
        abort(404, description="This attempt has no such question.")
    answers = _answers(attempt)
    qid = attempt.question_order[number - 1]
    q = db.session.scalars(
        select(Question).options(db.joinedload(Question.topic)).where(Question.id == qid)
    ).one()
    return _render_question(attempt, answers, q, number)


def _render_question(attempt, answers, q, number, status=200, error=None):
    answer = answers[q.id]
    feedback = None
    if answer.checked:
        feedback = quizzes.grade(q.type, q.payload, answer.response)
    return render_template(
        "quizzes/question.html",
        attempt=attempt,
        quiz=attempt.quiz,
        answers=answers,
        q=q,
        answer=answer,
        view=attempt.layout[str(q.id)],
        number=number,
        total=len(attempt.question_order),
        answered=sum(1 for a in answers.values() if a.response is not None),
        feedback=feedback,
        type_label=TYPE_LABELS[q.type],
        error=error,
        now=utcnow(),
    ), status


def read_response(q: Question, view: dict, form) -> object:
    """Turn a question page's form fields into a response in the grader's shape."""
    if q.type == "multi":
        return form.getlist("response")
    if q.type == "true_false":
        value = form.get("response", "")
        return None if value == "" else value == "true"
    if q.type == "matching":
        return {
            left: form.get(f"pair-{i}")
            for i, left in enumerate(view["lefts"])
            if form.get(f"pair-{i}")
        }
    if q.type == "ordering":
        return _ordering(view["items"], form)
    if q.type == "cloze":
        return form.getlist("blank")
    value = form.get("response", "")
    return value if value.strip() else None


def _ordering(items: list[str], form) -> list[str | None] | None:
    """Read the positions chosen so far: one entry per position, None where none is set.

    A half-done order is a draft and is saved as it is; two items at one position, or
    a position that is no number from 1 to len(items), is refused.
    """
    order: list[str | None] = [None] * len(items)
    for i, item in enumerate(items):
        value = form.get(f"pos-{i}", "")
        if not value:
            continue
        position = parse_whole(value) or 0
        if not 1 <= position <= len(items) or order[position - 1] is not None:
            raise QuizError(
                f"Give each item a different position from 1 to {len(items)}.", 422, "response"
            )
        order[position - 1] = item
    return order if any(item is not None for item in order) else None


@bp.post("/attempts/<int:attempt_id>/q/<int:number>")
@login_required
def save(attempt_id: int, number: int):
    """Save the answer on this page, then go where the student asked (or reply to autosave)."""
    user = _user()
    autosave = request.headers.get("X-Autosave") == "1"
    try:
        attempt = quizzes.get_attempt(user, attempt_id)
        if attempt.state == "finished":
            raise QuizError("This attempt is finished: answers can no longer change.", 409)
        if not 1 <= number <= len(attempt.question_order):
            raise QuizError("This attempt has no such question.", 404)
        qid = attempt.question_order[number - 1]
        q = db.session.get(Question, qid)
        view = attempt.layout[str(qid)]
        flagged = request.form.get("flagged") == "1"
        if request.form.get("locked") == "1":  # a checked answer: only its flag can change
            answer = quizzes.flag_answer(user, attempt_id, qid, flagged)
        else:
            response = read_response(q, view, request.form)
            sequence = whole_number(request.form, "sequence")
            if sequence is None:
                raise QuizError("The form is incomplete: reload the page.", 422)
            answer = quizzes.save_answer(user, attempt_id, qid, response, sequence, flagged)
        go = request.form.get("go", "next")
        if go == "check":
            answer = quizzes.check_answer(user, attempt_id, qid)
    except QuizError as error:
        if autosave:
            return jsonify(error={"status": error.status, "message": str(error)}), error.status
        if error.status == 404:
            _fail(error)
        flash(str(error), "error")
        return redirect(url_for("quizzes.question", attempt_id=attempt_id, number=number), 303)
    if autosave:
        return {"sequence": answer.sequence if answer else None, "saved_at": utcnow().isoformat()}
    return redirect(_target(attempt_id, number, go, len(attempt.question_order)), 303)


def _target(attempt_id: int, number: int, go: str, total: int) -> str:
    if go == "summary":
        return url_for("quizzes.summary", attempt_id=attempt_id)
    if go == "prev":
        number = max(1, number - 1)
    elif go == "next":
        if number >= total:
            return url_for("quizzes.summary", attempt_id=attempt_id)
        number += 1
    elif 1 <= (parse_whole(go) or 0) <= total:
        number = parse_whole(go)
    return url_for("quizzes.question", attempt_id=attempt_id, number=number)


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    """Show which questions are answered, flagged or unanswered before submitting."""
    attempt, done = _open_attempt(attempt_id)
    if done:
        return done
    answers = _answers(attempt)
    unanswered = sum(1 for a in answers.values() if a.response is None)
    return render_template(
        "quizzes/summary.html",
        attempt=attempt,
        answers=answers,
        unanswered=unanswered,
        flagged=sum(1 for a in answers.values() if a.flagged),
        now=utcnow(),
    )


@bp.post("/attempts/<int:attempt_id>/finish")
@login_required
def finish(attempt_id: int):
    """Submit the attempt (exactly once) and show the result."""
    try:
        quizzes.finish(_user(), attempt_id)
    except QuizError as error:
        _fail(error)
    return redirect(url_for("quizzes.result", attempt_id=attempt_id), 303)


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    """Show the score and every question with its answer, explanation and passage."""
    try:
        review = quizzes.review_attempt(_user(), attempt_id)
    except QuizError as error:
        if error.status == 409:
            return redirect(url_for("quizzes.summary", attempt_id=attempt_id))
        _fail(error)
    missed = sum(
        1 for r in review.items if (r.answer.points or 0) < 1 and r.question.origin == "bank"
    )
    return render_template(
        "quizzes/result.html",
        attempt=review.attempt,
        reviewed=review.items,
        visible=review.visible,
        missed=missed,
        type_labels=TYPE_LABELS,
    )


@bp.post("/attempts/<int:attempt_id>/retry")
@login_required
def retry(attempt_id: int):
    """Retry the questions missed in this attempt, as a new practice quiz."""
    try:
        attempt = quizzes.retry_missed(_user(), attempt_id)
    except QuizError as error:
        if error.status == 404:
            _fail(error)
        flash(str(error), "info")
        return redirect(url_for("quizzes.result", attempt_id=attempt_id), 303)
    return redirect(url_for("quizzes.question", attempt_id=attempt.id, number=1), 303)


@bp.post("/attempts/<int:attempt_id>/flashcards")
@login_required
def to_flashcards(attempt_id: int):
    """Put the questions missed in this attempt into today's flashcards."""
    try:
        count = quizzes.missed_to_flashcards(_user(), attempt_id)
    except QuizError as error:
        _fail(error)
    if count:
        flash(
            f"{count} missed question{'s are' if count != 1 else ' is'} now due "
            "in your flashcards.",
            "success",
        )
    else:
        flash("Nothing was missed: no card to add.", "info")
    return redirect(url_for("quizzes.result", attempt_id=attempt_id), 303)
