"""Quiz attempts over JSON: start, read a question, save an answer, finish, read the result.

While an attempt is open nothing here carries a right answer: a question is
sent as its prompt and layout (shuffled options, lefts, text around blanks).
"""

from flask_login import current_user, login_required

from quiz.api import bp
from quiz.api.contract import operation, parse_body
from quiz.api.schemas import (
    DEFAULT_COUNT,
    AnswerBody,
    AnswerSaved,
    AttemptOut,
    PracticeQuiz,
    QuestionOut,
    ResultOut,
)
from quiz.core.grading import grade
from quiz.core.quizbuild import Rules
from quiz.db import writes
from quiz.errors import error_response
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
@operation(AttemptOut, body=PracticeQuiz, status=201, errors=(400, 404, 422))
@writes  # one transaction on PostgreSQL, the login check included
@login_required
def start_attempt():
    """Build a practice quiz from rules and start it (404: no such source; 422: too few questions
    match)."""
    sent = parse_body(PracticeQuiz, "Send a JSON object with source, count and optional filters.")
    rules = Rules(
        topics=tuple(sent.topics or ()),
        kinds=tuple(sent.kinds or ()),
        types=tuple(sent.types or ()),
        difficulties=tuple(sent.difficulties or ()),
        count=sent.count or DEFAULT_COUNT,
    )
    settings = quizzes.Settings(
        feedback=sent.feedback or "deferred",
        time_limit_min=sent.time_limit,
        shuffle=True if sent.shuffle is None else sent.shuffle,
    )
    try:
        attempt = quizzes.start_practice(_user(), sent.source, rules, settings)
    except QuizError as error:
        return _error(error)
    return attempt_json(attempt), 201


@bp.get("/attempts/<int:attempt_id>")
@operation(AttemptOut, errors=(404,))
@login_required
def get_attempt(attempt_id: int):
    """Return an attempt's state."""
    try:
        return attempt_json(quizzes.get_attempt(_user(), attempt_id))
    except QuizError as error:
        return _error(error)


@bp.get("/attempts/<int:attempt_id>/questions/<int:number>")
@operation(QuestionOut, errors=(404, 409))
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
@operation(AnswerSaved, body=AnswerBody, errors=(400, 404, 409, 422))
@writes  # one transaction on PostgreSQL: the login check, the locked read and the update
@login_required
def put_answer(attempt_id: int, question_id: int):
    """Save a response; a stale sequence, a finished attempt or the deadline passed gets 409."""
    sent = parse_body(AnswerBody, "Send a JSON object with response and sequence.")
    try:
        answer = quizzes.save_answer(
            _user(), attempt_id, question_id, sent.response, sent.sequence, sent.flagged
        )
    except QuizError as error:
        return _error(error)
    return {"sequence": answer.sequence, "saved_at": answer.saved_at.isoformat()}


@bp.post("/attempts/<int:attempt_id>/finish")
@operation(AttemptOut, errors=(400, 404, 409))
@writes  # one transaction on PostgreSQL, the login check included
@login_required
def finish_attempt(attempt_id: int):
    """Submit the attempt; calling again returns the same result."""
    try:
        return attempt_json(quizzes.finish(_user(), attempt_id))
    except QuizError as error:
        return _error(error)


@bp.get("/attempts/<int:attempt_id>/result")
@operation(ResultOut, errors=(404, 409))
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
