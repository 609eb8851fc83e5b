"""Quiz attempts over JSON: start, read a question, save an answer, finish, read the result.

While an attempt is open nothing here carries a right answer: a question is
sent as its prompt and layout (shuffled options, lefts, text around blanks).
"""

from flask_login import current_user, login_required

from quiz.api import bp
from quiz.core.grading import grade
from quiz.core.quizbuild import COUNT_RANGE, Rules
from quiz.db import writes
from quiz.errors import error_response
from quiz.inputs import JsonFields, json_object
from quiz.services import quizzes
from quiz.services.quizzes import QuizError


def _user():
    return current_user._get_current_object()


def _error(error: QuizError):
    return error_response(
        error.status, str(error), **({"field": error.field} if error.field else {})
    )


def attempt_json(attempt) -> dict:
    """Return an attempt's public fields."""
    return {
        "id": attempt.id,
        "state": attempt.state,
        "started_at": attempt.started_at.isoformat(),
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
        "questions": len(attempt.question_order),
        "score": attempt.score,
        "max_score": attempt.max_score,
        "feedback": attempt.quiz.feedback,
    }


@bp.post("/attempts")
@writes  # one transaction on PostgreSQL, the login check included
@login_required
def start_attempt():
    """Build a practice quiz from the body's rules and start it."""
    fields = JsonFields(json_object("Send a JSON object with source, count and optional filters."))
    try:
        source = fields.text("source")
        rules = Rules(
            topics=fields.texts("topics"),
            kinds=fields.texts("kinds"),
            types=fields.texts("types"),
            difficulties=fields.integers("difficulties", 1, 3),
            count=fields.integer("count", *COUNT_RANGE, default=10),
        )
        settings = quizzes.Settings(
            feedback=fields.text("feedback", "deferred", choices=("immediate", "deferred")),
            time_limit_min=fields.integer("time_limit", 1, 300, default=None),
            shuffle=fields.boolean("shuffle", True),
        )
        attempt = quizzes.start_practice(_user(), source, rules, settings)
    except QuizError as error:
        return _error(error)
    except ValueError as error:  # Rules: an unknown kind or type, said for a person
        field = str(error).split(":")[0]
        return error_response(422, str(error), field=field)
    return attempt_json(attempt), 201


@bp.get("/attempts/<int:attempt_id>")
@login_required
def get_attempt(attempt_id: int):
    """Return an attempt's state."""
    try:
        return attempt_json(quizzes.get_attempt(_user(), attempt_id))
    except QuizError as error:
        return _error(error)


@bp.get("/attempts/<int:attempt_id>/questions/<int:number>")
@login_required
def get_question(attempt_id: int, number: int):
    """Return one question of an open attempt, without its answer."""
    try:
        q = quizzes.open_question(_user(), attempt_id, number)
    except QuizError as error:
        return _error(error)
    body = {
        "number": number,
        "question_id": q.question_id,
        "type": q.type,
        "prompt": q.prompt,
        "layout": q.layout,
        "response": q.response,
        "sequence": q.sequence,
        "flagged": q.flagged,
        "checked": q.checked,
    }
    if q.checked:  # immediate feedback: this one question is over, its answer may show
        body["feedback"] = {
            "points": q.points,
            "message": grade(q.type, q.payload, q.response).message,
            "right_answer": q.card_back,
            "explanation": q.explanation,
        }
    return body


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@writes  # one transaction on PostgreSQL: the login check, the locked read and the update
@login_required
def put_answer(attempt_id: int, question_id: int):
    """Save a response: {response, sequence, flagged?}; a stale sequence gets 409."""
    data = json_object("Send a JSON object with response and sequence.")
    fields = JsonFields(data)
    sequence = fields.integer("sequence")
    flagged = fields.boolean("flagged", None)
    try:
        answer = quizzes.save_answer(
            _user(), attempt_id, question_id, data.get("response"), sequence, flagged
        )
    except QuizError as error:
        return _error(error)
    return {"sequence": answer.sequence, "saved_at": answer.saved_at.isoformat()}


@bp.post("/attempts/<int:attempt_id>/finish")
@writes  # one transaction on PostgreSQL, the login check included
@login_required
def finish_attempt(attempt_id: int):
    """Submit the attempt; calling again returns the same result."""
    try:
        return attempt_json(quizzes.finish(_user(), attempt_id))
    except QuizError as error:
        return _error(error)


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def get_result(attempt_id: int):
    """Return a finished attempt with every question, response, right answer and points."""
    try:
        review = quizzes.review_attempt(_user(), attempt_id)
    except QuizError as error:
        return _error(error)
    return {
        "attempt": attempt_json(review.attempt),
        "answers_visible": review.visible,
        "questions": [
            {
                "number": r.number,
                "question_id": r.question.id,
                "type": r.question.type,
                "topic": r.question.topic.slug,
                "prompt": r.question.prompt,
                "response": r.answer.response,
                "points": r.answer.points,
                "right_answer": r.question.card_back,
                "explanation": r.question.explanation,
                "quote": r.question.quote,
            }
            for r in review.items
        ],
    }
