"""Flashcards over JSON: the next card, and a review that answers with the next card."""

import uuid
from datetime import UTC, datetime

from flask import request, url_for
from flask_login import current_user, login_required

from quiz.api import bp
from quiz.core.scheduling import Memory, memory_to_dict
from quiz.db import utcnow, writes
from quiz.errors import error_response
from quiz.inputs import LAST_MS, JsonFields, json_object
from quiz.services import study
from quiz.services.study import StudyError


def memory_json(memory: Memory, version: int) -> dict:
    """Return a card's scheduling state as JSON."""
    return {**memory_to_dict(memory), "phase": memory.phase.name.lower(), "version": version}


def card_json(shown: study.ShownCard) -> dict:
    """Return a card to show: its front, back, version and the four interval previews."""
    q = shown.question
    return {
        "question_id": q.id,
        "key": q.key,
        "type": q.type,
        "front": q.card_front,
        "back": {
            "answer": q.card_back,
            "explanation": q.explanation,
            "quote": q.quote,
            "context_url": url_for("bank.reader", slug=q.key.split("/")[0], q=q.key) + f"#q-{q.id}",
        },
        "version": shown.version,
        "client_review_id": uuid.uuid4().hex,
        # Send it back with the rating: pressed on another study day (past 4 am), the
        # intervals shown are no longer the ones it would apply, and it is refused (409).
        "shown_at": int(utcnow().timestamp() * 1000),
        "intervals": {
            rating.name.lower(): {"label": o.label, "due": o.memory.due.isoformat()}
            for rating, o in shown.outcomes.items()
        },
        "state": memory_json(shown.memory, shown.version),
    }


def next_json(nxt: study.NextCard) -> dict:
    """Return the deck's next card (or None) and what is left today."""
    return {
        "card": card_json(nxt.card) if nxt.card else None,
        "remaining": {"review": nxt.review, "learning": nxt.learning, "new": nxt.new},
        "done_today": nxt.done,
        "next_learning": nxt.next_learning.isoformat() if nxt.next_learning else None,
    }


def _deck(source: object, topic: object) -> study.DeckName | None:
    if (
        not isinstance(source, str)
        or not source
        or (topic is not None and not isinstance(topic, str))
    ):
        return None
    return (source, topic or None)


@bp.get("/study/next")
@login_required
def study_next():
    """Return the next card of a deck: ?source=<slug>[&topic=<slug>]."""
    deck = _deck(request.args.get("source"), request.args.get("topic"))
    if deck is None:
        return error_response(
            422, "source: name the deck by its slug, e.g. ?source=<slug>.", field="source"
        )
    nxt = study.next_in(current_user._get_current_object(), deck, utcnow())
    if nxt is None:
        return error_response(404, "There is no such deck.")
    return next_json(nxt)


@bp.post("/study/reviews")
@writes  # one transaction: the login check, the card's read and the write
@login_required
def study_review():
    """Apply one review and answer with the card's new state and the deck's next card."""
    fields = JsonFields(
        json_object("Send a JSON object with question_id, rating and client_review_id.")
    )
    question_id = fields.integer("question_id")
    rating = fields.integer("rating")
    client_review_id = fields.text("client_review_id")
    version = fields.integer("version", default=None)
    duration = fields.integer("duration_ms", default=0)
    shown_at = fields.integer("shown_at", high=LAST_MS, default=None)  # ms since 1970
    if "source" in fields.data:
        deck = _deck(fields.data["source"], fields.data.get("topic"))
        if deck is None:
            return error_response(422, "source: must be a deck's slug.", field="source")
    else:
        deck = (None, None)  # the card's own source
    try:
        result = study.review(
            current_user._get_current_object(),
            question_id,
            rating,
            client_review_id,
            version,
            duration,
            deck=deck,
            shown_at=datetime.fromtimestamp(shown_at / 1000, UTC) if shown_at else None,
        )
    except StudyError as error:
        return error_response(error.status, str(error))
    return {
        "review": {
            "question_id": result.question_id,
            "rating": result.rating,
            "replayed": result.replayed,
            "leech": result.leech,
            "state": memory_json(result.memory, result.version),
        },
        "next": next_json(result.next or study.EMPTY),
    }
