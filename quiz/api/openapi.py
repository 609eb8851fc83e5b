"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the endpoints; a test fails when a route of the API is
missing from it, so it cannot fall behind.
"""

from quiz.api import bp

ERROR = {"$ref": "#/components/responses/Error"}


def _op(summary: str, ok: dict | None = None, body: dict | None = None, errors=(401,)) -> dict:
    op = {
        "summary": summary,
        # 503: the database failed mid-request (quiz/reconnect.py); any operation can get it.
        "responses": {
            "200": ok or {"description": "OK"},
            **{str(e): ERROR for e in (*errors, 503)},
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _obj(**properties) -> dict:
    return {"type": "object", "properties": properties}


INT, STR, BOOL = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
ATTEMPT = {"name": "attempt_id", "in": "path", "required": True, "schema": INT}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "quiz API",
        "version": "1",
        "description": (
            "Flashcards and quizzes on one source text. Authenticate with the session cookie; "
            "every write needs the CSRF token in the X-CSRFToken header. Errors have one shape: "
            '{"error": {"status", "message", "field"?}}.'
        ),
    },
    "paths": {
        "/api/v1/me": {
            "get": _op("The logged-in user."),
            "patch": _op(
                "Change your name or time zone (nothing else).",
                body=_obj(name=STR, timezone=STR),
                errors=(400, 401, 422),
            ),
        },
        "/api/v1/study/next": {
            "get": {
                **_op(
                    "The next flashcard of a deck, with the four interval previews.",
                    errors=(401, 422),
                ),
                "parameters": [
                    {"name": "source", "in": "query", "required": True, "schema": STR},
                    {"name": "topic", "in": "query", "schema": STR},
                ],
            }
        },
        "/api/v1/study/reviews": {
            "post": _op(
                "Rate a card; answers with its new state and the next card. A replayed "
                "client_review_id returns the first result; a stale version gets 409, and so "
                "does a card's shown_at (as given with it) from another study day than now.",
                body={
                    **_obj(
                        question_id=INT,
                        rating={"type": "integer", "minimum": 1, "maximum": 4},
                        client_review_id=STR,
                        version=INT,
                        duration_ms=INT,
                        shown_at=INT,
                        source=STR,
                        topic=STR,
                    ),
                    "required": ["question_id", "rating", "client_review_id"],
                },
                errors=(400, 401, 404, 409, 422),
            )
        },
        "/api/v1/attempts": {
            "post": _op(
                "Build a practice quiz from rules and start it (201).",
                body={
                    **_obj(
                        source=STR,
                        count={"type": "integer", "minimum": 5, "maximum": 50},
                        topics={"type": "array", "items": STR},
                        kinds={"type": "array", "items": STR},
                        types={"type": "array", "items": STR},
                        difficulties={"type": "array", "items": INT},
                        feedback={"enum": ["immediate", "deferred"]},
                        time_limit=INT,
                        shuffle=BOOL,
                    ),
                    "required": ["source"],
                },
                errors=(400, 401, 404, 422),
            )
        },
        "/api/v1/attempts/{attempt_id}": {
            "get": {**_op("An attempt's state.", errors=(401, 404)), "parameters": [ATTEMPT]}
        },
        "/api/v1/attempts/{attempt_id}/questions/{number}": {
            "get": {
                **_op(
                    "One question of an open attempt, without its answer.", errors=(401, 404, 409)
                ),
                "parameters": [
                    ATTEMPT,
                    {"name": "number", "in": "path", "required": True, "schema": INT},
                ],
            }
        },
        "/api/v1/attempts/{attempt_id}/answers/{question_id}": {
            "put": {
                **_op(
                    "Save a response; a stale sequence, or an answer after the deadline, gets 409.",
                    body={
                        **_obj(response={}, sequence=INT, flagged=BOOL),
                        "required": ["sequence"],
                    },
                    errors=(400, 401, 404, 409, 422),
                ),
                "parameters": [
                    ATTEMPT,
                    {"name": "question_id", "in": "path", "required": True, "schema": INT},
                ],
            }
        },
        "/api/v1/attempts/{attempt_id}/finish": {
            "post": {
                **_op(
                    "Submit the attempt; calling again returns the same result.", errors=(401, 404)
                ),
                "parameters": [ATTEMPT],
            }
        },
        "/api/v1/attempts/{attempt_id}/result": {
            "get": {
                **_op(
                    "A finished attempt with its answers (when they may be shown).",
                    errors=(401, 404, 409),
                ),
                "parameters": [ATTEMPT],
            }
        },
    },
    "components": {
        "responses": {
            "Error": {
                "description": "An error, in the API's one shape.",
                "content": {
                    "application/json": {
                        "schema": _obj(error=_obj(status=INT, message=STR, field=STR))
                    }
                },
            }
        }
    },
}


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI description of this API."""
    return SPEC
